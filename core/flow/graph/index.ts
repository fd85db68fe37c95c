/**
 * The flowchart graph model and its pure semantics (orchestration-and-events §2, §5-§8): types and normalisers,
 * node-type capabilities, static validation, the decision condition grammar, fan-in bookkeeping, routing, input
 * context, attachments, and the YAML/JSON flow file format. No I/O anywhere in this folder.
 */
export {
  CONNECTOR_MODES,
  FLOW_SCHEMA_VERSION,
  MAX_FLOW_SETTING,
  compareGraphIds,
  conditionKeyOf,
  graphIdOf,
  isJsonObject,
  parseConnectorMode,
  runtimeConnectorMode,
  sortedUniqueIds,
  type ConnectorMode,
  type FlowConnector,
  type FlowGraph,
  type FlowNode,
  type GraphIssue,
} from "./graph-model.js";
export { normaliseGraphPayload, type NormalisedGraph } from "./normalise-graph.js";
export { indexGraph, solidReachable, disconnectedNodeIds, type GraphIndex } from "./graph-index.js";
export {
  BUILT_IN_NODE_TYPES,
  REFERENCE_NODE_TYPE_CAPABILITIES,
  capabilitiesFromContribution,
  createNodeTypeCapabilityRegistry,
  type NodeTypeCapabilities,
  type NodeTypeCapabilityRegistry,
  type RefPolicy,
} from "./node-type-capabilities.js";
export {
  fallbackConditionKeyOf,
  fanInModeOf,
  parseFanInCustomCount,
  parseFanInMode,
  parseNoMatchPolicy,
  routingConfigProblems,
  type FanInMode,
  type NoMatchPolicy,
  type RoutingConfigProblem,
} from "./routing-config.js";
export {
  assertValidGraph,
  validateGraph,
  validateGraphPayload,
  validationErrorMessages,
  type GraphValidation,
  type GraphValidationOptions,
} from "./validate-graph.js";
export { routesByConditionKey, syncDecisionConnectors, type DecisionKeyChange } from "./decision-sync.js";
export { analyseJoins } from "./join-analysis.js";
export { canonicalJson, coerceBool, extractPathValue, stringifyConditionValue } from "./condition-values.js";
export {
  decisionConditionsOf,
  evaluateCondition,
  evaluateDecision,
  isFreeTextCondition,
  type ConditionRule,
  type DecisionCondition,
  type DecisionEvaluation,
  type DecisionOptions,
  type DecisionResult,
} from "./decision-conditions.js";
export {
  emptyFanInState,
  joinRequirementOf,
  offerToken,
  FanInOffers,
  resolveFanInRequirement,
  restoreFanInState,
  selectReadyParents,
  serialiseFanInState,
  stalledJoins,
  type FanInState,
  type JoinRequirement,
  type StalledJoin,
  type UpstreamToken,
} from "./fan-in.js";
export {
  resolveOutgoingConnectors,
  tokensForSelected,
  type RoutedEmission,
  type RoutingNode,
  type RoutingOptions,
  type RoutingOutcome,
} from "./routing.js";
export {
  buildInputContext,
  type InputContext,
  type InputContextRequest,
  type LatestResult,
  type LatestResults,
  type SourceRef,
  type UpstreamEntry,
} from "./input-context.js";
export { collectInputContextAttachments, mergeAttachments, normaliseAttachment, type AttachmentEntry } from "./attachments.js";
export { endNodeResult, flowchartNodeResult, startNodeResult, type NodeStates, type QueuedChildRun } from "./built-in-node-results.js";
export { FLOW_FILE_SCHEMA_ID, flowFileSchema } from "./flow-file-schema.js";
export {
  flowFileInvalidError,
  formatFlowFileIssue,
  parseFlowFile,
  stringifyFlowFile,
  type FlowDefinition,
  type FlowFileIssue,
  type FlowFileResult,
  type FlowSettings,
} from "./graph-file.js";
