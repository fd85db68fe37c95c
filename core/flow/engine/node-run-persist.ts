/**
 * Persisting a node run's result (reference §4.4 step 7) in ONE transaction with its events: the node run's status and
 * states, the artifact, routing, fan-in tokens and the activations they fire, the run's outcome, and the run's end when
 * nothing is left in flight. Every write is conditional on this worker still owning the node run (lease owner, status
 * running): a result for a node run that was taken over or force-canceled is discarded, so a canceled node run is never
 * overwritten (quirk Q16).
 */
import type { EmitFn } from "../../events/index.js";
import type { Queryable } from "../../store/store-port.js";
import { claimActivations, type ClaimedWork } from "./activation-claim.js";
import type { EngineCore } from "./engine-core.js";
import type { DispatchOutcome, FlowRun, NodeRun } from "./engine-types.js";
import { persistArtifact } from "./node-artifacts.js";
import type { ActivationRow } from "./node-run-create.js";
import { degradedReason, persistSuccesses, planSuccess, routeOf, type FiredActivations, type SuccessPlan } from "./success-batch.js";
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

export { degradedReason } from "./success-batch.js";

const DISCARDED: PersistReport = { persisted: false, run: null, activations: 0, chained: [] };

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

/** One finished node run and its outcome, to persist. */
export interface PersistItem {
  readonly work: ClaimedWork;
  readonly outcome: DispatchOutcome;
}

/** What persisting a batch did: per item whether it was persisted, and what the batch fired and claimed. */
export interface BatchPersistReport {
  readonly persisted: readonly boolean[];
  readonly run: FlowRun | null;
  readonly activations: number;
  readonly chained: ClaimedWork[];
}

/**
 * Persists the outcome of `work`; the caller retries on a thrown store error. With `chainLimit` > 0 the worker also
 * claims (up to that many of) the activations this result fired, in the same transaction.
 */
export async function persistOutcome(core: EngineCore, work: ClaimedWork, outcome: DispatchOutcome, chainLimit = 0): Promise<PersistReport> {
  const report = await persistOutcomes(core, [{ work, outcome }], chainLimit);
  return report.persisted[0] ? { persisted: true, run: report.run, activations: report.activations, chained: report.chained } : DISCARDED;
}

/**
 * Persists the outcomes of several node runs of ONE run in one transaction, in order, exactly as if each had been
 * persisted in its own transaction right after the previous one (the run's row lock is held throughout, so nothing
 * can come between them). Consecutive plain successes of different nodes are written set-based (success-batch.ts),
 * anything else one by one. The run is finalised once at the end when some result may have drained it, and the fired
 * activations are claimed (up to `chainLimit`) once.
 */
export function persistOutcomes(core: EngineCore, items: readonly PersistItem[], chainLimit = 0): Promise<BatchPersistReport> {
  return core.bus.transaction(async (tx, emit) => {
    const runId = items[0]!.work.run.id;
    let run = await readRun(tx, runId, true);
    const tally = { activations: 0, settledAny: false, unsettledAny: false, stale: false, oneByOne: false, persisted: [] as boolean[] };
    const record = (step: { activations: number; settled: boolean } | null, oneByOne: boolean) => {
      tally.persisted.push(step !== null);
      tally.oneByOne ||= oneByOne;
      if (step === null) return;
      tally.activations += step.activations;
      tally.settledAny ||= step.settled;
      tally.unsettledAny ||= !step.settled;
      // Only a one-by-one result that did not simply route on can have changed the run (outcome, warnings, status).
      tally.stale ||= oneByOne && !step.settled;
    };
    let segment: SuccessPlan[] = [];
    let segments = 0;
    let fired: FiredActivations | null = null;
    const flushSegment = async () => {
      if (segment.length === 0) return;
      const persisted = await persistSuccesses(core, tx, emit, run, segment);
      segments += 1;
      fired = persisted.fired;
      segment = [];
      for (const step of persisted.steps) record(step, false);
    };
    for (const { work, outcome } of items) {
      const plan = tally.stale ? null : planSuccess(core, run, work, outcome);
      if (plan !== null && !segment.some((p) => p.work.node.id === work.node.id)) {
        segment.push(plan);
        continue;
      }
      await flushSegment();
      if (tally.stale) {
        run = await readRun(tx, runId);
        tally.stale = false;
      }
      const replanned = plan ?? planSuccess(core, run, work, outcome);
      if (replanned !== null) segment.push(replanned);
      else record(await persistOne(core, tx, emit, run, work, outcome), true);
    }
    await flushSegment();
    const { persisted, activations } = tally;
    if (!persisted.includes(true)) return { persisted, run: null, activations: 0, chained: [] };
    // New activations in a running run with no outcome: it cannot have drained, so there is nothing to finalise.
    const after = tally.unsettledAny ? await finaliseIfDrained(tx, emit, core.graphs, runId) : run;
    const claimable = tally.settledAny && after.status === "running" && after.outcome === null;
    // One set-based write that fired activations while nothing older was pending: those are what a claim would read.
    const known = segments === 1 && !tally.oneByOne && fired !== null ? knownPending(fired, after, chainLimit) : undefined;
    const chained = claimable ? await chainClaims(core, tx, emit, after, items[0]!.work, chainLimit, known) : [];
    if (activations > chained.length) await notifyWork(tx, runId, core.owner);
    return { persisted, run: after, activations, chained };
  });
}

/** Persists one node run's outcome in the batch's transaction; null when it was discarded (no longer this worker's). */
async function persistOne(
  core: EngineCore,
  tx: Queryable,
  emit: EmitFn,
  run: FlowRun,
  work: ClaimedWork,
  outcome: DispatchOutcome,
): Promise<{ activations: number; settled: boolean } | null> {
  if (outcome.result.status === "success") return persistSuccess(core, tx, emit, run, work, outcome);
  const ids = { nodeRunId: work.nodeRun.id, activationId: work.activationId, owner: core.owner };
  const message = outcome.result.error?.message || `Execution failed with status '${outcome.result.status}'.`;
  const failed = await failNodeRun(tx, emit, run, ids, { message, code: outcome.result.error?.code ?? outcome.result.status, runMetadata: outcome.runMetadata });
  return failed === null ? null : { activations: 0, settled: false };
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
async function chainClaims(
  core: EngineCore,
  tx: Queryable,
  emit: EmitFn,
  run: FlowRun,
  work: ClaimedWork,
  chainLimit: number,
  pending?: ActivationRow[],
): Promise<ClaimedWork[]> {
  if (chainLimit <= 0) return [];
  const limit = run.settings.max_runtime_minutes;
  if (limit !== null && run.startedAt !== null && Date.now() - Date.parse(run.startedAt) > limit * 60_000) return [];
  return claimActivations(core, tx, emit, { run, graph: work.graph, capacity: chainLimit, parallelLimit: run.settings.max_parallel_nodes, pending });
}

/** What PENDING_ACTIVATIONS_SQL would return now, when the activations just fired are all that is pending. */
function knownPending(fired: FiredActivations, run: FlowRun, chainLimit: number): ActivationRow[] | undefined {
  if (fired.pendingBefore !== 0) return undefined;
  const capacity = Math.min(chainLimit, Math.max(0, run.settings.max_parallel_nodes - fired.claimed));
  return fired.activations.slice(0, capacity);
}
