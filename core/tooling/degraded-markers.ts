/**
 * Degraded markers of a node run (reference §3.6): what a tool-backed node reports in `ExecutionResult.run_metadata`
 * so the flow engine marks the node run degraded with a precise reason (the fallback's warning, not a generic word).
 */

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

/** `deterministic_execution_status`, and when a fallback or warning happened `fallback_attempted` / `fallback_reason`. */
export function degradedRunMetadata(outputState: Readonly<Record<string, unknown>>, routingState: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const tooling = (outputState.deterministic_tooling ?? routingState.deterministic_tooling ?? {}) as Record<string, unknown>;
  const status = text(outputState.execution_status) ?? text(tooling.execution_status) ?? "success";
  const meta: Record<string, unknown> = { deterministic_execution_status: status };
  const fallbackUsed = tooling.fallback_used === true || outputState.fallback_used === true || routingState.fallback_used === true;
  if (fallbackUsed) {
    const warnings = Array.isArray(tooling.warnings) ? (tooling.warnings as Array<{ message?: unknown }>) : [];
    meta.deterministic_fallback_used = true;
    meta.fallback_attempted = true;
    meta.fallback_reason = text(warnings[0]?.message) ?? text(outputState.fallback_reason) ?? text(routingState.fallback_reason) ?? "deterministic_tool_fallback";
  } else if (status === "success_with_warning") {
    meta.fallback_attempted = true;
    meta.fallback_reason = text(outputState.fallback_reason) ?? "success_with_warning";
  }
  return meta;
}
