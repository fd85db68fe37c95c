/**
 * Decision connector sync, run on every graph save (orchestration-and-events §2.4): each solid connector leaving a
 * decision gets a unique condition key (a missing or duplicate key becomes the next free `connector_{n}`), and the
 * decision's `config.decision_conditions` is rewritten as `[{connector_id, condition_text}]` in connector order —
 * texts kept by connector id, stale entries (and extra fields) dropped, new connectors with "".
 *
 * ARK fixes a reference quirk: generated keys skip every key written explicitly on the decision's connectors, so a
 * later explicit key is never renamed because an earlier generated one took it.
 */
import { conditionKeyOf, isJsonObject, type FlowConnector, type FlowGraph, type FlowNode } from "./graph-model.js";
import type { NodeTypeCapabilityRegistry } from "./node-type-capabilities.js";

/** One key the sync assigned. */
export interface DecisionKeyChange {
  readonly nodeId: string;
  readonly connectorId: string;
  readonly from: string | null;
  readonly to: string;
  readonly reason: "generated" | "deduplicated";
}

/** Whether a node routes by condition keys (registry capability; `decision` when no registry is given). */
export function routesByConditionKey(node: Pick<FlowNode, "type">, registry?: NodeTypeCapabilityRegistry): boolean {
  return registry?.get(node.type)?.routesByConditionKey ?? node.type === "decision";
}

/** Returns the synced graph (input untouched) and the keys it had to assign. */
export function syncDecisionConnectors(graph: FlowGraph, registry?: NodeTypeCapabilityRegistry): { graph: FlowGraph; changes: DecisionKeyChange[] } {
  const changes: DecisionKeyChange[] = [];
  const keyById = new Map<string, string>();
  const decisions = graph.nodes.filter((node) => routesByConditionKey(node, registry));
  const configs = new Map<string, Record<string, unknown>>();
  for (const node of decisions) {
    const solid = graph.connectors.filter((c) => c.source === node.id && c.mode === "solid");
    const keys = assignKeys(node.id, solid, changes);
    solid.forEach((connector, i) => keyById.set(connector.id, keys[i]!));
    configs.set(node.id, { ...node.config, decision_conditions: rebuiltConditions(node.config, keys) });
  }
  return {
    graph: {
      nodes: graph.nodes.map((node) => (configs.has(node.id) ? { ...node, config: configs.get(node.id)! } : node)),
      connectors: graph.connectors.map((c): FlowConnector => (keyById.has(c.id) && keyById.get(c.id) !== c.conditionKey ? { ...c, conditionKey: keyById.get(c.id)! } : c)),
    },
    changes,
  };
}

function assignKeys(nodeId: string, solid: readonly FlowConnector[], changes: DecisionKeyChange[]): string[] {
  const reserved = new Set(solid.map(conditionKeyOf).filter((k): k is string => k !== null));
  const used = new Set<string>();
  let next = 1;
  const freeKey = (): string => {
    while (used.has(`connector_${next}`) || reserved.has(`connector_${next}`)) next++;
    return `connector_${next}`;
  };
  return solid.map((connector) => {
    const key = conditionKeyOf(connector);
    if (key !== null && !used.has(key)) {
      used.add(key);
      return key;
    }
    const assigned = freeKey();
    used.add(assigned);
    changes.push({ nodeId, connectorId: connector.id, from: key, to: assigned, reason: key === null ? "generated" : "deduplicated" });
    return assigned;
  });
}

function rebuiltConditions(config: Readonly<Record<string, unknown>>, keys: readonly string[]): { connector_id: string; condition_text: string }[] {
  const textById = new Map<string, string>();
  const existing = Array.isArray(config.decision_conditions) ? config.decision_conditions : [];
  for (const item of existing) {
    if (!isJsonObject(item)) continue;
    const id = typeof item.connector_id === "string" || typeof item.connector_id === "number" ? String(item.connector_id).trim() : "";
    if (id === "" || textById.has(id)) continue;
    textById.set(id, typeof item.condition_text === "string" ? item.condition_text : "");
  }
  return keys.map((key) => ({ connector_id: key, condition_text: textById.get(key) ?? "" }));
}
