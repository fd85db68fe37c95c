import { isArkError } from "../errors/index.js";
import { HttpProblem, type ApiProblem, type HttpProblemCode } from "./error-envelope.js";

/** A problem plus how loudly to log it: 5xx are ours (error, with the stack), 4xx are the caller's (debug). */
export interface MappedProblem extends ApiProblem {
  readonly logLevel: "error" | "debug";
}

/** The lower-case code for an HTTP status, for errors that carry only a status. */
function codeForStatus(status: number): HttpProblemCode {
  const codes: Record<number, HttpProblemCode> = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    503: "service_unavailable",
  };
  return codes[status] ?? (status >= 500 ? "internal_error" : "invalid_request");
}

/** Fastify's own errors (body parsing, timeouts, bad URLs), reworded to say what to do. */
function fastifyProblem(code: string, status: number, message: string, limits: { bodyLimitBytes: number }): ApiProblem | null {
  switch (code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { status: 413, code: "payload_too_large", message: `The request body is larger than this route accepts (${limits.bodyLimitBytes} bytes by default, api.bodyLimitBytes).`, details: { limitBytes: limits.bodyLimitBytes } };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return { status: 415, code: "unsupported_media_type", message: "This content type is not accepted; send JSON with Content-Type: application/json.", details: {} };
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return { status: 400, code: "invalid_request", message: "The body is empty but Content-Type says JSON; send a JSON document or drop the header.", details: {} };
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return { status: 400, code: "invalid_request", message: "The body is not valid JSON; check the syntax.", details: {} };
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return { status: 400, code: "invalid_request", message: "The body's size does not match its Content-Length header.", details: {} };
    case "FST_ERR_HANDLER_TIMEOUT":
      return { status: 503, code: "request_timeout", message: "The request took longer than api.requestTimeoutMs allows; retry, or raise the limit.", details: {} };
    case "FST_ERR_BAD_URL":
    case "FST_ERR_MAX_PARAM_LENGTH":
      return { status: 400, code: "invalid_request", message: "The URL is malformed (bad percent-encoding or a path parameter that is too long).", details: {} };
    default:
      return status >= 400 && status < 500 ? { status, code: codeForStatus(status), message, details: {} } : null;
  }
}

/**
 * Maps anything thrown while answering a request to a problem. ArkErrors keep their code and catalogue status (5xx
 * ones lose their details, which may hold internals); unknown errors become a bare 500 `internal_error`.
 */
export function problemFromError(err: unknown, limits: { bodyLimitBytes: number }): MappedProblem {
  if (err instanceof HttpProblem) {
    return { status: err.status, code: err.code, message: err.message, details: err.details, headers: err.headers, logLevel: err.status >= 500 ? "error" : "debug" };
  }
  if (isArkError(err)) {
    let status = 500;
    try {
      status = err.status;
    } catch {
      // A code missing from the catalogue: treat as ours.
    }
    const details = status >= 500 ? {} : err.details;
    return { status, code: err.code, message: err.message, details, logLevel: status >= 500 ? "error" : "debug" };
  }
  const fields = typeof err === "object" && err !== null ? (err as { code?: unknown; statusCode?: unknown; message?: unknown }) : {};
  if (typeof fields.code === "string" && typeof fields.statusCode === "number") {
    const problem = fastifyProblem(fields.code, fields.statusCode, String(fields.message ?? ""), limits);
    if (problem) return { ...problem, logLevel: problem.status >= 500 ? "error" : "debug" };
  }
  return {
    status: 500,
    code: "internal_error",
    message: "The server failed while answering; the log has the details under this request_id.",
    details: {},
    logLevel: "error",
  };
}
