/**
 * Persisting a node run's result (reference §4.4 step 7) in ONE transaction with its events: the node run's status and
 * states, the artifact, routing, fan-in tokens and the activations they fire, the run's outcome, and the run's end when
 * nothing is left in flight. Every write is conditional on this worker still owning the node run (lease owner, status
 * running): a result for a node run that was taken over or force-canceled is discarded, so a canceled node run is never
 * overwritten (quirk Q16).
 */
import type { EmitFn } from "../../events/index.js";
import type { Queryable } from "../../store/store-port.js";
import { resolveOutgoingConnectors, type RoutingOutcome } from "../graph/index.js";
import { claimActivations, type ClaimedWork } from "./activation-claim.js";
import type { EngineCore } from "./engine-core.js";
import type { DispatchOutcome, FlowRun, NodeRun } from "./engine-types.js";
import { persistArtifact } from "./node-artifacts.js";
import { emitArtifactPersisted, emitNodeFinished, emitRunUpdated } from "./run-events.js";
import { decideOutcome, finaliseIfDrained } from "./run-finalise.js";
import { NODE_RUN_COLUMNS, toNodeRun } from "./run-rows.js";
import { readRun } from "./run-start.js";
import { deliverTokens } from "./token-delivery.js";
import { notifyWork } from "./work-notice.js";

/** What persisting did. */
export interface PersistReport {
  /** False when the result was discarded (the node run is no longer this worker's). */
  readonly persisted: boolean;
  readonly run: FlowRun | null;
  readonly activations: number;
  /** Activations this worker claimed in the same transaction (a chain continues without another round trip). */
  readonly chained: ClaimedWork[];
}

const ROUTABLE = new Set(["running", "pausing", "paused", "stopping"]);
const DISCARDED: PersistReport = { persisted: false, run: null, activations: 0, chained: [] };

/** §11.4 degraded markers, from the dispatch metadata and the node's output. */
export function degradedReason(meta: Readonly<Record<string, unknown>>, output: Readonly<Record<string, unknown>>): string | null {
  const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);
  const reason = text(meta.fallback_reason) ?? text(meta.api_failure_category);
  if (reason) return reason;
  if (meta.dispatch_uncertain === true) return "dispatch_uncertain";
  if (meta.cli_fallback_used === true) return "cli_fallback_used";
  if (output.fallback_used === true || meta.deterministic_fallback_used === true) return "deterministic_fallback_used";
  if (output.execution_status === "success_with_warning") return "success_with_warning";
  if (meta.fallback_attempted === true) return "degraded";
  return null;
}

/** A node-run update that only applies while `owner` holds the lease; it also closes the node run's activation. */
async function updateOwned(tx: Queryable, set: string, params: unknown[], ids: { nodeRunId: string; activationId: string; owner: string }): Promise<NodeRun | null> {
  const n = params.length;
  const { rows } = await tx.query(
    `WITH updated AS (
       UPDATE ark_flow_node_runs SET ${set}, finished_at = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL
        WHERE id = $${n + 1} AND status = 'running' AND lease_owner = $${n + 2} RETURNING *
     ), closed AS (
       UPDATE ark_flow_activations SET state = 'done' WHERE id = $${n + 3} AND EXISTS (SELECT 1 FROM updated)
     )
     SELECT ${NODE_RUN_COLUMNS} FROM updated`,
    [...params, ids.nodeRunId, ids.owner, ids.activationId],
  );
  return rows[0] ? toNodeRun(rows[0]) : null;
}

/** Marks a node run failed (only while `owner` holds it, when given), emits its end events, and fails the run. */
export async function failNodeRun(
  tx: Queryable,
  emit: EmitFn,
  run: FlowRun,
  ids: { nodeRunId: string; activationId: string; owner: string },
  failure: { message: string; code: string; runMetadata?: Record<string, unknown>; outputState?: Record<string, unknown>; routingState?: Record<string, unknown> },
): Promise<NodeRun | null> {
  const nodeRun = await updateOwned(
    tx,
    "status = 'failed', error = $1, error_code = $2, routing_metadata = routing_metadata || $3::jsonb, output_state = $4::jsonb, routing_state = $5::jsonb",
    [failure.message, failure.code, JSON.stringify(failure.runMetadata ?? {}), JSON.stringify(failure.outputState ?? null), JSON.stringify(failure.routingState ?? null)],
    ids,
  );
  if (nodeRun === null) return null;
  await emitNodeFinished(emit, run, nodeRun, { failureMessage: failure.message });
  await decideOutcome(tx, run.id, "failed", failure.message);
  return nodeRun;
}

/**
 * Persists the outcome of `work`; the caller retries on a thrown store error. With `chainLimit` > 0 the worker also
 * claims (up to that many of) the activations this result fired, in the same transaction.
 */
export function persistOutcome(core: EngineCore, work: ClaimedWork, outcome: DispatchOutcome, chainLimit = 0): Promise<PersistReport> {
  return core.bus.transaction(async (tx, emit) => {
    const run = await readRun(tx, work.run.id, true);
    const ids = { nodeRunId: work.nodeRun.id, activationId: work.activationId, owner: core.owner };
    let activations = 0;
    let settled = false;
    if (outcome.result.status === "success") {
      const result = await persistSuccess(core, tx, emit, run, work, outcome);
      if (result === null) return DISCARDED;
      ({ activations, settled } = result);
    } else {
      const message = outcome.result.error?.message || `Execution failed with status '${outcome.result.status}'.`;
      const failed = await failNodeRun(tx, emit, run, ids, { message, code: outcome.result.error?.code ?? outcome.result.status, runMetadata: outcome.runMetadata });
      if (failed === null) return DISCARDED;
    }
    // New activations in a running run with no outcome: it cannot have drained, so there is nothing to finalise.
    const after = settled ? run : await finaliseIfDrained(tx, emit, core.graphs, run.id);
    const chained = settled ? await chainClaims(core, tx, emit, run, work, chainLimit) : [];
    if (activations > chained.length) await notifyWork(tx, run.id, core.owner);
    return { persisted: true, run: after, activations, chained };
  });
}

function routeOf(core: EngineCore, run: FlowRun, work: ClaimedWork, routingState: Record<string, unknown>): RoutingOutcome | null {
  if (run.outcome !== null || !ROUTABLE.has(run.status)) return null;
  const caps = core.capabilities()?.get(work.node.type);
  return resolveOutgoingConnectors(work.node, work.graph.outgoing(work.node.id), routingState, {
    routesByConditionKey: caps?.routesByConditionKey ?? work.node.type === "decision",
    requireMatchSet: run.settings.agent_runtime_cutover_enabled,
  });
}

async function persistSuccess(
  core: EngineCore,
  tx: Queryable,
  emit: EmitFn,
  run: FlowRun,
  work: ClaimedWork,
  outcome: DispatchOutcome,
): Promise<{ activations: number; settled: boolean } | null> {
  const outputState = { ...outcome.result.output_state };
  const routingState = { ...outcome.result.routing_state };
  const ids = { nodeRunId: work.nodeRun.id, activationId: work.activationId, owner: core.owner };
  const routed = routeOf(core, run, work, routingState);
  if (routed !== null && !routed.ok) {
    // The output is kept on the node run; the node run and the run fail with the routing problem (reference Q5).
    const failed = await failNodeRun(tx, emit, run, ids, { message: routed.message, code: `routing_failed:${routed.reason}`, runMetadata: outcome.runMetadata, outputState, routingState });
    return failed === null ? null : { activations: 0, settled: false };
  }
  const degraded = degradedReason(outcome.runMetadata, outputState);
  const meta = { ...outcome.runMetadata, ...(routed?.ok ? { selected_connector_ids: routed.selected.map((c) => c.id) } : {}) };
  const nodeRun = await updateOwned(
    tx,
    "status = 'succeeded', output_state = $1::jsonb, routing_state = $2::jsonb, routing_metadata = routing_metadata || $3::jsonb, degraded = $4, degraded_reason = $5",
    [JSON.stringify(outputState), JSON.stringify(routingState), JSON.stringify(meta), degraded !== null, degraded],
    ids,
  );
  if (nodeRun === null) return null;
  const artifact = await persistArtifact(tx, { run, nodeRun, node: work.node, outputState, routingState });
  await emitNodeFinished(emit, run, nodeRun);
  if (degraded !== null) {
    await emitRunUpdated(emit, run, "warning", { flowchart_node_id: nodeRun.nodeId, flowchart_node_run_id: nodeRun.id, warning_message: degraded, warning_count: 1 });
  }
  const { payload: _payload, ...summary } = artifact;
  await emitArtifactPersisted(emit, run, nodeRun, summary);
  if (routed === null) return { activations: 0, settled: false };
  if (routed.terminateRun) {
    await decideOutcome(tx, run.id, "completed");
    return { activations: 0, settled: false };
  }
  const delivery = await deliverTokens(core, tx, emit, { run, graph: work.graph, nodeRun, outputState, routingState, selected: routed.selected });
  const settled = delivery.activations > 0 && delivery.followUpRunId === null && run.status === "running" && !delivery.endedRun;
  return { activations: delivery.activations, settled };
}

/** Claims fired activations of a running run right away, within its parallel limit (the runtime guardrail is left to the regular claim). */
async function chainClaims(core: EngineCore, tx: Queryable, emit: EmitFn, run: FlowRun, work: ClaimedWork, chainLimit: number): Promise<ClaimedWork[]> {
  if (chainLimit <= 0) return [];
  const limit = run.settings.max_runtime_minutes;
  if (limit !== null && run.startedAt !== null && Date.now() - Date.parse(run.startedAt) > limit * 60_000) return [];
  const { rows } = await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM ark_flow_activations WHERE run_id = $1 AND state = 'claimed'", [run.id]);
  const capacity = Math.min(chainLimit, run.settings.max_parallel_nodes - Number(rows[0]?.n ?? 0));
  return claimActivations(core, tx, emit, { run, graph: work.graph, capacity });
}
