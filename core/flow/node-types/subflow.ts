/**
 * The `flowchart` node type: starts the referenced flowchart as a child run (or finds the one this node run already
 * started, after a crash) and waits for it, without holding a worker slot meanwhile. The node succeeds when the child
 * completes (output §16.3 plus the child's status) and fails otherwise. An abort (lease lost, engine stopping) leaves the
 * child running: whoever re-dispatches this node run waits for the same child. Force cancel cancels the child itself.
 */
import { failedResult, successResult } from "../../execution/execution-results.js";
import { errorMessage } from "../../errors/index.js";
import type { ExecutionRequest, ExecutionResult } from "../../plugin-api/contributions.js";
import type { FlowRun } from "../engine/engine-types.js";
import { flowchartNodeResult } from "../graph/index.js";
import type { FlowchartRecord } from "../store/flowchart-repository.js";

/** What the flowchart node needs from the engine. */
export interface SubflowHost {
  startChildRun(parentNodeRunId: unknown, targetFlowchartId: unknown): Promise<FlowRun>;
  waitForRun(runId: unknown, options: { signal?: AbortSignal }): Promise<FlowRun>;
  suspendSlot(): () => void;
  readonly flowcharts: { get(id: unknown): Promise<FlowchartRecord> };
}

/** Executes a flowchart node. */
export async function runSubflow(host: SubflowHost, request: ExecutionRequest, signal: AbortSignal): Promise<ExecutionResult> {
  const refId = request.node_ref_id;
  if (refId === null || refId === undefined || Number(refId) <= 0) return failedResult("execution_error", "Flowchart node requires ref_id.");
  let child: FlowRun;
  let target: FlowchartRecord;
  try {
    target = await host.flowcharts.get(refId);
    child = await host.startChildRun(request.execution_id, refId);
  } catch (err) {
    return failedResult("execution_error", `Failed to queue flowchart ${String(refId)}: ${errorMessage(err)}`);
  }
  const release = host.suspendSlot();
  let final: FlowRun;
  try {
    final = await host.waitForRun(child.id, { signal });
  } catch (err) {
    if (signal.aborted) return failedResult("cancelled", `Stopped waiting for child run ${child.id}.`, { status: "cancelled" });
    return failedResult("execution_error", `Waiting for child run ${child.id} failed: ${errorMessage(err)}`);
  } finally {
    release();
  }
  if (final.status !== "completed") {
    const why = final.failureMessage ? `: ${final.failureMessage}` : "";
    return failedResult("execution_error", `Child run ${final.id} of flowchart ${target.id} ended ${final.status}${why}`, { details: { child_run_id: final.id, child_status: final.status } });
  }
  const states = flowchartNodeResult({ flowchartId: target.id, flowchartName: target.name, runId: final.id }, request.input_context);
  return successResult({ ...states.output_state, triggered_flowchart_run_status: final.status, message: `Ran flowchart ${target.id} (run ${final.id}).` }, states.routing_state);
}
