/**
 * Lookups over one FlowGraph, built once: nodes by id, outgoing/incoming connectors in graph order, solid parents,
 * the start node, and solid-edge reachability. The validator, the join analysis and the orchestrator share it.
 */
import { compareGraphIds, sortedUniqueIds, type FlowConnector, type FlowGraph, type FlowNode } from "./graph-model.js";

/** Read-only lookups over a graph. */
export interface GraphIndex {
  readonly graph: FlowGraph;
  readonly nodesById: ReadonlyMap<string, FlowNode>;
  /** Connectors leaving each node, in graph order (the reference's edge-id order). */
  outgoing(nodeId: string): readonly FlowConnector[];
  /** Connectors entering each node, in graph order. */
  incoming(nodeId: string): readonly FlowConnector[];
  /** Unique sources of the node's solid incoming connectors, sorted (the fan-in parent set, §5.2). */
  solidParentIds(nodeId: string): readonly string[];
  /** The node of type `start` when there is exactly one; null otherwise. */
  readonly startNodeId: string | null;
}

/** Builds the index; connectors whose endpoints are unknown are left out of the adjacency. */
export function indexGraph(graph: FlowGraph): GraphIndex {
  const nodesById = new Map<string, FlowNode>();
  for (const node of graph.nodes) if (!nodesById.has(node.id)) nodesById.set(node.id, node);
  const outgoing = new Map<string, FlowConnector[]>();
  const incoming = new Map<string, FlowConnector[]>();
  for (const connector of graph.connectors) {
    if (!nodesById.has(connector.source) || !nodesById.has(connector.target)) continue;
    push(outgoing, connector.source, connector);
    push(incoming, connector.target, connector);
  }
  const parents = new Map<string, string[]>();
  for (const [target, list] of incoming) {
    parents.set(target, sortedUniqueIds(list.filter((c) => c.mode === "solid").map((c) => c.source)));
  }
  const starts = graph.nodes.filter((node) => node.type === "start");
  return {
    graph,
    nodesById,
    outgoing: (id) => outgoing.get(id) ?? [],
    incoming: (id) => incoming.get(id) ?? [],
    solidParentIds: (id) => parents.get(id) ?? [],
    startNodeId: starts.length === 1 ? starts[0]!.id : null,
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Node ids reachable from `from` over solid connectors (including `from`), never entering any node in `blocked`.
 * With `blocked` empty this is the reference's reachability check (§2.3 rule 13).
 */
export function solidReachable(index: GraphIndex, from: string, blocked: ReadonlySet<string> = new Set()): Set<string> {
  const seen = new Set<string>();
  if (blocked.has(from) || !index.nodesById.has(from)) return seen;
  const stack = [from];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (seen.has(current)) continue;
    seen.add(current);
    for (const connector of index.outgoing(current)) {
      if (connector.mode === "solid" && !seen.has(connector.target) && !blocked.has(connector.target)) stack.push(connector.target);
    }
  }
  return seen;
}

/** Ids of nodes not reachable from the start node over solid connectors, sorted; empty without one start node. */
export function disconnectedNodeIds(index: GraphIndex): string[] {
  if (index.startNodeId === null) return [];
  const reached = solidReachable(index, index.startNodeId);
  return [...index.nodesById.keys()].filter((id) => !reached.has(id)).sort(compareGraphIds);
}
