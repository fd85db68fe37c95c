/**
 * How a run ends (reference §3.2, with quirks Q6, Q7, Q19, Q21 fixed). A run decides its outcome (End reached, a
 * failure, a guardrail) possibly while other node runs are still in flight; it takes its final status once nothing is
 * claimed any more. A drained `stopping` run becomes `stopped`, a drained `pausing` run `paused`, a run with nothing
 * pending `completed` — with every join that still holds tokens reported in its warnings.
 */
import type { EmitFn } from "../../events/index.js";
import { queryPrepared } from "../../store/prepared-query.js";
import type { Queryable } from "../../store/store-port.js";
import { joinRequirementOf, stalledJoins, type FanInState, type GraphIndex } from "../graph/index.js";
import type { FlowRun, RunStatus, RunWarning } from "./engine-types.js";
import { emitRunUpdated, type RunTransition } from "./run-events.js";
import type { RunGraphCache } from "./run-graph-cache.js";
import { notFound } from "../store/flow-ids.js";
import { RUN_COLUMNS, toFlowRun } from "./run-rows.js";
import { notifyWork } from "./work-notice.js";

/** Records the run's outcome: a failure wins over `completed`, never the other way round. The caller holds the run lock. */
export async function decideOutcome(tx: Queryable, runId: string, outcome: "completed" | "failed", failureMessage: string | null = null): Promise<void> {
  await tx.query(
    `UPDATE ark_flow_runs SET
       failure_message = CASE WHEN outcome = 'failed' THEN failure_message ELSE $3 END,
       outcome = CASE WHEN outcome = 'failed' THEN outcome ELSE $2 END,
       updated_at = now()
     WHERE id = $1`,
    [runId, outcome, outcome === "failed" ? failureMessage : null],
  );
}

/** Appends warnings to the run. */
export async function addRunWarnings(tx: Queryable, runId: string, warnings: readonly RunWarning[]): Promise<void> {
  if (warnings.length === 0) return;
  await tx.query("UPDATE ark_flow_runs SET warnings = warnings || $2::jsonb, updated_at = now() WHERE id = $1", [runId, JSON.stringify(warnings)]);
}

/** The run and how many of its activations are claimed and pending, in one statement. */
async function runWithCounts(tx: Queryable, runId: string): Promise<{ run: FlowRun; claimed: number; pending: number }> {
  const { rows } = await queryPrepared<Record<string, unknown> & { claimed: number; pending: number }>(
    tx,
    "ark_flow_run_with_counts",
    `SELECT ${RUN_COLUMNS}, c.claimed, c.pending
       FROM ark_flow_runs
      CROSS JOIN (SELECT count(*) FILTER (WHERE state = 'claimed')::int AS claimed, count(*) FILTER (WHERE state = 'pending')::int AS pending
                    FROM ark_flow_activations WHERE run_id = $1 AND state <> 'done') c
      WHERE id = $1`,
    [runId],
  );
  if (!rows[0]) throw notFound("Flowchart run", runId);
  return { run: toFlowRun(rows[0]), claimed: Number(rows[0].claimed ?? 0), pending: Number(rows[0].pending ?? 0) };
}

/** Joins of the run that hold tokens which never fired (quirk Q21), as warnings. */
export async function stalledJoinWarnings(tx: Queryable, runId: string, graph: GraphIndex): Promise<RunWarning[]> {
  const { rows } = await tx.query<{ target_node_id: string; queues: FanInState["queues"][string] }>(
    "SELECT target_node_id, queues FROM ark_flow_fan_in WHERE run_id = $1",
    [runId],
  );
  if (rows.length === 0) return [];
  const state: FanInState = { version: 1, queues: Object.fromEntries(rows.map((r) => [r.target_node_id, r.queues])) };
  return stalledJoins(state, (target) => joinRequirementOf(graph, target)).map((join) => ({
    code: "join_never_fired",
    message: join.message,
    node_id: join.targetNodeId,
    details: { delivered_parent_ids: join.deliveredParentIds, missing_parent_ids: join.missingParentIds, queued_token_count: join.queuedTokenCount },
  }));
}

const TRANSITION: Partial<Record<RunStatus, RunTransition>> = { completed: "completed", failed: "failed", stopped: "stopped", paused: "paused" };

/** Moves the run to `status` (final or paused), emitting `flowchart:run:updated`. */
async function transition(tx: Queryable, emit: EmitFn, run: FlowRun, status: RunStatus, graphs: RunGraphCache): Promise<FlowRun> {
  const final = status !== "paused";
  if (status === "completed") await addRunWarnings(tx, run.id, await stalledJoinWarnings(tx, run.id, await graphs.get(tx, run.id)));
  // With a final status, node runs whose worker died and that nobody took over before the run ended can never finish.
  const { rows } = await tx.query(
    `WITH stranded AS (
       UPDATE ark_flow_node_runs SET status = 'canceled', error = COALESCE(error, 'The node run lost its worker and the run ended before it was taken over.'),
         finished_at = now(), updated_at = now() WHERE $3 AND run_id = $1 AND status = 'running'
     )
     UPDATE ark_flow_runs SET status = $2, updated_at = now(), finished_at = CASE WHEN $3 THEN now() ELSE finished_at END WHERE id = $1
     RETURNING ${RUN_COLUMNS}`,
    [run.id, status, final],
  );
  const updated = toFlowRun(rows[0]!);
  const extra = status === "failed" ? { failure_message: updated.failureMessage } : status === "completed" ? { warning_count: updated.warnings.length } : {};
  await emitRunUpdated(emit, updated, TRANSITION[status]!, extra);
  await notifyWork(tx, run.id);
  return updated;
}

/** Ends the run now with a final status (the caller holds its row lock and has closed what was in flight). */
export function endRun(tx: Queryable, emit: EmitFn, graphs: RunGraphCache, run: FlowRun, status: "completed" | "failed" | "stopped"): Promise<FlowRun> {
  return transition(tx, emit, run, status, graphs);
}

/**
 * Ends (or pauses) the run when nothing of it is claimed any more and its status says it should. The caller holds the
 * run's row lock. Returns the run as it is afterwards.
 */
export async function finaliseIfDrained(tx: Queryable, emit: EmitFn, graphs: RunGraphCache, runId: string): Promise<FlowRun> {
  const { run, claimed, pending } = await runWithCounts(tx, runId);
  if (claimed > 0) return run;
  switch (run.status) {
    case "queued":
    case "running":
      if (run.outcome !== null) return transition(tx, emit, run, run.outcome, graphs);
      if (pending === 0 && run.status === "running") return transition(tx, emit, run, "completed", graphs);
      return run;
    case "stopping":
      return transition(tx, emit, run, run.outcome === "failed" ? "failed" : "stopped", graphs);
    case "pausing":
      return transition(tx, emit, run, "paused", graphs);
    default:
      return run;
  }
}
