/**
 * Domain errors of tool handlers. A handler reports a failure the caller can act on by throwing `toolError(code, ...)`
 * with a code namespaced by its domain (`workspace.path_outside_root`, `memory.not_found`): the code is stable, scripts
 * and models match on it, and the envelope copies it to `result.error.code` unchanged. An `ArkError` keeps its `ARK_*`
 * code. Anything else thrown is a bug in the handler and becomes `ARK_TOOL_HANDLER_FAILED`.
 */
import { ArkError, errorMessage, isArkError } from "../errors/index.js";

/** `<domain>.<snake_case_reason>`: the shape every domain error code has. */
export const TOOL_ERROR_CODE_PATTERN = /^[a-z][a-z0-9_-]*\.[a-z][a-z0-9_.]*$/;

/** A failure a tool domain reports on purpose, with a stable domain code. */
export class ToolError extends Error {
  override readonly name = "ToolError";
  readonly code: string;
  readonly details: Record<string, unknown>;
  /** False: retrying cannot help (bad path, missing record). True/undefined: the envelope may retry idempotent operations. */
  readonly retryable: boolean | undefined;

  constructor(code: string, message: string, options: { details?: Record<string, unknown>; retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (!TOOL_ERROR_CODE_PATTERN.test(code)) {
      throw new ArkError("ARK_INVALID_ARGUMENT", `Tool error codes look like "<domain>.<reason>" in lower snake case (got "${code}").`, { details: { code } });
    }
    this.code = code;
    this.details = options.details ?? {};
    this.retryable = options.retryable;
  }
}

/** Builds a ToolError to throw from a handler: `throw toolError("memory.not_found", "No memory 42.", { id: 42 })`. */
export function toolError(code: string, message: string, details: Record<string, unknown> = {}, options: { retryable?: boolean; cause?: unknown } = {}): ToolError {
  return new ToolError(code, message, { details, ...options });
}

/** True when `err` is a ToolError, optionally with the given code. */
export function isToolError(err: unknown, code?: string): err is ToolError {
  return err instanceof ToolError && (code === undefined || err.code === code);
}

/** A failure as the envelope records it: the stable code, message, details and whether a retry may help. */
export interface ToolFailure {
  readonly code: string;
  readonly message: string;
  readonly details: Record<string, unknown>;
  readonly retryable: boolean;
  /** The class name of what was thrown (trace `error_type`). */
  readonly errorType: string;
}

/** Normalises anything a handler threw into a ToolFailure. Client-side ArkErrors (4xx) are never retried. */
export function toolFailureOf(err: unknown): ToolFailure {
  if (err instanceof ToolError) {
    return { code: err.code, message: err.message, details: err.details, retryable: err.retryable !== false, errorType: "ToolError" };
  }
  if (isArkError(err)) {
    return { code: err.code, message: err.message, details: err.details, retryable: err.status >= 500, errorType: "ArkError" };
  }
  const errorType = err instanceof Error ? err.constructor.name : typeof err;
  return { code: "ARK_TOOL_HANDLER_FAILED", message: errorMessage(err), details: {}, retryable: true, errorType };
}
