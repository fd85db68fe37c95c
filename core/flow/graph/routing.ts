/**
 * Which outgoing connectors a finished node run activates (orchestration-and-events §6), as a pure function of the
 * node, its outgoing connectors (graph order) and its routing_state. Only solid connectors are ever selected.
 * Failures come back as data with the reference's messages, so the orchestrator can record them on the node run.
 *
 * ARK fixes quirk Q20: `no_match_policy: fail` is honoured — a decision that matched nothing fails even when a
 * fallback key is configured. With the policy unset or `fallback`, the fallback connector is used as in the reference.
 */
import { routeKeyText } from "./condition-values.js";
import type { UpstreamToken } from "./fan-in.js";
import { conditionKeyOf, type FlowConnector } from "./graph-model.js";
import { fallbackConditionKeyOf, parseNoMatchPolicy } from "./routing-config.js";

/** The node whose output is being routed (its original config, without runtime-injected flags). */
export interface RoutingNode {
  readonly type: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/** Routing options. */
export interface RoutingOptions {
  /** Use decision semantics (condition keys); defaults to `node.type === "decision"`, or the type's capability. */
  readonly routesByConditionKey?: boolean;
  /** The cutover gate: when on, a decision must report matched_connector_ids (no legacy route_key routing). */
  readonly requireMatchSet?: boolean;
}

/** Connectors to activate, or a routing failure with a stable reason and the reference's message. */
export type RoutingOutcome =
  | { readonly ok: true; readonly terminateRun: boolean; readonly selected: FlowConnector[] }
  | { readonly ok: false; readonly reason: string; readonly message: string };

const fail = (reason: string, message: string): RoutingOutcome => ({ ok: false, reason, message });
const pick = (selected: FlowConnector[]): RoutingOutcome => ({ ok: true, terminateRun: false, selected });

/** Resolves the connectors a node run activates. `routingState.terminate_run === true` ends the run instead. */
export function resolveOutgoingConnectors(
  node: RoutingNode,
  outgoing: readonly FlowConnector[],
  routingState: Readonly<Record<string, unknown>>,
  options: RoutingOptions = {},
): RoutingOutcome {
  if (routingState.terminate_run === true) return { ok: true, terminateRun: true, selected: [] };
  if (outgoing.length === 0) return pick([]);
  const solid = outgoing.filter((c) => c.mode === "solid");
  const routeKey = routeKeyText(routingState.route_key);
  if (options.routesByConditionKey ?? node.type === "decision") return routeDecision(node, solid, routingState, routeKey, options);
  const conditioned = solid.filter((c) => conditionKeyOf(c) !== null);
  if (routeKey !== "") {
    const matched = conditioned.filter((c) => conditionKeyOf(c) === routeKey);
    if (matched.length > 0) return pick(matched);
    if (conditioned.length > 0) return fail("route_key_unmatched", `Route key '${routeKey}' has no matching solid outgoing edge.`);
  }
  return pick(solid);
}

function routeDecision(
  node: RoutingNode,
  solid: FlowConnector[],
  routingState: Readonly<Record<string, unknown>>,
  routeKey: string,
  options: RoutingOptions,
): RoutingOutcome {
  if (solid.length === 0) return fail("decision_no_solid_connectors", "Decision node has no solid outgoing edges.");
  const explicit = Object.prototype.hasOwnProperty.call(routingState, "matched_connector_ids") || isTruthy(routingState.no_match);
  if (explicit) return routeMatchSet(node, solid, routingState, routeKey);
  if (options.requireMatchSet === true) {
    return fail("decision_match_set_required", "Decision routing_state.matched_connector_ids is required when agent runtime cutover is enabled.");
  }
  // Legacy route_key routing: exactly one connector, the route's or the fallback's.
  if (routeKey === "") return fail("decision_route_key_missing", "Decision node did not produce a route_key.");
  const fallbackKey = fallbackConditionKeyOf(node.config);
  const chosen = solid.find((c) => conditionKeyOf(c) === routeKey) ?? (fallbackKey === null ? undefined : solid.find((c) => conditionKeyOf(c) === fallbackKey));
  if (chosen) return pick([chosen]);
  return fail("decision_route_unmatched", `Decision route '${routeKey}' has no matching outgoing edge and no fallback.`);
}

function routeMatchSet(node: RoutingNode, solid: FlowConnector[], routingState: Readonly<Record<string, unknown>>, routeKey: string): RoutingOutcome {
  const rawIds = Array.isArray(routingState.matched_connector_ids) ? routingState.matched_connector_ids : [];
  const matched = new Set(rawIds.map(routeKeyText).filter((id) => id !== ""));
  const available = new Set(solid.map(conditionKeyOf).filter((k): k is string => k !== null));
  const unknown = [...matched].filter((id) => !available.has(id)).sort();
  if (unknown.length > 0) return fail("decision_unknown_connectors", `Decision routing referenced unknown connector_id(s): ${unknown.join(", ")}`);
  if (routeKey !== "" && !matched.has(routeKey)) {
    return fail("decision_route_key_not_matched", "Decision routing_state.route_key must be included in matched_connector_ids.");
  }
  if (matched.size > 0) return pick(solid.filter((c) => matched.has(conditionKeyOf(c) ?? "")));
  const fallbackKey = fallbackConditionKeyOf(node.config);
  if (parseNoMatchPolicy(node.config.no_match_policy) === "fail") {
    return fail("decision_no_match", "Decision produced no matched_connector_ids and its no_match_policy is fail.");
  }
  if (fallbackKey === null) {
    return fail("decision_no_match", "Decision produced no matched_connector_ids and no fallback_condition_key was configured.");
  }
  const fallback = solid.find((c) => conditionKeyOf(c) === fallbackKey);
  if (fallback) return pick([fallback]);
  return fail("decision_fallback_invalid", `Decision no-match fallback '${fallbackKey}' is not a valid solid outgoing connector.`);
}

/** The reference reads `no_match` loosely (coerce_bool); the contract requires a boolean, so this only matters for bad input. */
function isTruthy(value: unknown): boolean {
  if (typeof value === "string") return ["1", "true", "yes", "on"].includes(value.trim().toLowerCase());
  return value === true || (typeof value === "number" && value !== 0);
}

/** A finished node run whose output travels downstream. */
export interface RoutedEmission {
  readonly nodeId: string;
  readonly nodeType: string;
  readonly executionIndex: number;
  readonly sequence: number;
  readonly output_state: Readonly<Record<string, unknown>>;
  readonly routing_state: Readonly<Record<string, unknown>>;
}

/** One token per selected connector, in selection order (§4.4 step 9). */
export function tokensForSelected(emission: RoutedEmission, selected: readonly FlowConnector[]): { target: string; token: UpstreamToken }[] {
  return selected.map((connector) => ({
    target: connector.target,
    token: {
      source_node_id: emission.nodeId,
      source_edge_id: connector.id,
      node_type: emission.nodeType,
      condition_key: conditionKeyOf(connector),
      edge_mode: connector.mode,
      execution_index: emission.executionIndex,
      sequence: emission.sequence,
      output_state: emission.output_state,
      routing_state: emission.routing_state,
    },
  }));
}
