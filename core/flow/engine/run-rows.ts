/** Column lists and row → model mapping for ark_flow_runs and ark_flow_node_runs. */
import { isJsonObject, type UpstreamToken } from "../graph/index.js";
import { readFlowSettings } from "../store/flow-settings.js";
import { isoOrNull } from "../store/flow-ids.js";
import type { FlowRun, NodeRun, NodeRunStatus, RunOrigin, RunSettings, RunStatus, RunWarning } from "./engine-types.js";

/** Columns selected for a FlowRun (without the graph snapshot). */
export const RUN_COLUMNS =
  "id, flowchart_id, status, outcome, failure_message, schema_version, settings, entry_node_id, total_execution_count, warnings, origin, " +
  "source_run_id, replay_action, parent_node_run_id, depth, request_id, correlation_id, created_at, started_at, finished_at, updated_at, " +
  "(base_state <> '{}'::jsonb) AS has_base";

/** Columns selected for a NodeRun. */
export const NODE_RUN_COLUMNS =
  "id, run_id, node_id, node_type, execution_index, sequence, status, input_context, upstream_tokens, output_state, routing_state, " +
  "routing_metadata, error, error_code, degraded, degraded_reason, guardrail, idempotency_key, attempt, lease_owner, lease_expires_at, " +
  "heartbeat_at, created_at, started_at, finished_at, updated_at";

type Row = Record<string, unknown>;

const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
const object = (value: unknown): Record<string, unknown> | null => (isJsonObject(value) ? value : null);

/** The run settings snapshot, read leniently. */
export function readRunSettings(stored: unknown): RunSettings {
  const input = isJsonObject(stored) ? stored : {};
  return { ...readFlowSettings(input), agent_runtime_cutover_enabled: input.agent_runtime_cutover_enabled === true };
}

/** The default request id of a run's events and artifacts (reference §4.1, §12.3). */
export function runRequestId(runId: string): string {
  return `flowchart-run-${runId}`;
}

/** A run row as a FlowRun. */
export function toFlowRun(row: Row): FlowRun {
  const id = String(row.id);
  return {
    id,
    flowchartId: String(row.flowchart_id),
    status: row.status as RunStatus,
    outcome: (row.outcome as FlowRun["outcome"]) ?? null,
    failureMessage: text(row.failure_message),
    schemaVersion: Number(row.schema_version),
    settings: readRunSettings(row.settings),
    entryNodeId: String(row.entry_node_id),
    totalExecutionCount: Number(row.total_execution_count),
    warnings: Array.isArray(row.warnings) ? (row.warnings as RunWarning[]) : [],
    origin: row.origin as RunOrigin,
    sourceRunId: text(row.source_run_id),
    replayAction: (row.replay_action as FlowRun["replayAction"]) ?? null,
    parentNodeRunId: text(row.parent_node_run_id),
    depth: Number(row.depth ?? 0),
    requestId: text(row.request_id) ?? runRequestId(id),
    correlationId: text(row.correlation_id) ?? runRequestId(id),
    createdAt: isoOrNull(row.created_at)!,
    startedAt: isoOrNull(row.started_at),
    finishedAt: isoOrNull(row.finished_at),
    updatedAt: isoOrNull(row.updated_at)!,
    hasReplayBase: row.has_base === true,
  };
}

/** A node-run row as a NodeRun. */
export function toNodeRun(row: Row): NodeRun {
  return {
    id: String(row.id),
    runId: String(row.run_id),
    nodeId: String(row.node_id),
    nodeType: String(row.node_type),
    executionIndex: Number(row.execution_index),
    sequence: Number(row.sequence),
    status: row.status as NodeRunStatus,
    inputContext: object(row.input_context),
    upstreamTokens: Array.isArray(row.upstream_tokens) ? (row.upstream_tokens as UpstreamToken[]) : [],
    outputState: object(row.output_state),
    routingState: object(row.routing_state),
    routingMetadata: object(row.routing_metadata) ?? {},
    error: text(row.error),
    errorCode: text(row.error_code),
    degraded: row.degraded === true,
    degradedReason: text(row.degraded_reason),
    guardrail: row.guardrail === true,
    idempotencyKey: String(row.idempotency_key),
    attempt: Number(row.attempt ?? 1),
    leaseOwner: text(row.lease_owner),
    leaseExpiresAt: isoOrNull(row.lease_expires_at),
    heartbeatAt: isoOrNull(row.heartbeat_at),
    createdAt: isoOrNull(row.created_at)!,
    startedAt: isoOrNull(row.started_at),
    finishedAt: isoOrNull(row.finished_at),
    updatedAt: isoOrNull(row.updated_at)!,
  };
}
