/**
 * Sub-flows: a `flowchart` node starts its target flowchart as a child run and waits for it (the reference fired and
 * forgot; ARK waits so the parent's output reflects the child's end). The child run is keyed by the parent node run
 * (`parent_node_run_id` is unique), so a re-dispatch after a crash finds the child it already started instead of
 * starting another. Waiting is event-driven (the run's `flowchart:run:updated` events) with a polling fallback.
 */
import { ArkError } from "../../errors/index.js";
import type { EngineCore } from "./engine-core.js";
import { TERMINAL_RUN_STATUSES, type FlowRun } from "./engine-types.js";
import { runStream } from "./run-events.js";
import { RUN_COLUMNS, toFlowRun } from "./run-rows.js";
import { insertRun, loadRunDefinition, readRun } from "./run-start.js";

/** Starts (or finds) the child run of a flowchart node run. */
export function startChildRun(core: EngineCore, parentNodeRunId: string, targetFlowchartId: unknown): Promise<FlowRun> {
  return core.bus.transaction(async (tx) => {
    const existing = await tx.query(`SELECT ${RUN_COLUMNS} FROM ark_flow_runs WHERE parent_node_run_id = $1`, [parentNodeRunId]);
    if (existing.rows[0]) return toFlowRun(existing.rows[0]);
    const { rows } = await tx.query<{ run_id: string; depth: number; correlation_id: string | null }>(
      "SELECT n.run_id::text AS run_id, r.depth, r.correlation_id FROM ark_flow_node_runs n JOIN ark_flow_runs r ON r.id = n.run_id WHERE n.id = $1",
      [parentNodeRunId],
    );
    const parent = rows[0];
    if (!parent) throw new ArkError("ARK_NOT_FOUND", `Node run ${parentNodeRunId} was not found; a child run needs its parent node run.`, { details: { nodeRunId: parentNodeRunId } });
    const depth = Number(parent.depth) + 1;
    if (depth > core.maxChildDepth) {
      throw new ArkError("ARK_INVALID_ARGUMENT", `Flowchart nodes nest deeper than ${core.maxChildDepth} levels (a flowchart that runs itself?); the child run was not started.`, {
        details: { depth, maxChildDepth: core.maxChildDepth, parentRunId: parent.run_id },
      });
    }
    const definition = await loadRunDefinition(tx, core.flowcharts, targetFlowchartId);
    return insertRun(tx, {
      ...definition, settings: { ...definition.settings, agent_runtime_cutover_enabled: core.cutover() }, origin: "child", parentNodeRunId,
      sourceRunId: parent.run_id, depth, correlationId: parent.correlation_id ?? `flowchart-run-${parent.run_id}`,
    });
  });
}

/** Resolves with the run once it is terminal; rejects with the signal's reason when aborted, or ARK_FLOW_WAIT_TIMEOUT. */
export async function waitForRun(core: EngineCore, runId: string, options: { signal?: AbortSignal; timeoutMs?: number; pollMs?: number } = {}): Promise<FlowRun> {
  const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
  let wake: (() => void) | null = null;
  const unsubscribe = core.bus.subscribe({ streams: [runStream(runId)], eventTypes: ["flowchart:run:updated"] }, () => wake?.());
  try {
    for (;;) {
      const run = await readRun(core.store, runId);
      if (TERMINAL_RUN_STATUSES.includes(run.status)) return run;
      options.signal?.throwIfAborted();
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new ArkError("ARK_FLOW_WAIT_TIMEOUT", `Run ${runId} did not finish within ${options.timeoutMs} ms (status ${run.status}).`, { details: { runId, status: run.status } });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(options.pollMs ?? 1000, remaining));
        function done(): void {
          clearTimeout(timer);
          options.signal?.removeEventListener("abort", done);
          wake = null;
          resolve();
        }
        wake = done;
        options.signal?.addEventListener("abort", done, { once: true });
      });
    }
  } finally {
    unsubscribe();
  }
}
