/** Compact graph builders for this folder's tests. */
import type { ConnectorMode, FlowConnector, FlowGraph, FlowNode } from "./graph-model.js";

/** [id, type, config?, extra?] */
export type NodeSpec = [string, string, Record<string, unknown>?, Partial<FlowNode>?];
/** [source, target, mode?, conditionKey?, id?] */
export type ConnectorSpec = [string, string, ConnectorMode?, (string | null)?, string?];

/** A node. */
export function node(id: string, type: string, config: Record<string, unknown> = {}, extra: Partial<FlowNode> = {}): FlowNode {
  return { id, type, config, ...extra };
}

/** A connector; its id defaults to `source->target`. */
export function connector(source: string, target: string, mode: ConnectorMode = "solid", conditionKey: string | null = null, id?: string): FlowConnector {
  return { id: id ?? `${source}->${target}`, source, target, mode, conditionKey };
}

/** A graph from specs. */
export function graphOf(nodes: NodeSpec[], connectors: ConnectorSpec[] = []): FlowGraph {
  return {
    nodes: nodes.map(([id, type, config, extra]) => node(id, type, config, extra)),
    connectors: connectors.map(([s, t, m, k, id]) => connector(s, t, m, k ?? null, id)),
  };
}
