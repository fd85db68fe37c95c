/**
 * The per-call tool trace of the LLM tool loop and the `output_state.sdk_tooling` evidence built from it
 * (execution-plane §9.8), extended with what the ARK loop adds: the idempotency key and whether the ledger replayed.
 */
import type { ToolInvocationResult } from "../../plugin-api/contributions.js";

/** One tool call of the loop, as recorded. */
export interface ToolTraceEntry {
  readonly provider: string;
  readonly cycle: number;
  readonly call_id: string;
  readonly tool_name: string;
  readonly is_error: boolean;
  readonly tool_domain: string | null;
  readonly operation: string | null;
  readonly execution_status: string;
  readonly fallback_used: boolean;
  readonly warnings: readonly unknown[];
  readonly warning_count: number;
  readonly trace_envelope: Record<string, unknown>;
  readonly idempotency_key: string | null;
  readonly replayed: boolean;
  readonly error_code: string | null;
}

/** The call as the model made it. */
export interface TracedCall {
  readonly provider: string;
  readonly cycle: number;
  readonly callId: string;
  readonly toolName: string;
  readonly domain: string | null;
  readonly operation: string | null;
  readonly idempotencyKey: string | null;
}

/** A trace entry for a call the ToolHost answered. */
export function traceOfResult(call: TracedCall, result: ToolInvocationResult): ToolTraceEntry {
  const trace = result.trace && typeof result.trace === "object" ? { ...result.trace } : {};
  return {
    ...base(call),
    is_error: result.status === "failed",
    execution_status: result.status,
    fallback_used: trace.fallback_used === true,
    warnings: [...result.warnings],
    warning_count: result.warnings.length,
    trace_envelope: trace,
    replayed: result.replayed,
    error_code: result.error?.code ?? null,
  };
}

/** A trace entry for a call that never reached a tool (unknown name, refused input). */
export function traceOfRefusal(call: TracedCall, code: string): ToolTraceEntry {
  return { ...base(call), is_error: true, execution_status: "failed", fallback_used: false, warnings: [], warning_count: 0, trace_envelope: {}, replayed: false, error_code: code };
}

function base(call: TracedCall) {
  return {
    provider: call.provider, cycle: call.cycle, call_id: call.callId, tool_name: call.toolName, tool_domain: call.domain,
    operation: call.operation, idempotency_key: call.idempotencyKey,
  };
}

/**
 * `output_state.sdk_tooling`: null when no tool was called (the key is then left out), else the call count, the
 * entries, the provider, and the request/correlation ids of the first trace envelope that has them.
 */
export function sdkToolingEvidence(trace: readonly ToolTraceEntry[], provider: string): Record<string, unknown> | null {
  if (trace.length === 0) return null;
  const evidence: Record<string, unknown> = { tool_call_count: trace.length, tool_calls: trace.map((e) => JSON.parse(JSON.stringify(e)) as unknown), provider };
  for (const key of ["request_id", "correlation_id"] as const) {
    const found = trace.map((e) => e.trace_envelope[key]).find((v) => typeof v === "string" && v !== "");
    if (found !== undefined) evidence[key] = found;
  }
  return evidence;
}
