/**
 * The one-time runtime-schema transform (reference tools-and-migration §6.2): edges normalised (mode, trimmed key),
 * every node's routing config normalised, legacy route paths removed, decision connectors synced, the special nodes'
 * runtime defaults made explicit, and `policy.non_decision_condition_key` for keyed edges leaving non-decisions (the
 * key is kept: whether to drop it is the operator's call). Pure: the input snapshot is not changed.
 */
import { parseConnectorMode, type FlowMigrationContext, type FlowSnapshot, type SnapshotEdge } from "../../core/plugin-api/index.js";
import { syncDecision } from "./decision-transform.js";
import { issue, policyIssue, type IssueSink } from "./migration-issues.js";
import { normaliseRoutingConfig } from "./routing-config-transform.js";
import { migrateSpecialNode } from "./special-node-transform.js";

function normaliseEdge(edge: SnapshotEdge, sink: IssueSink): void {
  const mode = parseConnectorMode(edge.edge_mode);
  if (mode === null) {
    sink(issue("transform.defaulted_edge_mode", `Edge ${edge.id} edge_mode ${JSON.stringify(edge.edge_mode ?? null)} is not solid, dotted or dashed; set to solid.`, "warning", { edgeId: edge.id }));
  }
  edge.edge_mode = mode ?? "solid";
  const key = typeof edge.condition_key === "string" ? edge.condition_key.trim() : "";
  edge.condition_key = key === "" ? null : key;
}

/** Transforms a snapshot; issues go to `context.issue` in node order, then edge order. */
export function transformRuntimeSchema(input: FlowSnapshot, context?: FlowMigrationContext): FlowSnapshot {
  const snapshot = structuredClone(input);
  const sink: IssueSink = (found) => context?.issue(found);
  const edgeIssues: Parameters<IssueSink>[0][] = [];
  for (const edge of snapshot.edges) normaliseEdge(edge, (found) => edgeIssues.push(found));
  for (const node of snapshot.nodes) {
    node.node_type = String(node.node_type ?? "").trim().toLowerCase();
    node.config = typeof node.config === "object" && node.config !== null && !Array.isArray(node.config) ? node.config : {};
    normaliseRoutingConfig(node.config, node.id, sink);
    if (node.node_type === "task" && "route_key_path" in node.config) {
      delete node.config.route_key_path;
      sink(issue("transform.removed_legacy_route_key_path", `Task node ${node.id} route_key_path was removed (routing reads route_key).`, "warning", { nodeId: node.id }));
    }
    if (node.node_type === "decision") syncDecision(node, snapshot.edges, sink);
    migrateSpecialNode(node, sink);
  }
  for (const found of edgeIssues) sink(found);
  const types = new Map(snapshot.nodes.map((n) => [n.id, n.node_type]));
  for (const edge of snapshot.edges) {
    const sourceType = types.get(edge.source_node_id);
    if (edge.condition_key !== null && sourceType !== undefined && sourceType !== "decision") {
      sink(policyIssue(context, "policy.non_decision_condition_key", `Edge ${edge.id} from ${sourceType} node ${edge.source_node_id} has condition_key ${edge.condition_key}; only decision solid edges route by key.`, { edgeId: edge.id }));
    }
  }
  return snapshot;
}
