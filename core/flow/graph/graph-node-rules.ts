/**
 * Per-node validation rules (orchestration-and-events §2.3 rules 1-5, 10-12, 14), driven by the node-type
 * capability table. Messages are the reference's; codes are ARK's stable snake_case names.
 */
import { decisionConditionsOf, isFreeTextCondition } from "./decision-conditions.js";
import { conditionKeyOf, type FlowNode } from "./graph-model.js";
import { nodeLabel, type RuleContext } from "./graph-rule-context.js";
import type { NodeTypeCapabilities } from "./node-type-capabilities.js";
import { fallbackConditionKeyOf, parseFanInCustomCount, parseFanInMode, parseNoMatchPolicy, routingConfigProblems } from "./routing-config.js";

const BINDINGS = [
  ["model", "models"],
  ["mcp", "MCP servers"],
  ["scripts", "scripts"],
  ["skills", "skills"],
  ["attachments", "attachments"],
] as const;

function hasBinding(node: FlowNode, capability: (typeof BINDINGS)[number][0]): boolean {
  switch (capability) {
    case "model":
      return node.modelId !== undefined && node.modelId !== null;
    case "mcp":
      return (node.mcpServerIds?.length ?? 0) > 0;
    case "scripts":
      return (node.scriptIds?.length ?? 0) > 0;
    case "skills":
      return (node.skillIds?.length ?? 0) > 0;
    case "attachments":
      return (node.attachmentIds?.length ?? 0) > 0;
  }
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "") || (Array.isArray(value) && value.length === 0);
}

/** Rules 1-5 for one node; returns its capabilities, or null when its type is unknown (rule 2, structural). */
export function checkNodeDefinition(ctx: RuleContext, node: FlowNode): NodeTypeCapabilities | null {
  const { sink } = ctx;
  const label = nodeLabel(node);
  for (const problem of routingConfigProblems(node.config, `nodes[${node.id}].config`)) {
    sink.semanticIssue({ code: problem.code, message: `${label} ${problem.message}`, nodeId: node.id });
  }
  const caps = ctx.registry.get(node.type);
  if (caps === undefined) {
    sink.structuralIssue({ code: "node_type_unknown", message: `Node ${node.id} has unknown node_type '${node.type}'.`, nodeId: node.id });
    return null;
  }
  const hasRef = node.refId !== undefined && node.refId !== null;
  if (caps.ref === "required" && !hasRef) sink.semanticIssue({ code: "ref_required", message: `${label} requires ref_id.`, nodeId: node.id });
  if (caps.ref === "forbidden" && hasRef) sink.semanticIssue({ code: "ref_not_allowed", message: `${label} does not allow ref_id.`, nodeId: node.id });
  for (const key of caps.requiredConfigKeys) {
    if (isBlank(node.config[key])) sink.semanticIssue({ code: "config_key_required", message: `${label} requires config.${key}.`, nodeId: node.id });
  }
  for (const problem of ctx.options.configProblems?.(node, caps) ?? []) {
    sink.semanticIssue({ code: "node_config_invalid", message: `${label} ${problem}`, nodeId: node.id });
  }
  if (caps.requiresSystemMcp && !hasBinding(node, "mcp")) {
    sink.semanticIssue({ code: "system_mcp_server_required", message: `${label} requires the system-managed LLMCTL MCP server.`, nodeId: node.id });
  }
  for (const [capability, noun] of BINDINGS) {
    if (hasBinding(node, capability) && !caps[capability]) {
      sink.structuralIssue({ code: `${capability}_binding_unsupported`, message: `${label} does not support ${noun}.`, nodeId: node.id });
    }
  }
  if (!caps.fanIn && !isBlank(node.config.fan_in_mode)) {
    sink.warning({ code: "fan_in_ignored", message: `${label} ignores config.fan_in_mode: it does not wait for its parents.`, nodeId: node.id });
  }
  return caps;
}

/** Rules 10-12 for one node of a known type: custom fan-in against its solid parents, outgoing limit, decision rules. */
export function checkNodeConnections(ctx: RuleContext, node: FlowNode, caps: NodeTypeCapabilities): void {
  checkCustomFanIn(ctx, node);
  const outgoing = ctx.index.outgoing(node.id);
  if (caps.maxOutgoing !== null && outgoing.length > caps.maxOutgoing) {
    const message =
      node.type === "end"
        ? `End node ${node.id} cannot have outgoing edges.`
        : `${nodeLabel(node)} cannot have more than ${caps.maxOutgoing} outgoing connectors; found ${outgoing.length}.`;
    ctx.sink.semanticIssue({ code: node.type === "end" ? "end_node_outgoing" : "outgoing_limit_exceeded", message, nodeId: node.id });
  }
  if (caps.routesByConditionKey) checkDecision(ctx, node);
}

function checkCustomFanIn(ctx: RuleContext, node: FlowNode): void {
  if (parseFanInMode(node.config.fan_in_mode) !== "custom") return;
  const label = nodeLabel(node);
  const count = parseFanInCustomCount(node.config.fan_in_custom_count);
  const parents = ctx.index.solidParentIds(node.id).length;
  if (count === null) {
    ctx.sink.semanticIssue({ code: "fan_in_custom_count_required", message: `${label} config.fan_in_custom_count is required when fan_in_mode is custom.`, nodeId: node.id });
  } else if (count === "invalid") {
    return; // reported by the routing-config rule
  } else if (parents === 0) {
    ctx.sink.semanticIssue({ code: "fan_in_custom_without_parents", message: `${label} cannot use custom fan-in without solid incoming connectors.`, nodeId: node.id });
  } else if (count > parents) {
    ctx.sink.semanticIssue({ code: "fan_in_custom_count_too_large", message: `${label} config.fan_in_custom_count must be <= solid incoming connector count (${parents}).`, nodeId: node.id });
  }
}

function checkDecision(ctx: RuleContext, node: FlowNode): void {
  const { sink } = ctx;
  const solid = ctx.index.outgoing(node.id).filter((c) => c.mode === "solid");
  if (solid.length === 0) {
    sink.semanticIssue({ code: "decision_solid_connector_required", message: `Decision node ${node.id} must have at least one solid outgoing edge.`, nodeId: node.id });
  }
  const keys = solid.map(conditionKeyOf).filter((k): k is string => k !== null);
  if (new Set(keys).size !== keys.length) {
    sink.semanticIssue({ code: "decision_condition_key_duplicate", message: `Decision node ${node.id} has duplicate condition_key values across solid edges.`, nodeId: node.id });
  }
  const fallback = fallbackConditionKeyOf(node.config);
  if (fallback !== null && !keys.includes(fallback)) {
    sink.semanticIssue({
      code: "decision_fallback_unknown",
      message: `Decision node ${node.id} fallback_condition_key '${fallback}' does not match a solid outgoing connector.`,
      nodeId: node.id,
    });
  }
  const policy = parseNoMatchPolicy(node.config.no_match_policy);
  if (policy === "fallback" && fallback === null) {
    sink.semanticIssue({ code: "decision_fallback_required", message: `Decision node ${node.id} requires fallback_condition_key when no_match_policy is fallback.`, nodeId: node.id });
  }
  if (policy === "fail" && fallback !== null) {
    sink.warning({ code: "decision_fallback_unused", message: `Decision node ${node.id} has no_match_policy fail, so fallback_condition_key '${fallback}' is never used.`, nodeId: node.id });
  }
  for (const condition of decisionConditionsOf(node.config)) {
    if (!isFreeTextCondition(condition.condition_text)) continue;
    sink.warning({
      code: "decision_condition_free_text",
      message: `Decision node ${node.id} condition for '${condition.connector_id}' is free text: it matches whenever '${condition.condition_text}' appears anywhere in the input context. Prefer 'path == value' or 'path contains value'.`,
      nodeId: node.id,
    });
  }
}

/** Rule 14: the referenced row exists (only when the caller can look rows up). */
export function checkNodeReference(ctx: RuleContext, node: FlowNode, caps: NodeTypeCapabilities): void {
  const lookup = ctx.options.refExists;
  if (lookup === undefined || caps.ref === "forbidden" || node.refId === undefined || node.refId === null) return;
  if (!lookup(node.type, node.refId)) {
    ctx.sink.semanticIssue({ code: "ref_not_found", message: `${nodeLabel(node)} ref_id ${node.refId} does not exist.`, nodeId: node.id });
  }
}
