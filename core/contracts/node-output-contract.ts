/**
 * The node-output checks JSON Schema cannot phrase the way operators know them: each function returns the reference's
 * messages (orchestration-and-events §14.2/§14.3), one per problem, empty when the value is valid. The ajv contracts
 * (contractIds.nodeOutput, routingState, decisionOutput, ...) describe the same shapes for other languages and clients.
 */
import { ArkError } from "../errors/index.js";

type JsonObject = Record<string, unknown>;

/** Node types with a special output contract (§14.2). */
export const SPECIAL_NODE_TYPES = ["decision", "memory", "milestone", "plan"] as const;

const specialRequiredKeys: Readonly<Record<string, readonly string[]>> = {
  decision: ["node_type", "matched_connector_ids", "evaluations", "no_match"],
  memory: ["node_type", "action", "action_results"],
  milestone: ["node_type", "action", "action_results"],
  plan: ["node_type", "mode", "store_mode", "action_results"],
};

const artifactRequiredKeys: Readonly<Record<string, readonly string[]>> = {
  decision: ["matched_connector_ids", "evaluations", "no_match", "routing_state"],
  end: ["node_type", "input_context", "output_state", "routing_state"],
  flowchart: ["node_type", "input_context", "output_state", "routing_state"],
  rag: ["node_type", "input_context", "output_state", "routing_state"],
  start: ["node_type", "input_context", "output_state", "routing_state"],
  task: ["node_type", "input_context", "output_state", "routing_state"],
  memory: ["action", "action_results", "routing_state"],
  milestone: ["action", "action_results", "milestone", "routing_state"],
  plan: ["mode", "store_mode", "action_results", "plan", "routing_state"],
};

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function normalisedType(value: unknown): string {
  return typeof value === "string" ? value.trim().toLowerCase() : "";
}

function isNonBlankString(value: unknown): boolean {
  return typeof value === "string" && value.trim() !== "";
}

function missingKeys(subject: string, value: JsonObject, required: readonly string[]): string[] {
  const missing = required.filter((key) => !(key in value));
  return missing.length === 0 ? [] : [`${subject} is missing required keys: ${missing.join(", ")}.`];
}

function capitalised(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Connector ids must already be trimmed, non-empty strings: a padded id, "", null or 5 all fail (§14.2). */
function connectorIdProblems(prefix: string, ids: unknown): string[] {
  if (!Array.isArray(ids)) return [];
  const clean = ids.every((id) => typeof id === "string" && id !== "" && id === id.trim());
  return clean ? [] : [`${prefix}.matched_connector_ids must contain non-empty strings.`];
}

function specialOutputProblems(nodeType: string, out: JsonObject): string[] {
  const required = specialRequiredKeys[nodeType];
  if (!required) return [];
  const label = `${capitalised(nodeType)} output_state`;
  const problems = missingKeys("output_state", out, required);
  const arrayKey = (key: string) => key in out && !Array.isArray(out[key]) ? [`${label}.${key} must be a list.`] : [];
  const textKey = (key: string) => key in out && !isNonBlankString(out[key]) ? [`${label}.${key} must be a non-empty string.`] : [];
  if (nodeType === "decision") {
    problems.push(...arrayKey("matched_connector_ids"), ...connectorIdProblems(label, out.matched_connector_ids), ...arrayKey("evaluations"));
    if ("no_match" in out && typeof out.no_match !== "boolean") problems.push(`${label}.no_match must be boolean.`);
  } else if (nodeType === "plan") {
    problems.push(...textKey("mode"), ...textKey("store_mode"), ...arrayKey("action_results"));
  } else {
    problems.push(...textKey("action"), ...arrayKey("action_results"));
  }
  return problems;
}

/**
 * Checks an output_state (§14.2): an object with a node_type, equal (case-insensitively) to `expectedNodeType` when
 * given; decision/memory/milestone/plan outputs also get their special checks.
 */
export function validateNodeOutput(out: unknown, expectedNodeType?: string): string[] {
  if (!isObject(out)) return ["output_state must be a JSON object."];
  const got = normalisedType(out.node_type);
  if (got === "") return ["output_state.node_type is required."];
  const expected = normalisedType(expectedNodeType);
  if (expected !== "" && expected !== got) return [`output_state.node_type must be '${expected}', got '${got}'.`];
  return specialOutputProblems(got, out);
}

/** Checks a routing_state (§14.2); keys are optional and checked only when present. A decision's ids must be clean. */
export function validateRoutingState(routing: unknown, nodeType?: string): string[] {
  if (!isObject(routing)) return ["routing_state must be a JSON object."];
  const problems: string[] = [];
  if ("route_key" in routing && !isNonBlankString(routing.route_key)) problems.push("routing_state.route_key must be a non-empty string.");
  if ("terminate_run" in routing && typeof routing.terminate_run !== "boolean") problems.push("routing_state.terminate_run must be boolean.");
  for (const key of ["matched_connector_ids", "evaluations"]) {
    if (key in routing && !Array.isArray(routing[key])) problems.push(`routing_state.${key} must be a list.`);
  }
  if ("no_match" in routing && typeof routing.no_match !== "boolean") problems.push("routing_state.no_match must be boolean.");
  if (normalisedType(nodeType) === "decision") {
    problems.push(...connectorIdProblems("Decision routing_state", routing.matched_connector_ids));
  }
  return problems;
}

/** Both states of one node run, as the executor returns them (the dispatcher's post-run check). */
export function validateNodeStates(nodeType: string, out: unknown, routing: unknown): string[] {
  return [...validateNodeOutput(out, nodeType), ...validateRoutingState(routing, nodeType)];
}

/** Checks an artifact payload against its type's required keys and routing rules (§14.3). */
export function validateArtifactPayload(artifactType: string, payload: unknown): string[] {
  if (!isObject(payload)) return ["artifact_payload must be a JSON object."];
  const required = artifactRequiredKeys[normalisedType(artifactType)] ?? ["routing_state"];
  const problems = missingKeys("artifact_payload", payload, required);
  if (!("routing_state" in payload)) return problems;
  if (!isObject(payload.routing_state)) return [...problems, "artifact_payload.routing_state must be a JSON object."];
  return [...problems, ...validateRoutingState(payload.routing_state, artifactType)];
}

/** Throws ARK_CONTRACT_VIOLATION listing `problems` (from the functions above) when there are any. */
export function assertNoContractProblems(subject: string, problems: readonly string[]): void {
  if (problems.length === 0) return;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
  throw new ArkError("ARK_CONTRACT_VIOLATION", `${subject} violates its contract: ${problems[0]}${more}`, {
    details: { subject, issues: problems.map((message) => ({ instancePath: "", message })) },
  });
}
