/**
 * The plugin API: the only module plugins import from the core.
 */
export { definePlugin, isPluginDefinition } from "./plugin.js";
export type { BootFailurePolicy, ConfigReference, PluginContext, PluginDefinition, Registrar, ServiceFactory } from "./plugin.js";
export { createServiceRef } from "./service-ref.js";
export type { ServiceRef, ServiceScope } from "./service-ref.js";
export { coreServices } from "./core-services.js";
export type { KernelInfo } from "./core-services.js";
export type * from "./contributions.js";
export type { ContributionRegistries, ReadonlyRegistry } from "./registries-port.js";
export type { JSONSchema } from "../contracts/json-schema.js";
export type { ConfigCheck, ConfigCheckContext, ConfigCheckProblem } from "../config/config-check.js";
export { MAX_TIMER_MS, MAX_TIMER_SECONDS } from "../config/timer-limits.js";
export { resolveConfigPath, configBaseDir } from "../config/config-path.js";
export { MAX_VALUE_DEPTH, TOO_DEEP_MESSAGE, isTooDeep } from "../contracts/nesting-depth.js";
export type { ContractRegistry, ContractIssue } from "../contracts/contract-registry-port.js";
export type { Store, Queryable, Transaction, QueryResult, StoreHealth } from "../store/store-port.js";
export type { IdempotencyLedger, IdempotencyClaim } from "../tooling/idempotency-port.js";
export type { NodeExecutorSettingsService, NodeExecutorSettingsView, NodeExecutorRuntimeSettings, SettingsChange } from "../settings/node-executor-settings-port.js";
export type { EventBus } from "../events/event-bus.js";
export type { EventLogQuery } from "../events/event-log.js";
export { ArkError, isArkError, errorMessage } from "../errors/index.js";
export type { ArkErrorCode } from "../errors/index.js";
export { apiServerRef, apiReply } from "../api/api-server-port.js";
export type { ApiServer, ApiRoute, ApiRequest, HealthSource, HealthSourceResult } from "../api/api-server-port.js";
export type { StartupReport, PluginReport, PluginStatus } from "../kernel/startup-report.js";
export {
  EXECUTOR_STARTED_MARKER, EXECUTOR_STARTED_EVENT, RESULT_LINE_PREFIX, formatStartMarkers, formatResultLine, parseExecutorOutput,
  parseStartLine, parseResultPayload, classifyExecutorLine, ExecutorOutputReader, LineSplitter,
} from "../execution/executor-markers.js";
export type { ExecutorStartInfo, ExecutorOutputProblem, ParsedExecutorOutput, ExecutorLine } from "../execution/executor-markers.js";
export { pluginSetHash } from "../execution/plugin-set-hash.js";
export {
  WorkspacePathGuard, checkRelativePath, WorkspaceRoots, workspaceKeyOf, resolveWorkspaceBase, DEFAULT_WORKSPACE_BASE, compileGlob,
  CappedOutput, truncationMarker, scrubbedEnv, DEFAULT_ENV_PASSTHROUGH, startProcess, runProcess, killProcessTree, SettingsSlot,
  registeredToolDomain, toolNodeType, ToolInput,
} from "../workspace/index.js";
export type { GuardedPath, GuardOptions, ProcessSpec, ProcessOutcome, RunningProcess, ToolNodeTypeOptions } from "../workspace/index.js";
export * from "../execution/llm/index.js";
export { extractPathValue } from "../flow/graph/condition-values.js";
// Flow graph semantics a flow migration step reuses for its dry execution checks (pure functions of core/flow/graph).
export {
  resolveOutgoingConnectors, resolveFanInRequirement, parseFanInMode, parseFanInCustomCount, parseNoMatchPolicy, fallbackConditionKeyOf,
  parseConnectorMode, runtimeConnectorMode, compareGraphIds,
} from "../flow/graph/index.js";
export type { FlowConnector, RoutingOutcome, FanInMode, NoMatchPolicy } from "../flow/graph/index.js";
export { serialiseArtifact } from "../flow/engine/node-artifacts.js";
export { buildExecutorPayload } from "../execution/executor-payload.js";
export { parseImagePullSecrets } from "../settings/normalise-node-executor-settings.js";
// tool domains (core/tooling)
export { toolError, ToolError, isToolError } from "../tooling/tool-error.js";
export type { ToolFailure } from "../tooling/tool-error.js";
export { DEFAULT_FALLBACK_WARNING_CODE } from "../tooling/tool-call.js";
export type { ToolCall, ToolFallback, ToolFallbackOutcome, ToolRetryPolicy, ToolTraceLabels, ToolWarning, ToolOperationSpec, ToolDomainSpec } from "../tooling/tool-call.js";
export { attachToolTrace } from "../tooling/trace-envelope.js";
export { nodeRunScope, nodeRunToolKey } from "../tooling/node-run-scope.js";
export { createHttpToolHost } from "../tooling/http-tool-host.js";
export type { HttpToolHostOptions } from "../tooling/http-tool-host.js";
export { toolHostRef } from "../tooling/tool-host-ref.js";
export { callNodeRunTool, failedNodeResultOf, failedNodeResultFromError } from "../tooling/node-tool-call.js";
export type { NodeRunToolCall } from "../tooling/node-tool-call.js";
// node-level tool fallback of the special nodes (tool_fallback_mode)
export {
  resolveNodeToolFallbackMode, assertNodeToolFallbackMode, isToolConflictFailure, nodeToolFallbackResult, failedOrFallbackNodeResult, failedToolResultOf,
  NODE_TOOL_FALLBACK_CONFIG_PROPERTIES, NODE_TOOL_FALLBACK_WARNING_CODE, CONFLICT_ERROR_CODES, TOOL_FALLBACK_MODE_WORDS, toolFallbackModeWord,
} from "../tooling/node-fallback.js";
export type { NodeToolFallbackMode, NodeToolFallbackSpec } from "../tooling/node-fallback.js";
export { parseLlmJsonObject, llmExcerpt } from "../tooling/llm-json.js";
export { degradedRunMetadata } from "../tooling/degraded-markers.js";
export { recordArtifactRoutes, answerIds, RECORD_ID_PATTERN } from "../tooling/record-artifact-routes.js";
export { recordRoutes, recordAnswerSchema, RECORD_ID_PARAMS, type RecordRoutesOptions, type RecordPage } from "../tooling/record-routes.js";
export type { RecordArtifactRoutesOptions } from "../tooling/record-artifact-routes.js";
export type { KernelToolHost } from "../tooling/kernel-tool-host.js";
// decision condition grammar (core/flow/graph), for tools-decision
export { evaluateCondition, evaluateDecision, decisionConditionsOf } from "../flow/graph/decision-conditions.js";
export type { DecisionCondition, DecisionEvaluation, DecisionResult, ConditionRule } from "../flow/graph/decision-conditions.js";
export type { FlowSnapshot, SnapshotNode, SnapshotEdge } from "../migration/flow-snapshot.js";
export { toolHostIssuerSlotRef } from "../execution/tool-host-issuer-ref.js";
export type { ToolHostIssuerSlot } from "../execution/tool-host-issuer-ref.js";
export type { ToolHostIssuer, ToolHostScope, DispatchOptions, DispatchStateListener } from "../execution/process-dispatcher.js";
export { toolDomainsOf, toolHostScopeOf } from "../execution/tool-host-scope.js";
export { TOOLHOST_TOKEN_ENV, TOOLHOST_URL_ENV } from "../execution/executor-tool-host.js";
export { TOOL_HOST_PROBE_NODE_TYPE } from "../execution/tool-host-probe.js";
export type { ExecutorTimeouts } from "../execution/executor-child.js";
// Run-scoped tool domains (workflow, observability): which runs a call may reach, and the engine's read models.
export { checkRunAccess, targetRunId } from "../tooling/run-access.js";
export type { FlowEngine as FlowEngineService } from "../flow/engine/flow-engine.js";
export { readQueueState, type QueueState, type LeaseView } from "../flow/engine/queue-state.js";
export { runView, nodeRunView } from "../flow/api/flow-views.js";
// execution plane helpers for executor and dispatcher plugins
export { executorClassFor } from "../execution/executor-payload.js";
export { failedResult, successResult } from "../execution/execution-results.js";
export { isoOrNull } from "../flow/store/flow-ids.js";
export { nodeRefId, inputContextOf, nodeOriginKey } from "./node-request.js";
