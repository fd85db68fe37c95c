/**
 * Pause, resume and cancel (reference §9.1, §9.2, §9.4) as row transitions under the run lock, each with its events.
 * Fixed quirks: pause on a `stopping` run keeps the stop (Q22); a paused run resumes where it was because its pending
 * activations are rows (Q7, Q19); force cancel cancels child runs too and tells every engine to abort the run's
 * in-flight node runs through their dispatchers' abort signals (Q16).
 */
import type { EmitFn } from "../../events/index.js";
import type { Queryable } from "../../store/store-port.js";
import type { EngineCore } from "./engine-core.js";
import { ACTIVE_STATUS_SQL, type FlowRun, type RunStatus } from "./engine-types.js";
import { emitNodeFinished, emitRunUpdated } from "./run-events.js";
import { finaliseIfDrained } from "./run-finalise.js";
import { NODE_RUN_COLUMNS, toNodeRun } from "./run-rows.js";
import { readRun } from "./run-start.js";
import { notifyCancel, notifyWork } from "./work-notice.js";

/** The outcome of one control call. */
export interface StatusControlResult {
  readonly run: FlowRun;
  readonly updated: boolean;
  readonly statusBefore: RunStatus;
  /** What was applied: the new status, or `noop`/`none` when nothing applied. */
  readonly appliedAction: string;
}

/** Payload of the control event (§9.5), on the run's stream. */
export function emitControlEvent(
  emit: EmitFn,
  run: FlowRun,
  fields: { requestedAction: string; appliedAction: string; statusBefore: RunStatus; updated: boolean; replayRunId?: string | null; warnings?: unknown[] },
): void {
  emitRunUpdated(emit, run, "control", {
    requested_action: fields.requestedAction, applied_action: fields.appliedAction, status_before: fields.statusBefore, status_after: run.status,
    updated: fields.updated, replay_run_id: fields.replayRunId ?? null, warnings: fields.warnings ?? [],
  });
}

async function setStatus(tx: Queryable, runId: string, status: RunStatus, extraSql = ""): Promise<void> {
  await tx.query(`UPDATE ark_flow_runs SET status = $2, updated_at = now()${extraSql} WHERE id = $1`, [runId, status]);
}

/** pause: running → pausing (paused once drained); queued → paused; stopping keeps stopping; others unchanged. */
async function pause(core: EngineCore, tx: Queryable, emit: EmitFn, run: FlowRun): Promise<string> {
  if (run.status === "running") {
    await setStatus(tx, run.id, "pausing");
    await emitRunUpdated(emit, await readRun(tx, run.id), "pausing");
    const after = await finaliseIfDrained(tx, emit, core.graphs, run.id);
    return after.status;
  }
  if (run.status === "queued") {
    await setStatus(tx, run.id, "paused");
    await emitRunUpdated(emit, await readRun(tx, run.id), "paused");
    return "paused";
  }
  return run.status === "stopping" || run.status === "pausing" || run.status === "paused" ? run.status : "noop";
}

/** resume: paused/pausing → running, and workers are woken. */
async function resume(tx: Queryable, emit: EmitFn, run: FlowRun): Promise<string> {
  if (run.status !== "paused" && run.status !== "pausing") return run.status === "running" ? "running" : "noop";
  await setStatus(tx, run.id, "running", ", started_at = COALESCE(started_at, now())");
  await emitRunUpdated(emit, await readRun(tx, run.id), "resumed");
  await notifyWork(tx, run.id);
  return "running";
}

/** Graceful stop: queued → stopped; running/pausing/paused → stopping (stopped once in-flight node runs finished). */
async function stop(core: EngineCore, tx: Queryable, emit: EmitFn, run: FlowRun): Promise<string> {
  if (run.status === "queued") {
    await setStatus(tx, run.id, "stopped", ", finished_at = now()");
    await emitRunUpdated(emit, await readRun(tx, run.id), "stopped");
    return "stopped";
  }
  if (run.status === "running" || run.status === "pausing" || run.status === "paused") {
    await setStatus(tx, run.id, "stopping");
    await emitRunUpdated(emit, await readRun(tx, run.id), "stopping");
    await finaliseIfDrained(tx, emit, core.graphs, run.id);
    return "stopping";
  }
  return run.status === "stopping" ? "stopping" : "none";
}

/** Force cancel: the run and its active descendants become canceled, with their running node runs. */
async function forceCancel(tx: Queryable, emit: EmitFn, run: FlowRun): Promise<string> {
  if (!["queued", "running", "pausing", "paused", "stopping"].includes(run.status)) return "none";
  const { rows } = await tx.query<{ id: string }>(
    `WITH RECURSIVE tree(id) AS (
       SELECT $1::bigint
       UNION SELECT r.id FROM ark_flow_runs r JOIN ark_flow_node_runs n ON r.parent_node_run_id = n.id JOIN tree t ON n.run_id = t.id
     )
     SELECT r.id::text AS id FROM ark_flow_runs r JOIN tree t ON r.id = t.id WHERE r.status IN ${ACTIVE_STATUS_SQL} ORDER BY r.id FOR UPDATE OF r`,
    [run.id],
  );
  await cancelRuns(tx, emit, rows.map((r) => r.id));
  return "canceled";
}

/** Force-cancels the active child runs (and their descendants) of these node runs, e.g. sub-flows their node runs waited on. */
export async function cancelChildRuns(tx: Queryable, emit: EmitFn, nodeRunIds: readonly string[]): Promise<void> {
  if (nodeRunIds.length === 0) return;
  const { rows } = await tx.query<{ id: string }>(
    `WITH RECURSIVE tree(id) AS (
       SELECT r.id FROM ark_flow_runs r WHERE r.parent_node_run_id = ANY($1::bigint[])
       UNION SELECT r.id FROM ark_flow_runs r JOIN ark_flow_node_runs n ON r.parent_node_run_id = n.id JOIN tree t ON n.run_id = t.id
     )
     SELECT r.id::text AS id FROM ark_flow_runs r JOIN tree t ON r.id = t.id WHERE r.status IN ${ACTIVE_STATUS_SQL} ORDER BY r.id FOR UPDATE OF r`,
    [nodeRunIds],
  );
  await cancelRuns(tx, emit, rows.map((r) => r.id));
}

/** Cancels these runs (locked by the caller) with their running node runs, and tells every engine to abort them. */
async function cancelRuns(tx: Queryable, emit: EmitFn, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return;
  for (const id of runIds) {
    const { rows: nodeRuns } = await tx.query(
      `UPDATE ark_flow_node_runs SET status = 'canceled', error = COALESCE(error, 'Canceled by user.'), finished_at = now(), updated_at = now(),
         lease_owner = NULL, lease_expires_at = NULL
       WHERE run_id = $1 AND status IN ('queued', 'running') RETURNING ${NODE_RUN_COLUMNS}`,
      [id],
    );
    await tx.query("UPDATE ark_flow_activations SET state = 'done' WHERE run_id = $1 AND state = 'claimed'", [id]);
    await setStatus(tx, id, "canceled", ", finished_at = now()");
    const canceled = await readRun(tx, id);
    for (const row of nodeRuns) await emitNodeFinished(emit, canceled, toNodeRun(row), { failureMessage: "Canceled by user." });
    await emitRunUpdated(emit, canceled, "canceled");
  }
  await notifyCancel(tx, runIds);
}

/** Applies pause / resume / cancel (graceful or forced) to a run under its lock, emitting the control event. */
export function applyStatusControl(core: EngineCore, runId: string, action: "pause" | "resume" | "cancel", force: boolean): Promise<StatusControlResult> {
  return core.bus.transaction(async (tx, emit) => {
    const run = await readRun(tx, runId, true);
    const applied =
      action === "pause" ? await pause(core, tx, emit, run)
      : action === "resume" ? await resume(tx, emit, run)
      : force ? await forceCancel(tx, emit, run)
      : await stop(core, tx, emit, run);
    const after = await readRun(tx, runId);
    const updated = after.status !== run.status;
    await emitControlEvent(emit, after, { requestedAction: action, appliedAction: applied, statusBefore: run.status, updated });
    return { run: after, updated, statusBefore: run.status, appliedAction: applied };
  });
}
