/**
 * The trace envelope of one invocation (reference §1.5) and how node handlers attach it to their outputs (§1.6).
 * Fixed quirk §9.2: a warning appears once, in the envelope and in `output_state.warnings` alike.
 */
import type { ToolInvocationResult } from "../plugin-api/contributions.js";
import type { ToolWarning } from "./tool-call.js";

/** The trace envelope's contract version. */
export const TOOL_TRACE_CONTRACT_VERSION = "v1";

/** One attempt as the trace records it. */
export interface CallTrace {
  readonly attempt: number;
  readonly status: "succeeded" | "failed";
  readonly started_at: string;
  readonly finished_at: string;
  readonly duration_ms: number;
  readonly error_type?: string;
  readonly error?: string;
  readonly error_code?: string;
}

/** Everything the envelope knows when it builds the trace. */
export interface TraceFacts {
  readonly nodeType: string;
  readonly domain: string;
  readonly operation: string;
  readonly status: ToolInvocationResult["status"];
  readonly fallbackUsed: boolean;
  readonly warnings: readonly ToolWarning[];
  readonly calls: readonly CallTrace[];
  readonly replayed: boolean;
  readonly idempotencyScope?: string;
  readonly idempotencyKey?: string;
  readonly executionId?: string | number;
  readonly requestId?: string;
  readonly correlationId?: string;
  readonly artifactHookKey?: string;
}

/** Builds the §1.5 envelope; optional fields only when set. */
export function buildTrace(f: TraceFacts): Record<string, unknown> {
  const trace: Record<string, unknown> = {
    contract_version: TOOL_TRACE_CONTRACT_VERSION,
    node_type: f.nodeType,
    tool_name: `deterministic.${f.domain}`,
    domain: f.domain,
    operation: f.operation,
    execution_status: f.status,
    fallback_used: f.fallbackUsed,
    warnings: f.warnings.map((w) => ({ ...w })),
    attempt_count: f.calls.length,
    calls: f.calls.map((c) => ({ ...c })),
    replayed: f.replayed,
  };
  const optional: Array<[string, unknown]> = [
    ["execution_id", f.executionId], ["request_id", f.requestId], ["correlation_id", f.correlationId],
    ["idempotency_scope", f.idempotencyScope], ["idempotency_key", f.idempotencyKey], ["artifact_hook_key", f.artifactHookKey],
  ];
  for (const [key, value] of optional) if (value !== undefined && value !== null && value !== "") trace[key] = value;
  return trace;
}

/** The same warning (code + message) only once, first occurrence kept. */
export function uniqueWarnings(warnings: readonly unknown[]): ToolWarning[] {
  const seen = new Set<string>();
  const out: ToolWarning[] = [];
  for (const w of warnings) {
    if (!w || typeof w !== "object") continue;
    const { code, message } = w as { code?: unknown; message?: unknown };
    if (typeof code !== "string" || typeof message !== "string") continue;
    const id = `${code}\u0000${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(w as ToolWarning);
  }
  return out;
}

const ROUTING_TRACE_KEYS = ["contract_version", "tool_name", "operation", "execution_status", "fallback_used", "warnings", "request_id", "correlation_id", "artifact_hook_key"];

/**
 * §1.6 for node handlers: `output_state.deterministic_tooling` = the trace, `routing_state.deterministic_tooling` =
 * its routing subset (null kept for unset ids), `execution_status` = `success_with_warning` when the output itself
 * or the envelope says so, `fallback_used` OR-ed, warnings merged with each one kept once.
 */
export function attachToolTrace(
  outputState: Readonly<Record<string, unknown>>,
  routingState: Readonly<Record<string, unknown>>,
  result: Pick<ToolInvocationResult, "status" | "warnings" | "trace">,
): { output_state: Record<string, unknown>; routing_state: Record<string, unknown> } {
  const trace = result.trace;
  const fallbackUsed = trace.fallback_used === true || outputState.fallback_used === true;
  const warned = result.status === "success_with_warning" || outputState.execution_status === "success_with_warning" || fallbackUsed;
  const status = warned ? "success_with_warning" : String(trace.execution_status ?? result.status);
  const routingTrace: Record<string, unknown> = {};
  for (const key of ROUTING_TRACE_KEYS) routingTrace[key] = trace[key] ?? null;
  routingTrace.execution_status = status;
  const output: Record<string, unknown> = { ...outputState, deterministic_tooling: trace, execution_status: status, fallback_used: fallbackUsed };
  const existing = Array.isArray(outputState.warnings) ? outputState.warnings : [];
  const merged = uniqueWarnings([...existing, ...result.warnings]);
  if (merged.length > 0 || Array.isArray(outputState.warnings)) output.warnings = merged;
  const routing: Record<string, unknown> = { ...routingState, deterministic_tooling: routingTrace };
  if (fallbackUsed) routing.fallback_used = true;
  return { output_state: output, routing_state: routing };
}
