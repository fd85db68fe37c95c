/**
 * The routing metadata a node run stores (`ark_flow_node_runs.routing_metadata`): the 12 run-metadata keys of
 * execution-plane §1/§7 plus ARK's own (`dispatcher`, `executor_class`, `route`, `attempt`, ...). For
 * out-of-process dispatchers it is written before dispatch (pending), on every dispatch state change, and the final
 * version comes with the result (the flow engine merges it into the same column).
 */
import type { Queryable } from "../store/store-port.js";
import type { ExecutionRequest, ExecutionResult } from "../plugin-api/contributions.js";

/** The 12 run-metadata keys of execution-plane §1. */
export const RUN_METADATA_KEYS = [
  "selected_provider", "final_provider", "provider_dispatch_id", "workspace_identity", "dispatch_status", "fallback_attempted",
  "fallback_reason", "dispatch_uncertain", "api_failure_category", "cli_fallback_used", "cli_preflight_passed", "execution_mode",
] as const;

/** Records routing metadata on a node run (merged into what is there). */
export type RoutingMetadataWriter = (nodeRunId: string, metadata: Record<string, unknown>) => Promise<void>;

/** What the router knows about a dispatch when it records metadata. */
export interface RouteFacts {
  readonly dispatcherId: string;
  readonly executorClass: string;
  /** `unified` (cutover on) or `legacy`. */
  readonly route: "unified" | "legacy";
  readonly attempt: number;
}

/** The 12 keys as the request carries them, plus the route facts (the pending metadata). */
export function pendingRunMetadata(request: ExecutionRequest, facts: RouteFacts): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of RUN_METADATA_KEYS) picked[key] = request[key] ?? null;
  return { ...picked, dispatcher: facts.dispatcherId, executor_class: facts.executorClass, route: facts.route, attempt: facts.attempt };
}

/** The final metadata: the request's 12 keys, what the dispatcher reported (`run_metadata`), and the result's timing. */
export function finalRunMetadata(request: ExecutionRequest, facts: RouteFacts, result: ExecutionResult): Record<string, unknown> {
  const reported = (result.run_metadata ?? {}) as Record<string, unknown>;
  const status: string = result.status;
  const failedDispatch = status === "dispatch_failed" || result.error?.code === "dispatch_error";
  return {
    ...pendingRunMetadata(request, facts),
    dispatch_status: failedDispatch ? "dispatch_failed" : "dispatch_confirmed",
    dispatch_uncertain: status === "dispatch_uncertain",
    ...reported,
    dispatcher: facts.dispatcherId, executor_class: facts.executorClass, route: facts.route, attempt: facts.attempt,
    exit_code: result.exit_code ?? null, started_at: result.started_at ?? null, finished_at: result.finished_at ?? null,
  };
}

/** Writes routing metadata through the store onto `ark_flow_node_runs` (node runs outside a flow have no row: no-op). */
export function storeRoutingMetadataWriter(store: Queryable): RoutingMetadataWriter {
  return async (nodeRunId, metadata) => {
    if (!/^\d{1,18}$/.test(nodeRunId)) return;
    await store.query(
      "UPDATE ark_flow_node_runs SET routing_metadata = routing_metadata || $1::jsonb, updated_at = now() WHERE id = $2::bigint",
      [JSON.stringify(metadata), nodeRunId],
    );
  };
}
