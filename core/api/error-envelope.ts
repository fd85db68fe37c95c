import type { JSONSchema } from "../contracts/json-schema.js";

/** Version of the API error contract (reference §14.5). */
export const API_CONTRACT_VERSION = "v1";

/**
 * Codes of problems the HTTP layer itself answers with (lower-case, as in the reference). Errors raised by ARK code
 * keep their own `ARK_*` code and the status the error catalogue gives it.
 */
export type HttpProblemCode =
  | "invalid_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "request_timeout"
  | "service_unavailable"
  | "internal_error";

/** The body of every error answer. */
export interface ErrorEnvelope {
  readonly ok: false;
  readonly error: {
    readonly contract_version: typeof API_CONTRACT_VERSION;
    readonly code: string;
    readonly message: string;
    readonly details: Record<string, unknown>;
    readonly request_id: string;
  };
  readonly correlation_id?: string;
}

/** A problem the HTTP layer answers with directly (auth, routing, CORS); thrown inside the server, turned into an envelope. */
export class HttpProblem extends Error {
  override readonly name = "HttpProblem";

  constructor(
    readonly status: number,
    readonly code: HttpProblemCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** Response headers that belong to this answer (Allow, WWW-Authenticate). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** A problem ready to be sent: status, code, message, details. */
export interface ApiProblem {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details: Record<string, unknown>;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Builds the envelope for a problem; `correlation_id` only when the caller sent one. */
export function errorEnvelope(problem: ApiProblem, ids: { requestId: string; correlationId: string | null }): ErrorEnvelope {
  return {
    ok: false,
    error: {
      contract_version: API_CONTRACT_VERSION,
      code: problem.code,
      message: problem.message,
      details: problem.details,
      request_id: ids.requestId,
    },
    ...(ids.correlationId ? { correlation_id: ids.correlationId } : {}),
  };
}

/** JSON Schema of the envelope, for the OpenAPI document. */
export const errorEnvelopeSchema: JSONSchema = Object.freeze({
  type: "object",
  required: ["ok", "error"],
  properties: {
    ok: { type: "boolean", enum: [false] },
    error: {
      type: "object",
      required: ["contract_version", "code", "message", "details", "request_id"],
      properties: {
        contract_version: { type: "string", enum: [API_CONTRACT_VERSION] },
        code: { type: "string", description: "invalid_request, unauthorized, forbidden, not_found, method_not_allowed, payload_too_large, ... or an ARK_* code." },
        message: { type: "string", description: "What went wrong and what to do." },
        details: { type: "object", additionalProperties: true, description: "Structured facts: issues (each with a path), fields, allowed methods, ..." },
        request_id: { type: "string" },
      },
    },
    correlation_id: { type: "string", description: "The X-Correlation-Id the caller sent." },
  },
});
