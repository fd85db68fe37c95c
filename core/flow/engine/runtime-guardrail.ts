/**
 * The runtime guardrail between claims (`max_runtime_minutes`, reference §4.4 step 2). Claims check it before new work
 * starts (activation-claim.ts); that alone never fires for a run whose node runs are all still executing, or that sits
 * paused (pause time counts, as in the reference). So every engine tick also looks for active runs past their limit
 * and fails them at once, with the database clock: node runs in flight end `failed` as guardrail failures (their
 * executions are told to stop through the dispatcher's AbortSignal; a late result is discarded, as after a force
 * cancel), sub-flows they wait on are canceled, and the run ends `failed` with the reference's message. A run with
 * nothing in flight gets the guardrail node run on its head activation's node, as a claim would record it.
 */
import { errorMessage } from "../../errors/index.js";
import type { EmitFn } from "../../events/index.js";
import type { Queryable } from "../../store/store-port.js";
import type { EngineCore } from "./engine-core.js";
import type { FlowRun } from "./engine-types.js";
import { PENDING_ACTIVATIONS_SQL, recordGuardrailFailure, type ActivationRow } from "./node-run-create.js";
import { cancelChildRuns } from "./run-control.js";
import { emitNodeFinished } from "./run-events.js";
import { decideOutcome, endRun, finaliseIfDrained } from "./run-finalise.js";
import { NODE_RUN_COLUMNS, toNodeRun } from "./run-rows.js";
import { readRun } from "./run-start.js";
import { notifyCancel } from "./work-notice.js";

/** Statuses in which a run can overrun: it has started and nobody asked it to end. */
const OVERRUN_STATUSES = "('running', 'pausing', 'paused')";

const OVERRUN_SQL = `
SELECT id::text AS id FROM ark_flow_runs
 WHERE status IN ${OVERRUN_STATUSES} AND outcome IS NULL AND started_at IS NOT NULL
   AND (settings->>'max_runtime_minutes') IS NOT NULL
   AND started_at + make_interval(mins => (settings->>'max_runtime_minutes')::int) < now()`;

/** The reference's failure message of the runtime guardrail. */
export function runtimeExceededMessage(limitMinutes: number | null): string {
  return `Flowchart exceeded max_runtime_minutes (${limitMinutes}).`;
}

/** Fails every active run past its max_runtime_minutes (up to `maxRuns` per call); returns the ids of the runs it failed. */
export async function enforceRuntimeLimits(core: EngineCore, maxRuns = 100): Promise<string[]> {
  const { rows } = await core.store.query<{ id: string }>(`${OVERRUN_SQL} ORDER BY id LIMIT $1`, [maxRuns]);
  const failed: string[] = [];
  for (const { id } of rows) {
    try {
      if (await failOverrunRun(core, id)) failed.push(id);
    } catch (err) {
      core.logger?.warn({ err, runId: id }, `runtime guardrail of run ${id} failed; will retry: ${errorMessage(err)}`);
    }
  }
  return failed;
}

/** Fails one overrun run under its row lock; false when it was locked elsewhere or no longer overran. */
function failOverrunRun(core: EngineCore, runId: string): Promise<boolean> {
  return core.bus.transaction(async (tx, emit) => {
    const locked = await tx.query(`${OVERRUN_SQL} AND id = $1 FOR UPDATE SKIP LOCKED`, [runId]);
    if (locked.rows.length === 0) return false;
    const run = await readRun(tx, runId);
    const message = runtimeExceededMessage(run.settings.max_runtime_minutes);
    await decideOutcome(tx, run.id, "failed", message);
    const stopped = await failInFlight(tx, emit, run, message);
    if (stopped === 0) await failHeadActivation(core, tx, emit, run, message);
    // A paused run does not drain into its outcome (it waits for resume): it ends here; a running one has drained now.
    if (run.status === "running") await finaliseIfDrained(tx, emit, core.graphs, run.id);
    else await endRun(tx, emit, core.graphs, await readRun(tx, run.id), "failed");
    core.logger?.info({ runId, inFlight: stopped }, message);
    return true;
  });
}

/** Node runs in flight become guardrail failures, their executions are told to stop; returns how many there were. */
async function failInFlight(tx: Queryable, emit: EmitFn, run: FlowRun, message: string): Promise<number> {
  const { rows } = await tx.query(
    `UPDATE ark_flow_node_runs SET status = 'failed', error = $2, error_code = 'guardrail', guardrail = true, finished_at = now(), updated_at = now(),
       lease_owner = NULL, lease_expires_at = NULL
     WHERE run_id = $1 AND status IN ('queued', 'running') RETURNING ${NODE_RUN_COLUMNS}`,
    [run.id, message],
  );
  if (rows.length === 0) return 0;
  const nodeRuns = rows.map(toNodeRun).sort((a, b) => a.sequence - b.sequence);
  await tx.query("UPDATE ark_flow_activations SET state = 'done' WHERE run_id = $1 AND state = 'claimed'", [run.id]);
  for (const nodeRun of nodeRuns) emitNodeFinished(emit, run, nodeRun, { failureMessage: message, guardrail: true });
  await cancelChildRuns(tx, emit, nodeRuns.map((n) => n.id));
  await notifyCancel(tx, [run.id]);
  return nodeRuns.length;
}

/** Nothing in flight: the guardrail node run goes on the head pending activation's node, as a claim records it. */
async function failHeadActivation(core: EngineCore, tx: Queryable, emit: EmitFn, run: FlowRun, message: string): Promise<void> {
  const { rows } = await tx.query<ActivationRow>(PENDING_ACTIVATIONS_SQL, [run.id, 1, null]);
  const head = rows[0];
  if (!head) return;
  const graph = await core.graphs.get(tx, run.id);
  const node = graph.nodesById.get(head.node_id) ?? graph.nodesById.get(run.entryNodeId)!;
  await recordGuardrailFailure(tx, emit, { run, node, activation: head, sequence: run.totalExecutionCount + 1, message });
}
