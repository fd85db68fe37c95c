/** JSON Schemas of the `decision` tool domain's operations. */
import type { JSONSchema } from "../../core/plugin-api/index.js";

const condition: JSONSchema = {
  type: "object",
  required: ["connector_id", "condition_text"],
  properties: {
    connector_id: { type: "string", minLength: 1, maxLength: 256 },
    condition_text: { type: "string", maxLength: 4096 },
  },
};

const evaluation: JSONSchema = {
  type: "object",
  required: ["connector_id", "condition_text", "matched", "reason", "rule"],
  properties: { connector_id: { type: "string" }, condition_text: { type: "string" }, matched: { type: "boolean" }, reason: { type: "string" }, rule: { type: "string" } },
};

/** `decision.evaluate` input: the node's conditions and the input context they are evaluated against. */
export const evaluateInputSchema: JSONSchema = {
  type: "object",
  additionalProperties: false,
  required: ["input_context"],
  properties: {
    decision_conditions: { type: "array", maxItems: 256, items: condition, description: "First condition per connector wins; empty → the legacy route_key path." },
    input_context: { type: "object", description: "What conditions read (dot paths): latest_upstream, upstream_nodes, ..." },
    connector_ids: {
      type: "array", items: { type: "string", minLength: 1 }, maxItems: 256,
      description: "The decision's solid outgoing connector keys; conditions for other connectors are skipped (not matched).",
    },
    require_conditions: { type: "boolean", default: false, description: "The cutover gate: fail when no conditions are given instead of using the legacy route." },
    route_field_path: { type: "string", maxLength: 512, description: "Legacy route path (default latest_upstream.output_state.structured_output.route_key)." },
  },
};

/** `decision.evaluate` output: the three routing facts plus the node's output and routing states. */
export const evaluateOutputSchema: JSONSchema = {
  type: "object",
  required: ["matched_connector_ids", "evaluations", "no_match", "output_state", "routing_state"],
  properties: {
    matched_connector_ids: { type: "array", items: { type: "string" } },
    evaluations: { type: "array", items: evaluation },
    no_match: { type: "boolean" },
    output_state: { type: "object", required: ["node_type"] },
    routing_state: { type: "object" },
  },
};

/** `decision.evaluate_condition` input: one condition text. */
export const conditionInputSchema: JSONSchema = {
  type: "object",
  additionalProperties: false,
  required: ["condition_text", "input_context"],
  properties: { condition_text: { type: "string", maxLength: 4096 }, input_context: { type: "object" } },
};

/** `decision.evaluate_condition` output: whether it matched, why, and which grammar rule decided. */
export const conditionOutputSchema: JSONSchema = {
  type: "object",
  required: ["matched", "reason", "rule"],
  properties: { matched: { type: "boolean" }, reason: { type: "string" }, rule: { type: "string" } },
};
