/** The worker's collaborators and knobs, and the dispatcher-facing description of a claimed node run. */
import type { NodeExecution, RoutedResult } from "../../execution/dispatch-router.js";
import type { ClaimedWork } from "./activation-claim.js";

/** Executes node runs (the dispatch router). */
export interface NodeRunner {
  execute(execution: NodeExecution, signal: AbortSignal): Promise<RoutedResult>;
}

/** Worker knobs (`flow:` config section). */
export interface WorkerOptions {
  /** Node runs this engine executes at once. */
  readonly concurrency: number;
  readonly heartbeatMs: number;
  readonly pollIntervalMs: number;
  readonly recoveryIntervalMs: number;
  readonly stopDrainMs: number;
}

/** Test seams. */
export interface WorkerHooks {
  /** Called after a result was recorded in the ledger and before it is persisted (a crash test stops here). */
  afterResultRecorded?(work: ClaimedWork): Promise<void> | void;
  /** Called by the periodic tick (the engine refreshes its cached settings here). */
  onTick?(): Promise<void>;
}

/** The dispatcher-facing description of a claimed node run. */
export function executionOf(work: ClaimedWork): NodeExecution {
  return {
    flowchartId: work.run.flowchartId, runId: work.run.id, nodeRunId: work.nodeRun.id, node: work.node, inputContext: work.nodeRun.inputContext ?? {},
    executionIndex: work.nodeRun.executionIndex, idempotencyKey: work.nodeRun.idempotencyKey, attempt: work.nodeRun.attempt,
    outgoing: work.graph.outgoing(work.node.id), requestId: work.run.requestId, correlationId: work.run.correlationId,
    cutover: work.run.settings.agent_runtime_cutover_enabled,
  };
}
