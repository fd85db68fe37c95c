/**
 * The flow engine (core/flow): flowchart storage, the durable orchestrator, control, reads, the built-in node types
 * and the `flow` module. The pure graph model lives in ./graph (re-exported here as well).
 */
export * from "./graph/index.js";
export { DEFAULT_FLOW_SETTINGS, HARD_MAX_NODE_EXECUTIONS, flowSettingsProblems, mergeFlowSettings, readFlowSettings } from "./store/flow-settings.js";
export { FlowchartRepository, validationView } from "./store/flowchart-repository.js";
export type { FlowchartGraph, FlowchartInput, FlowchartRecord, GraphValidationView } from "./store/flowchart-repository.js";
export { DEFAULT_FLOW_ENGINE_SETTINGS, FlowEngine } from "./engine/flow-engine.js";
export type { FlowEngineOptions, FlowEngineSettings, StartRunInput } from "./engine/flow-engine.js";
export { CONTROL_ACTIONS } from "./engine/control-request.js";
export type { CancelResult, ControlAction, ControlRequest, ControlResult } from "./engine/control-request.js";
export { ACTIVE_RUN_STATUSES, NODE_RUN_LEDGER_SCOPE, TERMINAL_RUN_STATUSES, nodeRunIdempotencyKey } from "./engine/engine-types.js";
export type { DispatchOutcome, FlowRun, NodeRun, NodeRunStatus, RunOrigin, RunSettings, RunStatus, RunWarning } from "./engine/engine-types.js";
export type { NodeRunner, WorkerHooks, WorkerOptions } from "./engine/flow-worker.js";
export type { ClaimedWork } from "./engine/activation-claim.js";
export { RunQueries } from "./engine/run-queries.js";
export { TRACE_SURFACES, traceRun } from "./engine/run-trace.js";
export type { RunTrace, TraceOptions, TracePage, TraceSurface } from "./engine/run-trace.js";
export type { Page, RunStatusSummary } from "./engine/run-queries.js";
export { runRooms, runStream, nodeRooms } from "./engine/run-events.js";
export { FLOW_NOTIFY_CHANNEL } from "./engine/work-notice.js";
export { artifactPayload, retentionOf, serialiseArtifact, sweepExpiredArtifacts } from "./engine/node-artifacts.js";
export { createFlowModule, flowEngineRef } from "./engine/flow-module.js";
export { flowSectionSchema } from "./engine/flow-config-schema.js";
export type { FlowConfig } from "./engine/flow-config-schema.js";
export { builtInNodeTypes, cutoverOf } from "./node-types/built-in-node-types.js";
export type { SubflowHost } from "./node-types/subflow.js";
