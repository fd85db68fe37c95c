/**
 * Persisting a node run's result (reference §4.4 step 7) in ONE transaction with its events: the node run's status and
 * states, the artifact, routing, fan-in tokens and the activations they fire, the run's outcome, and the run's end when
 * nothing is left in flight. A result for a node run this worker no longer owns (lease taken over, run force-canceled)
 * is discarded, so a canceled node run is never overwritten (quirk Q16).
 */
import type { EmitFn } from "../../events/index.js";
import type { Queryable } from "../../store/store-port.js";
import { resolveOutgoingConnectors } from "../graph/index.js";
import type { ClaimedWork } from "./activation-claim.js";
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
}

const ROUTABLE = new Set(["running", "pausing", "paused", "stopping"]);

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

/** Persists the outcome of `work`; the caller retries on a thrown store error. */
export function persistOutcome(core: EngineCore, work: ClaimedWork, outcome: DispatchOutcome): Promise<PersistReport> {
  return core.bus.transaction(async (tx, emit) => {
    const run = await readRun(tx, work.run.id, true);
    const { rows } = await tx.query<{ status: string; lease_owner: string | null }>(
      "SELECT status, lease_owner FROM ark_flow_node_runs WHERE id = $1 FOR UPDATE",
      [work.nodeRun.id],
    );
    if (rows[0]?.status !== "running" || rows[0].lease_owner !== core.owner) return { persisted: false, run: null, activations: 0 };
    await tx.query("UPDATE ark_flow_activations SET state = 'done' WHERE id = $1", [work.activationId]);
    let activations = 0;
    if (outcome.result.status === "success") {
      activations = await persistSuccess(core, tx, emit, run, work, outcome);
    } else {
      const message = outcome.result.error?.message || `Execution failed with status '${outcome.result.status}'.`;
      await failNodeRun(tx, emit, run, work.nodeRun.id, { message, code: outcome.result.error?.code ?? outcome.result.status, runMetadata: outcome.runMetadata });
    }
    const after = await finaliseIfDrained(tx, emit, core.graphs, run.id);
    if (activations > 0) await notifyWork(tx, run.id);
    return { persisted: true, run: after, activations };
  });
}

/** Marks a node run failed, emits its end events, and fails the run (a failure wins over any other outcome). */
export async function failNodeRun(
  tx: Queryable,
  emit: EmitFn,
  run: FlowRun,
  nodeRunId: string,
  failure: { message: string; code: string; runMetadata?: Record<string, unknown> },
): Promise<NodeRun> {
  const { rows } = await tx.query(
    `UPDATE ark_flow_node_runs SET status = 'failed', error = $2, error_code = $3, routing_metadata = routing_metadata || $4::jsonb,
       finished_at = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL
     WHERE id = $1 RETURNING ${NODE_RUN_COLUMNS}`,
    [nodeRunId, failure.message, failure.code, JSON.stringify(failure.runMetadata ?? {})],
  );
  const nodeRun = toNodeRun(rows[0]!);
  await emitNodeFinished(emit, run, nodeRun, { failureMessage: failure.message });
  await decideOutcome(tx, run.id, "failed", failure.message);
  return nodeRun;
}

async function persistSuccess(core: EngineCore, tx: Queryable, emit: EmitFn, run: FlowRun, work: ClaimedWork, outcome: DispatchOutcome): Promise<number> {
  const outputState = { ...outcome.result.output_state };
  const routingState = { ...outcome.result.routing_state };
  const degraded = degradedReason(outcome.runMetadata, outputState);
  const { rows } = await tx.query(
    `UPDATE ark_flow_node_runs SET status = 'succeeded', output_state = $2::jsonb, routing_state = $3::jsonb, routing_metadata = routing_metadata || $4::jsonb,
       degraded = $5, degraded_reason = $6, finished_at = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL
     WHERE id = $1 RETURNING ${NODE_RUN_COLUMNS}`,
    [work.nodeRun.id, JSON.stringify(outputState), JSON.stringify(routingState), JSON.stringify(outcome.runMetadata), degraded !== null, degraded],
  );
  const nodeRun = toNodeRun(rows[0]!);
  const artifact = await persistArtifact(tx, { run, nodeRun, node: work.node, outputState, routingState });
  await emitNodeFinished(emit, run, nodeRun);
  if (degraded !== null) {
    await emitRunUpdated(emit, run, "warning", { flowchart_node_id: nodeRun.nodeId, flowchart_node_run_id: nodeRun.id, warning_message: degraded, warning_count: 1 });
  }
  const { payload: _payload, ...summary } = artifact;
  await emitArtifactPersisted(emit, run, nodeRun, summary);
  if (run.outcome !== null || !ROUTABLE.has(run.status)) return 0;
  return route(core, tx, emit, run, work, nodeRun, outputState, routingState);
}

async function route(
  core: EngineCore,
  tx: Queryable,
  emit: EmitFn,
  run: FlowRun,
  work: ClaimedWork,
  nodeRun: NodeRun,
  outputState: Record<string, unknown>,
  routingState: Record<string, unknown>,
): Promise<number> {
  const caps = core.capabilities()?.get(work.node.type);
  const routed = resolveOutgoingConnectors(work.node, work.graph.outgoing(work.node.id), routingState, {
    routesByConditionKey: caps?.routesByConditionKey ?? work.node.type === "decision",
    requireMatchSet: run.settings.agent_runtime_cutover_enabled,
  });
  if (!routed.ok) {
    // The node's output stays as persisted; the node run and the run fail with the routing problem (reference Q5).
    await failNodeRun(tx, emit, run, nodeRun.id, { message: routed.message, code: `routing_failed:${routed.reason}` });
    return 0;
  }
  if (routed.terminateRun) {
    await decideOutcome(tx, run.id, "completed");
    return 0;
  }
  await tx.query("UPDATE ark_flow_node_runs SET routing_metadata = routing_metadata || $2::jsonb WHERE id = $1", [
    nodeRun.id, JSON.stringify({ selected_connector_ids: routed.selected.map((c) => c.id) }),
  ]);
  const delivery = await deliverTokens(core, tx, emit, { run, graph: work.graph, nodeRun, outputState, routingState, selected: routed.selected });
  return delivery.activations;
}
