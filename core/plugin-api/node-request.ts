/**
 * What node types read from their execution request besides their config: the record they work on (the graph's
 * ref_id, else a config field) and the run's input context as an object.
 */
import type { ExecutionRequest } from "./contributions.js";

/** The node's ref id (the plan or milestone it works on): the graph's ref_id, else `config[field]`; null when neither. */
export function nodeRefId(request: ExecutionRequest, field: string): number | null {
  for (const value of [request.node_ref_id, request.node_config[field]]) {
    const id = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof id === "number" && Number.isSafeInteger(id) && id >= 1) return id;
  }
  return null;
}

/** The run's input context as an object (empty when absent). */
export function inputContextOf(request: ExecutionRequest): Record<string, unknown> {
  const ctx = request.input_context;
  return typeof ctx === "object" && ctx !== null && !Array.isArray(ctx) ? ctx : {};
}

/**
 * `flowchart_run:<run>:node:<node>` — the origin key of the record a node without ref_id creates, so every execution
 * of that node in one run works on one record; null outside a run.
 */
export function nodeOriginKey(request: ExecutionRequest): string | null {
  const run = request.flowchart_run_id;
  return (typeof run === "string" && run !== "") || typeof run === "number" ? `flowchart_run:${run}:node:${request.node_id}` : null;
}
