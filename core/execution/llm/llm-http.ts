/**
 * One JSON POST (or GET) to an LLM provider over fetch (undici): a per-call timeout combined with the caller's
 * AbortSignal (aborting cancels the in-flight request), and every failure mapped to an LlmError kind. API keys never
 * reach a message: response bodies are redacted before they are quoted.
 */
import { errorMessage } from "../../errors/index.js";
import { LlmError, kindOfStatus, redactSecrets } from "./llm-errors.js";

/** One HTTP call to a provider. */
export interface LlmHttpRequest {
  readonly provider: string;
  readonly url: string;
  readonly method?: "POST" | "GET";
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Values to scrub from anything quoted in an error (the API key). */
  readonly secrets: readonly (string | undefined)[];
}

const BODY_EXCERPT = 600;

/** Sends the request and returns the parsed JSON object of a 2xx answer; throws LlmError otherwise. */
export async function requestJson(request: LlmHttpRequest): Promise<Record<string, unknown>> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  let response: Response;
  let text: string;
  try {
    response = await fetch(request.url, {
      method: request.method ?? "POST",
      headers: { accept: "application/json", ...(request.body !== undefined ? { "content-type": "application/json" } : {}), ...request.headers },
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      signal,
    });
    text = await response.text();
  } catch (err) {
    throw transportError(request, err, timeout);
  }
  if (!response.ok) throw statusError(request, response, text);
  return parseBody(request, response.status, text);
}

function transportError(request: LlmHttpRequest, err: unknown, timeout: AbortSignal): LlmError {
  const where = safeUrl(request);
  if (request.signal?.aborted) return new LlmError("cancelled", `${request.provider} call to ${where} was cancelled.`, { provider: request.provider, cause: err });
  if (timeout.aborted) {
    return new LlmError("timeout", `${request.provider} did not answer within ${request.timeoutMs} ms (${where}).`, {
      provider: request.provider, details: { timeout_ms: request.timeoutMs }, cause: err,
    });
  }
  const reason = redactSecrets(causeMessage(err), request.secrets);
  return new LlmError("provider_error", `${request.provider} is unreachable at ${where}: ${reason}`, { provider: request.provider, retryable: true, cause: err });
}

function statusError(request: LlmHttpRequest, response: Response, text: string): LlmError {
  const status = response.status;
  const kind = kindOfStatus(status);
  const body = redactSecrets(text.slice(0, BODY_EXCERPT), request.secrets);
  const reason = providerReason(text) ?? body;
  const retryAfterMs = retryAfterOf(response.headers);
  return new LlmError(kind, `${request.provider} answered HTTP ${status}: ${redactSecrets(reason, request.secrets)}`, {
    provider: request.provider, status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), details: { body },
  });
}

function parseBody(request: LlmHttpRequest, status: number, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw malformedResponse(request.provider, `the body is not a JSON object`, { status, body: redactSecrets(text.slice(0, BODY_EXCERPT), request.secrets) });
  }
  return value as Record<string, unknown>;
}

/** A 2xx answer that does not follow the provider's documented format. */
export function malformedResponse(provider: string, why: string, details: Record<string, unknown> = {}): LlmError {
  return new LlmError("provider_error", `${provider} returned a malformed response: ${why}.`, {
    provider, retryable: false, details: { reason: "malformed_response", ...details },
  });
}

/** `retry-after-ms` (OpenAI) wins over `retry-after` (seconds or an HTTP date). */
export function retryAfterOf(headers: Headers): number | undefined {
  const ms = Number(headers.get("retry-after-ms"));
  if (headers.has("retry-after-ms") && Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get("retry-after");
  if (raw === null || raw.trim() === "") return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The provider's own error message (`{error:{message}}` in all three wire formats), when the body has one. */
function providerReason(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed.error === "string") return parsed.error;
    if (typeof parsed.error?.message === "string") return parsed.error.message;
    if (typeof parsed.message === "string") return parsed.message;
  } catch {
    // not JSON: the excerpt is quoted instead
  }
  return undefined;
}

function causeMessage(err: unknown): string {
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause ? `${errorMessage(err)} (${errorMessage(cause)})` : errorMessage(err);
}

/** The URL without its query string (Gemini keys may sit there). */
function safeUrl(request: LlmHttpRequest): string {
  return redactSecrets(request.url.split("?")[0] ?? request.url, request.secrets);
}
