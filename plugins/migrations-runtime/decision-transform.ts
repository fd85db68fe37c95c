/**
 * Decision connector sync (reference tools-and-migration §6.2, decision): every solid outgoing edge gets a unique
 * condition key, in edge order, and `decision_conditions` is rebuilt to one `{connector_id, condition_text}` per
 * connector. ARK deviation (the same fix as core/flow/graph's decision sync): a generated `connector_N` skips every
 * explicit key of the decision, so an explicit key is never renamed because a generated one took it first.
 */
import type { SnapshotEdge, SnapshotNode } from "../../core/plugin-api/index.js";
import { issue, type IssueSink } from "./migration-issues.js";

function nextConnectorId(taken: ReadonlySet<string>): string {
  for (let n = 1; ; n++) if (!taken.has(`connector_${n}`)) return `connector_${n}`;
}

/** The condition texts already configured, by connector id (other fields such as `label` are dropped, as in the reference). */
function existingTexts(config: Record<string, unknown>): Map<string, string> {
  const texts = new Map<string, string>();
  const list = Array.isArray(config.decision_conditions) ? config.decision_conditions : [];
  for (const entry of list) {
    if (typeof entry !== "object" || entry === null) continue;
    const { connector_id: id, condition_text: text } = entry as Record<string, unknown>;
    const key = typeof id === "string" ? id.trim() : "";
    if (key !== "" && !texts.has(key)) texts.set(key, typeof text === "string" ? text : "");
  }
  return texts;
}

/** Syncs one decision node's solid outgoing edges and conditions in place. */
export function syncDecision(node: SnapshotNode, edges: readonly SnapshotEdge[], sink: IssueSink): void {
  if ("route_field_path" in node.config) {
    delete node.config.route_field_path;
    sink(issue("transform.removed_legacy_route_field_path", `Decision node ${node.id} route_field_path was removed (decisions route by connector conditions).`, "warning", { nodeId: node.id }));
  }
  const solid = edges.filter((e) => e.source_node_id === node.id && e.edge_mode === "solid");
  const explicit = new Set(solid.map((e) => (e.condition_key ?? "").trim()).filter((k) => k !== ""));
  const used = new Set<string>();
  for (const edge of solid) {
    const key = (edge.condition_key ?? "").trim();
    if (key === "" || used.has(key)) {
      const generated = nextConnectorId(new Set([...used, ...explicit]));
      const code = key === "" ? "transform.generated_decision_connector_id" : "transform.deduped_decision_connector_id";
      const why = key === "" ? "had no condition key" : `repeated condition key ${key}`;
      sink(issue(code, `Decision node ${node.id} edge ${edge.id} ${why}; set to ${generated}.`, "warning", { nodeId: node.id, edgeId: edge.id }));
      edge.condition_key = generated;
    } else {
      edge.condition_key = key;
    }
    used.add(edge.condition_key);
  }
  const texts = existingTexts(node.config);
  node.config.decision_conditions = solid.map((e) => ({ connector_id: e.condition_key!, condition_text: texts.get(e.condition_key!) ?? "" }));
}
