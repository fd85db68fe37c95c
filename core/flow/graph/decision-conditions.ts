/**
 * The decision node (orchestration-and-events §6.1): evaluates `config.decision_conditions` against the input context
 * with the reference's condition grammar, rule by rule and with its reason texts, and produces the decision's
 * output_state and routing_state. Pure: no I/O, no clock.
 *
 * Grammar, tried in order on the trimmed condition text:
 *  0. empty → no match;
 *  1. `path == value` / `path != value` (path `[A-Za-z0-9_.]+`, value optionally quoted); a missing path never matches;
 *  2. `path contains value` (keyword and comparison case-insensitive);
 *  3. the whole text as a path: booleans as-is, other values by truthiness;
 *  4. case-insensitive equality with the upstream `route_key` (structured output, then routing state);
 *  5. case-insensitive substring of the canonical JSON of the whole input context (quirk Q18, kept for parity;
 *     the validator warns about free-text conditions that can only match this way);
 *  6. otherwise no match. There are no numeric comparisons: `x > 3` falls through to rule 5.
 */
import { ArkError } from "../../errors/index.js";
import { collectInputContextAttachments } from "./attachments.js";
import { canonicalJson, coerceBool, extractPathValue, routeKeyText, stringifyConditionValue } from "./condition-values.js";
import { conditionKeyOf, isJsonObject, type FlowConnector } from "./graph-model.js";

/** Which grammar rule decided a condition. */
export type ConditionRule = "empty" | "equals" | "not_equals" | "contains" | "path" | "route_key" | "context_text" | "none" | "skipped" | "legacy_route";

/** One evaluated condition, as stored in output_state.evaluations (`rule` is an ARK addition). */
export interface DecisionEvaluation {
  readonly connector_id: string;
  readonly condition_text: string;
  readonly matched: boolean;
  readonly reason: string;
  readonly rule: ConditionRule;
}

/** A decision's result: the three routing facts plus the full output and routing states. */
export interface DecisionResult {
  readonly matched_connector_ids: string[];
  readonly evaluations: DecisionEvaluation[];
  readonly no_match: boolean;
  readonly output_state: Record<string, unknown>;
  readonly routing_state: Record<string, unknown>;
}

/** A condition as configured: `{connector_id, condition_text}`. */
export interface DecisionCondition {
  readonly connector_id: string;
  readonly condition_text: string;
}

/** Evaluation options. */
export interface DecisionOptions {
  /** The cutover gate: when on, a decision without conditions fails instead of using the legacy route_key path. */
  readonly requireConditions?: boolean;
}

const UPSTREAM_ROUTE_PATHS = ["latest_upstream.output_state.structured_output.route_key", "latest_upstream.routing_state.route_key"];
const EQUALS = /^([A-Za-z0-9_.]+)\s*(==|!=)\s*(.+)$/;
const CONTAINS = /^([A-Za-z0-9_.]+)\s+contains\s+(.+)$/i;

/** The configured conditions: objects with a non-blank connector_id, first one per connector wins, texts trimmed. */
export function decisionConditionsOf(config: Readonly<Record<string, unknown>>): DecisionCondition[] {
  const raw = Array.isArray(config.decision_conditions) ? config.decision_conditions : [];
  const seen = new Set<string>();
  const conditions: DecisionCondition[] = [];
  for (const item of raw) {
    if (!isJsonObject(item)) continue;
    const connectorId = routeKeyText(item.connector_id);
    if (connectorId === "" || seen.has(connectorId)) continue;
    seen.add(connectorId);
    conditions.push({ connector_id: connectorId, condition_text: routeKeyText(item.condition_text) });
  }
  return conditions;
}

function stripQuotes(value: string): string {
  const text = value.trim();
  const quoted = text.length >= 2 && text[0] === text[text.length - 1] && (text[0] === '"' || text[0] === "'");
  return quoted ? text.slice(1, -1) : text;
}

/** Evaluates one condition text against an input context; returns whether it matched and why. */
export function evaluateCondition(conditionText: string, inputContext: unknown): { matched: boolean; reason: string; rule: ConditionRule } {
  const text = conditionText.trim();
  if (text === "") return { matched: false, reason: "Condition text is empty.", rule: "empty" };
  const equals = EQUALS.exec(text);
  if (equals) {
    const [, path, operator, rawExpected] = equals as unknown as [string, string, "==" | "!=", string];
    const resolved = extractPathValue(inputContext, path);
    const expected = stripQuotes(rawExpected);
    const rule = operator === "==" ? "equals" : "not_equals";
    if (resolved === undefined) return { matched: false, reason: `Path '${path}' was not found.`, rule };
    const actual = stringifyConditionValue(resolved);
    const matched = (actual === expected) === (operator === "==");
    return { matched, reason: `Compared path '${path}' value '${actual}' ${operator} '${expected}'.`, rule };
  }
  const contains = CONTAINS.exec(text);
  if (contains) {
    const [, path, rawExpected] = contains as unknown as [string, string, string];
    const resolved = extractPathValue(inputContext, path);
    const expected = stripQuotes(rawExpected);
    if (resolved === undefined) return { matched: false, reason: `Path '${path}' was not found.`, rule: "contains" };
    const actual = stringifyConditionValue(resolved);
    const matched = actual.toLowerCase().includes(expected.toLowerCase());
    return { matched, reason: `Checked whether path '${path}' value '${actual}' contains '${expected}'.`, rule: "contains" };
  }
  return evaluateLooseCondition(text, inputContext);
}

/** Rules 3-6: the text as a path, as an upstream route key, as a substring of the context. */
function evaluateLooseCondition(text: string, inputContext: unknown): { matched: boolean; reason: string; rule: ConditionRule } {
  const resolved = extractPathValue(inputContext, text);
  if (resolved !== undefined) {
    if (typeof resolved === "boolean") return { matched: resolved, reason: `Resolved '${text}' to boolean ${resolved}.`, rule: "path" };
    const matched = coerceBool(resolved);
    return { matched, reason: `Resolved '${text}' to '${stringifyConditionValue(resolved)}' (truthy=${matched}).`, rule: "path" };
  }
  for (const path of UPSTREAM_ROUTE_PATHS) {
    const candidate = routeKeyText(extractPathValue(inputContext, path));
    if (candidate !== "" && candidate.toLowerCase() === text.toLowerCase()) {
      return { matched: true, reason: `Matched route_key '${candidate}'.`, rule: "route_key" };
    }
  }
  if (canonicalJson(inputContext).toLowerCase().includes(text.toLowerCase())) {
    return { matched: true, reason: "Matched condition text in serialized input context.", rule: "context_text" };
  }
  return { matched: false, reason: "No matching value found in input context.", rule: "none" };
}

/**
 * Runs a decision node. `connectors` (optional) are the decision's outgoing connectors: when given, a condition for a
 * connector that is not one of its keyed solid connectors is skipped (not matched) instead of failing routing later.
 * Throws ARK_FLOW_ROUTING_FAILED when conditions are required (cutover on) and none are configured.
 */
export function evaluateDecision(
  nodeConfig: Readonly<Record<string, unknown>>,
  inputContext: Readonly<Record<string, unknown>>,
  connectors: readonly FlowConnector[] | null = null,
  options: DecisionOptions = {},
): DecisionResult {
  const conditions = decisionConditionsOf(nodeConfig);
  const attachments = collectInputContextAttachments(inputContext);
  if (conditions.length === 0) {
    if (options.requireConditions === true) {
      throw new ArkError("ARK_FLOW_ROUTING_FAILED", "Decision node requires decision_conditions when agent runtime cutover is enabled.", {
        details: { reason: "decision_conditions_required" },
      });
    }
    return legacyRouteDecision(nodeConfig, inputContext, attachments);
  }
  const available = connectors === null ? null : new Set(connectors.filter((c) => c.mode === "solid").map(conditionKeyOf).filter((k): k is string => k !== null));
  const evaluations: DecisionEvaluation[] = conditions.map(({ connector_id, condition_text }) => {
    if (available !== null && !available.has(connector_id)) {
      const reason = `Connector '${connector_id}' is not a solid outgoing connector of this decision; condition skipped.`;
      return { connector_id, condition_text, matched: false, reason, rule: "skipped" };
    }
    return { connector_id, condition_text, ...evaluateCondition(condition_text, inputContext) };
  });
  const matched = evaluations.filter((e) => e.matched).map((e) => e.connector_id);
  return assemble(matched, evaluations, { attachments }, matched[0] ?? "");
}

/** No conditions and no cutover: the upstream route_key picks the connector (the reference's legacy behaviour). */
function legacyRouteDecision(config: Readonly<Record<string, unknown>>, inputContext: unknown, attachments: unknown[]): DecisionResult {
  const path = routeKeyText(config.route_field_path) || UPSTREAM_ROUTE_PATHS[0]!;
  let value = extractPathValue(inputContext, path);
  if (value === undefined) value = extractPathValue(inputContext, UPSTREAM_ROUTE_PATHS[1]!);
  const routeKey = routeKeyText(value);
  const reason = routeKey !== "" ? `Resolved legacy route key '${routeKey}'.` : `Could not resolve route key from '${path}'.`;
  const evaluation: DecisionEvaluation = { connector_id: routeKey, condition_text: path, matched: routeKey !== "", reason, rule: "legacy_route" };
  const extra = { resolved_route_path: path, resolved_route_key: routeKey === "" ? null : routeKey, attachments };
  return assemble(routeKey === "" ? [] : [routeKey], [evaluation], extra, routeKey);
}

function assemble(matched: string[], evaluations: DecisionEvaluation[], extra: Record<string, unknown>, routeKey: string): DecisionResult {
  const noMatch = matched.length === 0;
  const routing: Record<string, unknown> = { matched_connector_ids: [...matched], evaluations, no_match: noMatch };
  if (routeKey !== "") routing.route_key = routeKey;
  return {
    matched_connector_ids: matched,
    evaluations,
    no_match: noMatch,
    output_state: { node_type: "decision", matched_connector_ids: [...matched], evaluations, no_match: noMatch, ...extra },
    routing_state: routing,
  };
}

/** True when a condition text parses as neither `==`/`!=`/`contains` nor a bare path, so only rules 4-5 can match it. */
export function isFreeTextCondition(conditionText: string): boolean {
  const text = conditionText.trim();
  return text !== "" && !EQUALS.test(text) && !CONTAINS.test(text) && !/^[A-Za-z0-9_.]+$/.test(text);
}
