/** The scope and idempotency keys of tool calls made on behalf of one node run. */
import type { ExecutionRequest } from "../plugin-api/contributions.js";

/** Scope keys that identify the caller and that a scoped host (or a node-run token) never lets a call override. */
export const PINNED_SCOPE_KEYS = ["flowchart_run_id", "node_run_id", "flowchart_id", "node_id", "execution_index"] as const;

function idText(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : typeof value === "number" ? String(value) : undefined;
}

/** The tool scope of a node run, from its v1 execution request. */
export function nodeRunScope(request: ExecutionRequest): Record<string, unknown> {
  const scope: Record<string, unknown> = {
    flowchart_run_id: idText(request.flowchart_run_id),
    node_run_id: idText(request.execution_id),
    flowchart_id: idText(request.flowchart_id),
    node_id: idText(request.node_id),
    execution_index: request.execution_index,
    node_type: request.node_type,
    workspace: idText(request.workspace_identity),
    request_id: idText(request.request_id),
    correlation_id: idText(request.correlation_id),
  };
  return Object.fromEntries(Object.entries(scope).filter(([, v]) => v !== undefined && v !== null));
}

/** The idempotency key of a node run's call of one operation (`node_run:<id>:<domain>.<operation>`, reference §1.8). */
export function nodeRunToolKey(request: ExecutionRequest, domain: string, operation: string): string {
  return `node_run:${idText(request.execution_id) ?? "unknown"}:${domain}.${operation}`;
}

/** `base` with `extra` merged under it: the pinned ids of `base` always win. */
export function mergeScope(base: Readonly<Record<string, unknown>>, extra: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  return { ...(extra ?? {}), ...base };
}
