/**
 * Normalised LLM provider failures. Every adapter (OpenAI-compatible, Anthropic, Gemini, vLLM) maps its HTTP and
 * transport failures to one of these kinds, so the tool loop's retry policy and the node result's error envelope
 * never depend on a provider's wording.
 */
import { ArkError, type ArkErrorCode } from "../../errors/index.js";

/** What went wrong with a provider call, independent of the provider. */
export type LlmErrorKind = "auth" | "rate_limit" | "timeout" | "bad_request" | "provider_error" | "cancelled" | "config_error";

const CODE_BY_KIND: Readonly<Record<LlmErrorKind, ArkErrorCode>> = {
  auth: "ARK_LLM_AUTH",
  rate_limit: "ARK_LLM_RATE_LIMITED",
  timeout: "ARK_LLM_TIMEOUT",
  bad_request: "ARK_LLM_BAD_REQUEST",
  provider_error: "ARK_LLM_PROVIDER_ERROR",
  cancelled: "ARK_LLM_CANCELLED",
  config_error: "ARK_LLM_NOT_CONFIGURED",
};

/** Details every LLM error carries. */
export interface LlmErrorInfo {
  readonly provider: string;
  /** HTTP status when the provider answered; absent for transport failures. */
  readonly status?: number;
  /** Delay the provider asked for (Retry-After / retry-after-ms), in ms. */
  readonly retryAfterMs?: number;
  readonly retryable?: boolean;
  readonly details?: Record<string, unknown>;
  readonly cause?: unknown;
}

/** A provider call that failed, with its normalised kind. */
export class LlmError extends ArkError {
  readonly kind: LlmErrorKind;
  readonly provider: string;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly retryable: boolean;

  constructor(kind: LlmErrorKind, message: string, info: LlmErrorInfo) {
    const details = { provider: info.provider, ...(info.status !== undefined ? { status: info.status } : {}), ...info.details };
    super(CODE_BY_KIND[kind], message, { details, cause: info.cause });
    this.kind = kind;
    this.provider = info.provider;
    this.httpStatus = info.status;
    this.retryAfterMs = info.retryAfterMs;
    this.retryable = info.retryable ?? defaultRetryable(kind, info.status);
  }

  /** The error envelope a node result carries (`code` is the normalised kind). */
  envelope(): { code: string; message: string; details: Record<string, unknown>; retryable: boolean } {
    return { code: this.kind, message: this.message, details: { ...this.details }, retryable: this.retryable };
  }
}

/** Rate limits, timeouts and 5xx answers are worth another attempt; everything else is not. */
function defaultRetryable(kind: LlmErrorKind, status: number | undefined): boolean {
  if (kind === "rate_limit" || kind === "timeout") return true;
  if (kind === "provider_error") return status === undefined || status >= 500;
  return false;
}

/** True when `err` is an LlmError (of the given kind). */
export function isLlmError(err: unknown, kind?: LlmErrorKind): err is LlmError {
  return err instanceof LlmError && (kind === undefined || err.kind === kind);
}

/** The normalised kind of an HTTP status a provider answered with. */
export function kindOfStatus(status: number): LlmErrorKind {
  if (status === 401 || status === 403) return "auth";
  if (status === 429) return "rate_limit";
  if (status === 408 || status === 504) return "timeout";
  if (status >= 500) return "provider_error";
  if (status >= 400) return "bad_request";
  return "provider_error";
}

/** Removes every secret value (API keys) from a text before it reaches an error message or a log line. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join("[REDACTED]");
  }
  return out;
}
