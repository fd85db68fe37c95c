/**
 * The `decision` tool domain: the flow engine's decision condition grammar (core/flow/graph/decision-conditions) as
 * tool operations, so a model, a sandboxed executor or an HTTP client can ask "which connectors would this decision
 * take for this context?" and get exactly the answer a decision node gives. Pure: both operations are idempotent.
 */
import {
  evaluateCondition, evaluateDecision, isArkError, toolError,
  type DecisionResult, type ToolDomainContribution, type ToolOperationSpec,
} from "../../core/plugin-api/index.js";
import { conditionInputSchema, conditionOutputSchema, evaluateInputSchema, evaluateOutputSchema } from "./decision-schemas.js";

/** The domain id. */
export const DECISION_DOMAIN_ID = "decision";

/** Input of `decision.evaluate`. */
export interface EvaluateInput {
  readonly decision_conditions?: ReadonlyArray<{ connector_id: string; condition_text: string }>;
  readonly input_context: Record<string, unknown>;
  readonly connector_ids?: readonly string[];
  readonly require_conditions?: boolean;
  readonly route_field_path?: string;
}

type Connectors = Parameters<typeof evaluateDecision>[2];

/** The solid keyed connectors evaluateDecision expects, from plain connector keys. */
function connectorsOf(ids: readonly string[] | undefined): Connectors {
  if (ids === undefined) return null;
  return ids.map((id) => ({ id, source: "decision", target: id, mode: "solid" as const, conditionKey: id }));
}

const evaluate: ToolOperationSpec<EvaluateInput, DecisionResult> = {
  description: "Evaluates decision conditions against an input context with the decision node's grammar (==, !=, contains, path, route_key, context text).",
  input: evaluateInputSchema,
  output: evaluateOutputSchema,
  idempotent: true,
  async handler(input) {
    const config: Record<string, unknown> = { decision_conditions: input.decision_conditions ?? [] };
    if (input.route_field_path !== undefined) config.route_field_path = input.route_field_path;
    try {
      return evaluateDecision(config, input.input_context, connectorsOf(input.connector_ids), { requireConditions: input.require_conditions === true });
    } catch (err) {
      if (isArkError(err, "ARK_FLOW_ROUTING_FAILED")) {
        throw toolError("decision.conditions_required", err.message, { ...err.details }, { retryable: false });
      }
      throw err;
    }
  },
};

const evaluateOne: ToolOperationSpec<{ condition_text: string; input_context: Record<string, unknown> }, ReturnType<typeof evaluateCondition>> = {
  description: "Evaluates one condition text against an input context; answers matched, the reason and the grammar rule that decided.",
  input: conditionInputSchema,
  output: conditionOutputSchema,
  idempotent: true,
  handler: async (input) => evaluateCondition(input.condition_text, input.input_context),
};

/** The domain contribution. */
export const decisionDomain: ToolDomainContribution = {
  id: DECISION_DOMAIN_ID,
  description: "Decision conditions: the flow engine's routing grammar as tools.",
  operations: { evaluate, evaluate_condition: evaluateOne },
};

