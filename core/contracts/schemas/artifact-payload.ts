import { contractIds } from "./contract-ids.js";
import { anyObject } from "./fragments.js";

const draft07 = "http://json-schema.org/draft-07/schema#";
const routingState = { $ref: contractIds.routingState } as const;

function artifactPayload(id: string, title: string, required: string[], properties: Record<string, unknown>) {
  return {
    $id: id,
    $schema: draft07,
    title: `ARK ${title} artifact payload v1`,
    type: "object",
    required: [...required, "routing_state"],
    properties: { ...properties, routing_state: routingState },
    additionalProperties: true,
  } as const;
}

/** start, end, flowchart, rag and task artifacts (§14.3). */
export const genericArtifactPayloadSchema = artifactPayload(
  contractIds.artifactPayloadGeneric,
  "generic node",
  ["node_type", "input_context", "output_state"],
  { node_type: { type: "string" }, input_context: anyObject, output_state: anyObject, node_config: anyObject },
);

/** Decision artifacts (§14.3). */
export const decisionArtifactPayloadSchema = artifactPayload(
  contractIds.artifactPayloadDecision,
  "decision",
  ["matched_connector_ids", "evaluations", "no_match"],
  { matched_connector_ids: { type: "array" }, evaluations: { type: "array" }, no_match: { type: "boolean" } },
);

/** Memory artifacts (§14.3). */
export const memoryArtifactPayloadSchema = artifactPayload(contractIds.artifactPayloadMemory, "memory", ["action", "action_results"], {
  action: { type: "string" },
  action_results: { type: "array" },
});

/** Milestone artifacts (§14.3). */
export const milestoneArtifactPayloadSchema = artifactPayload(
  contractIds.artifactPayloadMilestone,
  "milestone",
  ["action", "action_results", "milestone"],
  { action: { type: "string" }, action_results: { type: "array" } },
);

/** Plan artifacts (§14.3). */
export const planArtifactPayloadSchema = artifactPayload(
  contractIds.artifactPayloadPlan,
  "plan",
  ["mode", "store_mode", "action_results", "plan"],
  { mode: { type: "string" }, store_mode: { type: "string" }, action_results: { type: "array" } },
);

/** The nine artifact types of §12.1 and the payload contract each one is checked against. */
export const artifactPayloadContractByType: Readonly<Record<string, string>> = {
  start: contractIds.artifactPayloadGeneric,
  end: contractIds.artifactPayloadGeneric,
  flowchart: contractIds.artifactPayloadGeneric,
  rag: contractIds.artifactPayloadGeneric,
  task: contractIds.artifactPayloadGeneric,
  decision: contractIds.artifactPayloadDecision,
  memory: contractIds.artifactPayloadMemory,
  milestone: contractIds.artifactPayloadMilestone,
  plan: contractIds.artifactPayloadPlan,
};
