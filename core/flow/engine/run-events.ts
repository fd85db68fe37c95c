/**
 * The events a run emits (reference §13.7), shaped here so every writer sends the same payloads. All events of one
 * run share the stream `flowchart_run:{id}`, so a client replays a whole run with one `after=N`. Events are appended
 * in the caller's transaction and published after it commits (the EventBus), fixing quirk Q15. They are queued
 * (`emit.queue`): the bus appends all events of a transaction in one statement before it commits, in call order.
 *
 * ARK has no activity tasks: the `node:task:*` events describe the node run itself (`task_id` = node run id).
 */
import type { EmitFn } from "../../events/index.js";
import type { FlowRun, NodeRun } from "./engine-types.js";

/** The run fields an event needs. */
export type EventRun = Pick<FlowRun, "id" | "flowchartId" | "status" | "startedAt" | "finishedAt" | "updatedAt" | "requestId" | "correlationId">;

/** The node-run fields an event needs. */
export type EventNodeRun = Pick<NodeRun, "id" | "nodeId" | "nodeType" | "executionIndex" | "status" | "error" | "outputState" | "routingState" | "startedAt" | "finishedAt" | "updatedAt" | "routingMetadata">;

/** Transitions a `flowchart:run:updated` event reports. */
export type RunTransition = "started" | "paused" | "resumed" | "warning" | "failed" | "completed" | "stopped" | "canceled" | "stopping" | "pausing" | "control";

const MAX_STATE_BYTES = 256 * 1024;

/** The stream every event of a run is sequenced in. */
export function runStream(runId: string): string {
  return `flowchart_run:${runId}`;
}

/** Rooms of run-scoped events. */
export function runRooms(run: Pick<FlowRun, "id" | "flowchartId">): string[] {
  return [`flowchart:${run.flowchartId}`, `flowchart_run:${run.id}`];
}

/** Rooms of node-scoped events; node ids are unique only within a flowchart, so the room names both. */
export function nodeRooms(run: Pick<FlowRun, "id" | "flowchartId">, nodeId: string): string[] {
  return [...runRooms(run), `flowchart_node:${run.flowchartId}:${encodeURIComponent(nodeId)}`];
}

/** A state small enough for an event; larger ones are replaced by a marker (read the node run for the full state). */
function bounded(state: Record<string, unknown> | null): Record<string, unknown> | null {
  if (state === null) return null;
  const bytes = Buffer.byteLength(JSON.stringify(state));
  return bytes <= MAX_STATE_BYTES ? state : { truncated: true, bytes, node_type: state.node_type ?? null };
}

function ids(run: EventRun): { requestId: string; correlationId: string } {
  return { requestId: run.requestId, correlationId: run.correlationId };
}

/** `flowchart:run:updated` with the run's status and a transition (+ extra fields such as failure_message). */
export function emitRunUpdated(emit: EmitFn, run: EventRun, transition: RunTransition, extra: Record<string, unknown> = {}): void {
  emit.queue({
    eventType: "flowchart:run:updated", entityKind: "flowchart_run", entityId: run.id, roomKeys: runRooms(run), sequenceStream: runStream(run.id), ...ids(run),
    payload: {
      flowchart_id: run.flowchartId, flowchart_run_id: run.id, status: run.status, started_at: run.startedAt, finished_at: run.finishedAt,
      updated_at: run.updatedAt, request_id: run.requestId, correlation_id: run.correlationId, transition, ...extra,
    },
  });
}

function taskPayload(run: EventRun, nodeRun: EventNodeRun): Record<string, unknown> {
  const slug = nodeRun.nodeType.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "") || "node";
  return {
    task_id: nodeRun.id, status: nodeRun.status, kind: `flowchart_${slug}`, run_id: null, flowchart_id: run.flowchartId, flowchart_run_id: run.id,
    flowchart_node_id: nodeRun.nodeId, current_stage: null, execution_mode: null, started_at: nodeRun.startedAt, finished_at: nodeRun.finishedAt,
    updated_at: nodeRun.updatedAt, selected_mcp_server_keys: [], selected_integration_keys: [], integration_warnings: [],
    flowchart_node_run_id: nodeRun.id, execution_index: nodeRun.executionIndex,
  };
}

function nodePayload(run: EventRun, nodeRun: EventNodeRun): Record<string, unknown> {
  return {
    flowchart_id: run.flowchartId, flowchart_run_id: run.id, flowchart_node_id: nodeRun.nodeId, flowchart_node_type: nodeRun.nodeType,
    node_run_id: nodeRun.id, agent_task_id: null, status: nodeRun.status, execution_index: nodeRun.executionIndex, error: nodeRun.error,
    output_state: bounded(nodeRun.outputState), routing_state: bounded(nodeRun.routingState), started_at: nodeRun.startedAt,
    finished_at: nodeRun.finishedAt, request_id: run.requestId, correlation_id: run.correlationId,
  };
}

function emitNodeUpdated(emit: EmitFn, run: EventRun, nodeRun: EventNodeRun, runtime: unknown): void {
  emit.queue({
    eventType: "flowchart:node:updated", entityKind: "flowchart_node", entityId: nodeRun.id, roomKeys: nodeRooms(run, nodeRun.nodeId),
    sequenceStream: runStream(run.id), ...ids(run), runtime, payload: nodePayload(run, nodeRun),
  });
}

/** Node start: `node:task:updated(started)` then `flowchart:node:updated(running)`. */
export function emitNodeStarted(emit: EmitFn, run: EventRun, nodeRun: EventNodeRun): void {
  emit.queue({
    eventType: "node:task:updated", entityKind: "task", entityId: nodeRun.id, roomKeys: nodeRooms(run, nodeRun.nodeId), sequenceStream: runStream(run.id),
    ...ids(run), runtime: nodeRun.routingMetadata, payload: { ...taskPayload(run, nodeRun), transition: "started" },
  });
  emitNodeUpdated(emit, run, nodeRun, nodeRun.routingMetadata);
}

/** What a node-run end event adds to the task payload. */
export interface NodeEndDetails {
  readonly failureMessage?: string | null;
  readonly guardrail?: boolean;
}

/** Node end: `node:task:completed` then `flowchart:node:updated` with the node run's final status. */
export function emitNodeFinished(emit: EmitFn, run: EventRun, nodeRun: EventNodeRun, details: NodeEndDetails = {}): void {
  const runtime = details.guardrail ? null : nodeRun.routingMetadata;
  const extra: Record<string, unknown> = { terminal_status: nodeRun.status, runtime_evidence: nodeRun.routingMetadata.runtime_evidence ?? null };
  if (details.failureMessage) extra.failure_message = details.failureMessage;
  if (details.guardrail) extra.guardrail_failure = true;
  emit.queue({
    eventType: "node:task:completed", entityKind: "task", entityId: nodeRun.id, roomKeys: nodeRooms(run, nodeRun.nodeId), sequenceStream: runStream(run.id),
    ...ids(run), runtime, payload: { ...taskPayload(run, nodeRun), ...extra },
  });
  emitNodeUpdated(emit, run, nodeRun, runtime);
}

/** `flowchart:node_artifact:persisted` (the artifact summary without its payload; read the artifact for that). */
export function emitArtifactPersisted(emit: EmitFn, run: EventRun, nodeRun: EventNodeRun, artifact: Record<string, unknown>): void {
  emit.queue({
    eventType: "flowchart:node_artifact:persisted", entityKind: "node_artifact", entityId: String(artifact.id), roomKeys: nodeRooms(run, nodeRun.nodeId),
    sequenceStream: runStream(run.id), requestId: String(artifact.request_id), correlationId: String(artifact.correlation_id),
    payload: {
      flowchart_id: run.flowchartId, flowchart_run_id: run.id, flowchart_node_id: nodeRun.nodeId, flowchart_node_type: nodeRun.nodeType,
      node_run_id: nodeRun.id, artifact_id: String(artifact.id), artifact_type: artifact.artifact_type, artifact,
      request_id: artifact.request_id, correlation_id: artifact.correlation_id,
    },
  });
}
