/** Contracts: the one ajv registry, the core v1 schemas, event-type normalisation and node-output checks. */
export { createContractRegistry, describeIssue } from "./contract-registry.js";
export type { ContractIssue, ContractRegistry } from "./contract-registry-port.js";
export type { JSONSchema } from "./json-schema.js";
export { CANONICAL_EVENT_TYPE_PATTERN, canonicalEventType, canonicalEventTypeWithLegacy } from "./canonical-event-type.js";
export {
  SPECIAL_NODE_TYPES,
  assertNoContractProblems,
  validateArtifactPayload,
  validateNodeOutput,
  validateNodeStates,
  validateRoutingState,
} from "./node-output-contract.js";
export * from "./schemas/index.js";
