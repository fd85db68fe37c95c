/**
 * The run and node-run model of the durable orchestrator (reference §3.2, §3.3): statuses, the settings a run
 * snapshots, warnings, and the shapes reads return. Ids are strings (stored as bigint).
 */
import type { ExecutionResult } from "../../plugin-api/contributions.js";
import type { FlowSettings, LatestResult, UpstreamToken } from "../graph/index.js";

/** Run statuses (§3.2). `succeeded` is never written (quirk Q13): a finished run is `completed`. */
export type RunStatus = "queued" | "running" | "pausing" | "paused" | "stopping" | "completed" | "failed" | "stopped" | "canceled";

/** Node-run statuses (§3.3) plus `skipped` (a node run a `skip` replay passed over). */
export type NodeRunStatus = "queued" | "running" | "succeeded" | "failed" | "canceled" | "skipped";

/** Statuses in which a run still has work to do or may resume. */
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ["queued", "running", "pausing", "paused", "stopping"];

/** Statuses a run never leaves. */
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ["completed", "failed", "stopped", "canceled"];

/** Every run status, in lifecycle order (what a status filter may name, §3.2). */
export const RUN_STATUSES: readonly RunStatus[] = [...ACTIVE_RUN_STATUSES, ...TERMINAL_RUN_STATUSES];

/** Every node-run status (what a trace filter may name). */
export const NODE_RUN_STATUSES: readonly NodeRunStatus[] = ["queued", "running", "succeeded", "failed", "canceled", "skipped"];

/** SQL list of the active statuses. */
export const ACTIVE_STATUS_SQL = "('queued', 'running', 'pausing', 'paused', 'stopping')";

/** What a run snapshots when it starts: the flowchart's limits and the cutover gate (read once per run, §4.2). */
export interface RunSettings extends FlowSettings {
  readonly agent_runtime_cutover_enabled: boolean;
}

/** Why a run exists. */
export type RunOrigin = "api" | "follow_up" | "child" | "replay";

/** A problem a run reports without failing: a join that never fired, a degraded node run, a replay caveat. */
export interface RunWarning {
  readonly code: string;
  readonly message: string;
  readonly node_id?: string;
  readonly node_run_id?: string;
  readonly details?: Record<string, unknown>;
}

/** A run as reads return it. */
export interface FlowRun {
  readonly id: string;
  readonly flowchartId: string;
  readonly status: RunStatus;
  /** Decided while node runs were still in flight; the run takes it once they finished. */
  readonly outcome: "completed" | "failed" | null;
  readonly failureMessage: string | null;
  readonly schemaVersion: number;
  readonly settings: RunSettings;
  readonly entryNodeId: string;
  readonly totalExecutionCount: number;
  readonly warnings: RunWarning[];
  readonly origin: RunOrigin;
  readonly sourceRunId: string | null;
  readonly replayAction: "retry" | "skip" | "rewind" | null;
  readonly parentNodeRunId: string | null;
  readonly depth: number;
  readonly requestId: string;
  readonly correlationId: string;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly updatedAt: string;
  /** A replay that starts from its source's results and execution counts (base_state). */
  readonly hasReplayBase: boolean;
}

/** One node execution as reads return it. */
export interface NodeRun {
  readonly id: string;
  readonly runId: string;
  readonly nodeId: string;
  readonly nodeType: string;
  readonly executionIndex: number;
  readonly sequence: number;
  readonly status: NodeRunStatus;
  readonly inputContext: Record<string, unknown> | null;
  readonly upstreamTokens: UpstreamToken[];
  readonly outputState: Record<string, unknown> | null;
  readonly routingState: Record<string, unknown> | null;
  readonly routingMetadata: Record<string, unknown>;
  readonly error: string | null;
  readonly errorCode: string | null;
  readonly degraded: boolean;
  readonly degradedReason: string | null;
  readonly guardrail: boolean;
  readonly idempotencyKey: string;
  readonly attempt: number;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: string | null;
  readonly heartbeatAt: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly updatedAt: string;
}

/** What a replay run starts from besides its activations: the source's latest results and execution counts. */
export interface ReplayBase {
  readonly latestResults: Record<string, LatestResult>;
  readonly executionCounts: Record<string, number>;
}

/** The node-run idempotency key: `run:{run}:node:{node}:execution:{index}`. */
export function nodeRunIdempotencyKey(runId: string, nodeId: string, executionIndex: number): string {
  return `run:${runId}:node:${nodeId}:execution:${executionIndex}`;
}

/** The ledger scope node-run results are recorded under. */
export const NODE_RUN_LEDGER_SCOPE = "flow.node_run";

/**
 * Built-in node types that are deterministic and touch nothing outside the run: re-executing one after a crash is
 * harmless, so their results skip the idempotency ledger (two statements per node run saved). Every other type
 * (plugins, `flowchart`) records its result there before it is persisted.
 */
export const LEDGER_FREE_NODE_TYPES: ReadonlySet<string> = new Set(["start", "end", "decision"]);

/** A dispatch's result (v1, validated by the router) and the dispatch metadata stored with it; also what the ledger records. */
export interface DispatchOutcome {
  readonly result: ExecutionResult;
  readonly runMetadata: Record<string, unknown>;
}
