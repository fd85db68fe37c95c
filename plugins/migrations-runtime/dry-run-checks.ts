/**
 * Dry execution checks (reference tools-and-migration §6.4) through ARK's own runtime functions — the same
 * `resolveOutgoingConnectors` and `resolveFanInRequirement` the flow engine calls — so "ready" means the engine can
 * route every decision outcome and every configured route key, and resolve every join.
 *
 * The stale "unresolvable route key" case (quirk 1, reference M-4): ARK keeps the runtime semantics of the
 * reference's HEAD, which the engine implements — a non-decision `route_key` that matches none of the node's keyed
 * solid edges fails (error `dry_run.route_resolution_failed`); with no keyed solid edges at all the key is ignored and
 * every solid edge fires. Because that silently ignores configuration, ARK adds the warning `dry_run.route_key_ignored`.
 */
import {
  fallbackConditionKeyOf,
  parseNoMatchPolicy,
  resolveFanInRequirement,
  resolveOutgoingConnectors,
  type FlowConnector,
  type FlowMigrationIssue,
  type FlowSnapshot,
  type SnapshotNode,
} from "../../core/plugin-api/index.js";
import { issue } from "./migration-issues.js";

function connectorsOf(snapshot: FlowSnapshot): FlowConnector[] {
  const known = new Set(snapshot.nodes.map((n) => n.id));
  return snapshot.edges
    .filter((e) => known.has(e.source_node_id) && known.has(e.target_node_id))
    .map((e) => ({ id: e.id, source: e.source_node_id, target: e.target_node_id, mode: e.edge_mode === "dotted" || e.edge_mode === "dashed" ? e.edge_mode : "solid", conditionKey: e.condition_key }));
}

function simulate(node: SnapshotNode, outgoing: readonly FlowConnector[], routingState: Record<string, unknown>, out: FlowMigrationIssue[]): void {
  const outcome = resolveOutgoingConnectors({ type: node.node_type, config: node.config }, outgoing, routingState);
  if (!outcome.ok) out.push(issue("dry_run.route_resolution_failed", outcome.message, "error", { nodeId: node.id }));
}

function decisionChecks(node: SnapshotNode, outgoing: readonly FlowConnector[], out: FlowMigrationIssue[]): void {
  const keyed = outgoing.filter((c) => c.mode === "solid" && c.conditionKey);
  const fallback = fallbackConditionKeyOf(node.config);
  if (keyed.length > 0) simulate(node, outgoing, { matched_connector_ids: [keyed[0]!.conditionKey], route_key: keyed[0]!.conditionKey, no_match: false }, out);
  // With no_match_policy fail ARK never takes the fallback (quirk Q20 fixed), so there is no fallback route to check.
  if (fallback !== null && parseNoMatchPolicy(node.config.no_match_policy) !== "fail") simulate(node, outgoing, { matched_connector_ids: [], no_match: true }, out);
  if (keyed.length === 0 && fallback === null) simulate(node, outgoing, { matched_connector_ids: [], no_match: true }, out);
}

function routeKeyChecks(node: SnapshotNode, outgoing: readonly FlowConnector[], out: FlowMigrationIssue[]): void {
  const routeKey = String(node.config.route_key ?? "").trim();
  if (routeKey === "") return;
  const keyed = outgoing.filter((c) => c.mode === "solid" && c.conditionKey);
  if (keyed.length === 0 && outgoing.some((c) => c.mode === "solid")) {
    out.push(issue("dry_run.route_key_ignored", `Node ${node.id} route_key ${routeKey} is ignored: none of its solid outgoing edges has a condition_key, so all of them fire.`, "warning", { nodeId: node.id }));
  }
  simulate(node, outgoing, { route_key: routeKey }, out);
}

/** The §6.4 checks of a transformed snapshot. */
export function dryRunRuntimeSchema(snapshot: FlowSnapshot): FlowMigrationIssue[] {
  const out: FlowMigrationIssue[] = [];
  const connectors = connectorsOf(snapshot);
  for (const node of snapshot.nodes) {
    const parents = new Set(connectors.filter((c) => c.target === node.id && c.mode === "solid").map((c) => c.source)).size;
    try {
      resolveFanInRequirement(node.config, parents);
    } catch (err) {
      out.push(issue("dry_run.fan_in_resolution_failed", `Node ${node.id} fan-in cannot be resolved: ${err instanceof Error ? err.message : String(err)}`, "error", { nodeId: node.id }));
    }
    const outgoing = connectors.filter((c) => c.source === node.id);
    if (node.node_type === "decision") decisionChecks(node, outgoing, out);
    else routeKeyChecks(node, outgoing, out);
  }
  return out;
}
