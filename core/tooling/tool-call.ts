/**
 * The invocation envelope's call options beyond the fixed `ToolInvocation` port: retry policy, fallback and trace
 * labels. In-process callers (node handlers, the frontier tool loop) pass them; over HTTP only `max_attempts` and
 * `retry_backoff_ms` travel (a fallback is code, it cannot be sent).
 */
import type { ToolCallContext, ToolDomainContribution, ToolInvocation, ToolOperation } from "../plugin-api/contributions.js";
import type { ToolFailure } from "./tool-error.js";

/** The warning code a fallback gets when it names none (reference §1.7). */
export const DEFAULT_FALLBACK_WARNING_CODE = "deterministic_tool_failure";

/** One warning of a tool result. */
export interface ToolWarning {
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** What a fallback answers instead of the failed operation's output. */
export interface ToolFallbackOutcome {
  /** Must match the operation's output schema, like a normal output. */
  readonly output: unknown;
  /** Defaults to `{code: "deterministic_tool_failure", message: <the failure's message>}`. */
  readonly warning?: Partial<ToolWarning>;
}

/**
 * Builds a substitute output after the last attempt failed. Return null to decline (the call then fails with the
 * original error), e.g. a `conflict_only` policy that only covers conflicts.
 */
export type ToolFallback<I = unknown> = (
  failure: ToolFailure,
  input: I,
  ctx: ToolCallContext,
) => ToolFallbackOutcome | null | Promise<ToolFallbackOutcome | null>;

/** Retry policy: attempts in total (1 = no retry) and the pause between them. */
export interface ToolRetryPolicy {
  readonly maxAttempts?: number;
  readonly backoffMs?: number;
  /** Each further pause is multiplied by this (default 2; 1 = constant backoff). */
  readonly backoffFactor?: number;
}

/** Labels copied into the trace envelope (reference §1.5). */
export interface ToolTraceLabels {
  /** The node type calling (`memory`, `plan`, ...); default `scope.node_type`, else `unknown`. */
  readonly nodeType?: string;
  readonly requestId?: string;
  readonly correlationId?: string;
  readonly executionId?: string | number;
  readonly artifactHookKey?: string;
}

/** A tool call with the envelope's optional policy. Plain `ToolInvocation`s get the operation's defaults. */
export interface ToolCall extends ToolInvocation {
  /** Overrides the operation's retry policy; ignored (1 attempt) for operations not marked `idempotent`. */
  readonly retry?: ToolRetryPolicy;
  /** Tried after the last attempt failed, before the operation's and the domain's own fallbacks. */
  readonly fallback?: ToolFallback;
  readonly trace?: ToolTraceLabels;
}

/** An operation with the envelope's optional extras (read structurally: any ToolOperation may carry them). */
export interface ToolOperationSpec<I = any, O = unknown> extends ToolOperation<I, O> {
  /** Default retry policy of the operation (only applied when `idempotent: true`). */
  readonly retry?: ToolRetryPolicy;
  /** The operation's own fallback, used when the caller gave none or the caller's declined. */
  readonly fallback?: ToolFallback<I>;
}

/** A domain with an optional domain-wide fallback (after the operation's). */
export interface ToolDomainSpec extends ToolDomainContribution {
  readonly fallback?: (operation: string, failure: ToolFailure, input: unknown, ctx: ToolCallContext) => ToolFallbackOutcome | null | Promise<ToolFallbackOutcome | null>;
}
