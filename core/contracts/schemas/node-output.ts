import { contractIds } from "./contract-ids.js";
import { nonBlankString, trimmedNonEmptyString } from "./fragments.js";

const draft07 = "http://json-schema.org/draft-07/schema#";

/** Any node's output_state: an object with a node_type; extra keys allowed (§14.2). */
export const nodeOutputSchema = {
  $id: contractIds.nodeOutput,
  $schema: draft07,
  title: "ARK node output_state v1",
  type: "object",
  required: ["node_type"],
  properties: { node_type: nonBlankString },
  additionalProperties: true,
} as const;

/** Any node's routing_state; each key is optional and checked only when present (§14.2). */
export const routingStateSchema = {
  $id: contractIds.routingState,
  $schema: draft07,
  title: "ARK routing_state v1",
  type: "object",
  properties: {
    route_key: nonBlankString,
    terminate_run: { type: "boolean" },
    matched_connector_ids: { type: "array" },
    evaluations: { type: "array" },
    no_match: { type: "boolean" },
  },
  additionalProperties: true,
} as const;

/** A decision node's routing_state: matched connector ids are trimmed non-empty strings. */
export const decisionRoutingStateSchema = {
  $id: contractIds.decisionRoutingState,
  $schema: draft07,
  title: "ARK decision routing_state v1",
  allOf: [{ $ref: contractIds.routingState }],
  properties: { matched_connector_ids: { type: "array", items: trimmedNonEmptyString } },
} as const;

/** A regex source matching `word` in any letter case, padded by whitespace (the reference compares lower-cased, trimmed). */
function caseInsensitiveWord(word: string): string {
  const letters = [...word].map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c)).join("");
  return `^\\s*${letters}\\s*$`;
}

function specialOutput(id: string, nodeType: string, required: string[], properties: Record<string, unknown>) {
  return {
    $id: id,
    $schema: draft07,
    title: `ARK ${nodeType} node output_state v1`,
    type: "object",
    required: ["node_type", ...required],
    properties: { node_type: { type: "string", pattern: caseInsensitiveWord(nodeType) }, ...properties },
    additionalProperties: true,
  } as const;
}

/** The decision node's special output (§14.2). */
export const decisionOutputSchema = specialOutput(contractIds.decisionOutput, "decision", ["matched_connector_ids", "evaluations", "no_match"], {
  matched_connector_ids: { type: "array", items: trimmedNonEmptyString },
  evaluations: { type: "array" },
  no_match: { type: "boolean" },
});

/** The memory node's special output (§14.2). */
export const memoryOutputSchema = specialOutput(contractIds.memoryOutput, "memory", ["action", "action_results"], {
  action: nonBlankString,
  action_results: { type: "array" },
});

/** The milestone node's special output (§14.2). */
export const milestoneOutputSchema = specialOutput(contractIds.milestoneOutput, "milestone", ["action", "action_results"], {
  action: nonBlankString,
  action_results: { type: "array" },
});

/** The plan node's special output (§14.2). */
export const planOutputSchema = specialOutput(contractIds.planOutput, "plan", ["mode", "store_mode", "action_results"], {
  mode: nonBlankString,
  store_mode: nonBlankString,
  action_results: { type: "array" },
});
