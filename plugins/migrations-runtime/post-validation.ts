/**
 * Post-transform validation (reference tools-and-migration §6.3): node types, refs, task prompts, the binding
 * compatibility matrix (policy), the memory node's system MCP server (policy), the graph rules (one start, edge
 * endpoints, keys only on decision solid edges), fan-in counts, end nodes, decision connectors and fallbacks.
 */
import { parseFanInCustomCount, parseFanInMode, type FlowMigrationContext, type FlowMigrationIssue, type FlowSnapshot, type SnapshotNode } from "../../core/plugin-api/index.js";
import { issue, policyIssue } from "./migration-issues.js";

/** The node types of the runtime schema. */
export const NODE_TYPES: ReadonlySet<string> = new Set(["start", "end", "flowchart", "task", "plan", "milestone", "memory", "decision", "rag"]);
/** Only a subflow needs its target: ARK's plan and milestone nodes create their record when they have no ref_id. */
const REQUIRES_REF = new Set(["flowchart"]);
const ALLOWS_REF = new Set(["flowchart", "plan", "milestone", "memory"]);
/** Node types that create their record when neither ref_id nor this config key names one (plugins tools-plan, tools-milestone). */
const CREATES_RECORD: Readonly<Record<string, string>> = { plan: "plan_id", milestone: "milestone_id" };

type Binding = "model" | "mcp" | "scripts" | "skills" | "attachments";
/** FLOWCHART_NODE_UTILITY_COMPATIBILITY of the migration (not the MCP surface's table; quirk 6). */
const COMPATIBILITY: Readonly<Record<string, readonly Binding[]>> = {
  start: [], end: [], flowchart: ["model", "attachments"], decision: ["model", "attachments"], rag: ["model", "attachments"],
  task: ["model", "mcp", "scripts", "skills", "attachments"], plan: ["model", "mcp", "scripts", "skills", "attachments"],
  milestone: ["model", "mcp", "scripts", "skills", "attachments"], memory: ["model", "mcp", "scripts", "skills", "attachments"],
};
const BINDINGS: readonly [Binding, keyof SnapshotNode, string][] = [
  ["model", "model_id", "policy.unsupported_model_binding"], ["mcp", "mcp_server_ids", "policy.unsupported_mcp_binding"],
  ["scripts", "script_ids", "policy.unsupported_script_binding"], ["skills", "skill_ids", "policy.unsupported_skill_binding"],
  ["attachments", "attachment_ids", "policy.unsupported_attachment_binding"],
];

const bound = (value: unknown) => (Array.isArray(value) ? value.length > 0 : value !== null && value !== undefined && value !== "");

function nodeIssues(node: SnapshotNode, context: FlowMigrationContext | undefined, systemMcpId: string | null, out: FlowMigrationIssue[]): void {
  const at = { nodeId: node.id };
  if (!NODE_TYPES.has(node.node_type)) return void out.push(issue("validation.unknown_node_type", `Node ${node.id} has unknown node_type ${JSON.stringify(node.node_type)}.`, "error", at));
  if (REQUIRES_REF.has(node.node_type) && node.ref_id === null) out.push(issue("validation.missing_ref_id", `Node ${node.id} (${node.node_type}) requires ref_id.`, "error", at));
  const idKey = CREATES_RECORD[node.node_type];
  if (idKey && node.ref_id === null && node.config[idKey] === undefined) {
    out.push(issue("validation.ref_id_auto_create", `Node ${node.id} (${node.node_type}) has no ref_id: each run creates its own ${node.node_type} (once per run and node); set ref_id or config.${idKey} to share one.`, "warning", at));
  }
  if (!ALLOWS_REF.has(node.node_type) && node.ref_id !== null) out.push(issue("validation.unexpected_ref_id", `Node ${node.id} (${node.node_type}) must not have ref_id.`, "error", at));
  if (node.node_type === "task" && String(node.config.task_prompt ?? "").trim() === "") out.push(issue("validation.task_prompt_required", `Task node ${node.id} requires config.task_prompt.`, "error", at));
  const allowed = COMPATIBILITY[node.node_type]!;
  for (const [binding, field, code] of BINDINGS) {
    if (!allowed.includes(binding) && bound(node[field])) out.push(policyIssue(context, code, `Node ${node.id} (${node.node_type}) does not support ${binding} bindings.`, at));
  }
  if (node.node_type === "memory") {
    const ids = (node.mcp_server_ids ?? []).map(String);
    if (ids.length === 0 || (systemMcpId !== null && !ids.includes(systemMcpId))) {
      out.push(policyIssue(context, "policy.memory_missing_llmctl_mcp", `Memory node ${node.id} must be bound to the system-managed llmctl-mcp server.`, at));
    }
  }
}

function graphIssues(snapshot: FlowSnapshot, context: FlowMigrationContext | undefined, out: FlowMigrationIssue[]): void {
  const nodes = new Map(snapshot.nodes.map((n) => [n.id, n]));
  const starts = snapshot.nodes.filter((n) => n.node_type === "start").length;
  if (starts !== 1) out.push(issue("validation.start_node_count", `Flowchart must have exactly one start node (found ${starts}).`, "error"));
  for (const edge of snapshot.edges) {
    const at = { edgeId: edge.id };
    const source = nodes.get(edge.source_node_id);
    if (!source) out.push(issue("validation.edge_source_missing", `Edge ${edge.id} source node ${edge.source_node_id} does not exist.`, "error", at));
    if (!nodes.has(edge.target_node_id)) out.push(issue("validation.edge_target_missing", `Edge ${edge.id} target node ${edge.target_node_id} does not exist.`, "error", at));
    if (!source || !nodes.has(edge.target_node_id)) continue;
    const decisionSolid = source.node_type === "decision" && edge.edge_mode === "solid";
    if (decisionSolid && edge.condition_key === null) out.push(issue("validation.decision_condition_key_required", `Decision edge ${edge.id} requires condition_key.`, "error", at));
    if (!decisionSolid && edge.condition_key !== null) {
      out.push(policyIssue(context, "policy.non_decision_condition_key", `Edge ${edge.id} has condition_key ${edge.condition_key} but is not a decision solid edge.`, at));
    }
  }
}

function routingIssues(snapshot: FlowSnapshot, out: FlowMigrationIssue[]): void {
  const known = new Set(snapshot.nodes.map((n) => n.id));
  for (const node of snapshot.nodes) {
    if (!NODE_TYPES.has(node.node_type)) continue;
    const at = { nodeId: node.id };
    const incoming = snapshot.edges.filter((e) => e.target_node_id === node.id && e.edge_mode === "solid" && known.has(e.source_node_id));
    const parents = new Set(incoming.map((e) => e.source_node_id)).size;
    if (parseFanInMode(node.config.fan_in_mode) === "custom") {
      const count = parseFanInCustomCount(node.config.fan_in_custom_count);
      if (typeof count !== "number") out.push(issue("validation.fan_in_custom_count_required", `Node ${node.id} fan_in_mode custom requires a positive fan_in_custom_count.`, "error", at));
      else if (parents === 0 || count > parents) out.push(issue("validation.fan_in_custom_count_range", `Node ${node.id} fan_in_custom_count ${count} must be between 1 and its ${parents} solid parent(s).`, "error", at));
    }
    const outgoing = snapshot.edges.filter((e) => e.source_node_id === node.id);
    if (node.node_type === "end" && outgoing.length > 0) out.push(issue("validation.end_node_outgoing_edges", `End node ${node.id} must not have outgoing edges.`, "error", at));
    if (node.node_type !== "decision") continue;
    const keys = outgoing.filter((e) => e.edge_mode === "solid" && e.condition_key !== null).map((e) => e.condition_key!);
    if (keys.length === 0) out.push(issue("validation.decision_missing_solid_outgoing", `Decision node ${node.id} has no keyed solid outgoing edges.`, "error", at));
    if (new Set(keys).size !== keys.length) out.push(issue("validation.decision_duplicate_condition_keys", `Decision node ${node.id} has duplicate condition keys.`, "error", at));
    const fallback = typeof node.config.fallback_condition_key === "string" ? node.config.fallback_condition_key.trim() : "";
    if (fallback !== "" && !keys.includes(fallback)) out.push(issue("validation.decision_fallback_missing_connector", `Decision node ${node.id} fallback_condition_key ${fallback} is not one of its solid connectors.`, "error", at));
    if (String(node.config.no_match_policy ?? "").trim().toLowerCase() === "fallback" && fallback === "") {
      out.push(issue("validation.decision_fallback_policy_requires_connector", `Decision node ${node.id} no_match_policy fallback requires fallback_condition_key.`, "error", at));
    }
  }
}

/** Every §6.3 issue of a transformed snapshot; `systemMcpId` is the llmctl-mcp server id when known. */
export function validateRuntimeSchema(snapshot: FlowSnapshot, context: FlowMigrationContext | undefined, systemMcpId: string | null): FlowMigrationIssue[] {
  const out: FlowMigrationIssue[] = [];
  for (const node of snapshot.nodes) nodeIssues(node, context, systemMcpId, out);
  graphIssues(snapshot, context, out);
  routingIssues(snapshot, out);
  return out;
}
