/**
 * The flowchart migration snapshot (reference tools-and-migration §6.1) built from ARK's stored graph, and its hash.
 * Field names are the reference's, so migration steps and evidence read the same as the predecessor's. Node and
 * edge order is the stored order (ARK keeps connector order meaningful; the reference sorted by integer id, and the
 * legacy import stores rows in that order).
 */
import { runtimeConnectorMode, sortedUniqueIds, type FlowConnector, type FlowGraph, type FlowNode } from "../flow/graph/index.js";
import { canonicalHash, canonicalJsonText, type FloatPath } from "./canonical-json.js";

/** One node of a snapshot. */
export interface SnapshotNode {
  id: string;
  node_type: string;
  ref_id: number | null;
  title: string | null;
  x: number;
  y: number;
  model_id: string | number | null;
  config: Record<string, unknown>;
  mcp_server_ids: (string | number)[];
  script_ids: (string | number)[];
  skill_ids: (string | number)[];
  attachment_ids: (string | number)[];
}

/** One edge of a snapshot. */
export interface SnapshotEdge {
  id: string;
  source_node_id: string;
  target_node_id: string;
  source_handle_id: string | null;
  target_handle_id: string | null;
  edge_mode: string;
  condition_key: string | null;
  label: string | null;
}

/** A flowchart as migration steps see it. */
export interface FlowSnapshot {
  flowchart: { id: string; name: string };
  nodes: SnapshotNode[];
  edges: SnapshotEdge[];
}

/** Node x/y were Python floats in the reference, so they hash as `0.0`. */
export const snapshotFloatPaths: FloatPath = (path) => path.length === 3 && path[0] === "nodes" && (path[2] === "x" || path[2] === "y");

/** sha256 of the snapshot's canonical JSON (the reference's `_snapshot_hash`). */
export function snapshotHash(snapshot: unknown): string {
  return canonicalHash(snapshot, snapshotFloatPaths);
}

/** The snapshot's canonical JSON text. */
export function snapshotText(snapshot: unknown): string {
  return canonicalJsonText(snapshot, snapshotFloatPaths);
}

function sortedIds(ids: readonly (string | number)[] | undefined): (string | number)[] {
  const byText = new Map((ids ?? []).map((id) => [String(id), id] as const));
  return sortedUniqueIds(byText.keys()).map((key) => byText.get(key)!);
}

function finite(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function snapshotNode(node: FlowNode): SnapshotNode {
  return {
    id: node.id,
    node_type: node.type.trim().toLowerCase(),
    ref_id: typeof node.refId === "number" ? node.refId : null,
    title: node.title ?? null,
    x: finite(node.position?.x),
    y: finite(node.position?.y),
    model_id: node.modelId ?? null,
    config: structuredClone(node.config ?? {}),
    mcp_server_ids: sortedIds(node.mcpServerIds),
    script_ids: sortedIds(node.scriptIds),
    skill_ids: sortedIds(node.skillIds),
    attachment_ids: sortedIds(node.attachmentIds),
  };
}

function snapshotEdge(connector: FlowConnector): SnapshotEdge {
  const key = typeof connector.conditionKey === "string" ? connector.conditionKey.trim() : "";
  return {
    id: connector.id,
    source_node_id: connector.source,
    target_node_id: connector.target,
    source_handle_id: connector.sourceHandle ?? null,
    target_handle_id: connector.targetHandle ?? null,
    edge_mode: runtimeConnectorMode(connector.mode),
    condition_key: key === "" ? null : key,
    label: connector.label ?? null,
  };
}

/** The snapshot of a stored flowchart (name trimmed, or "Flowchart <id>"). */
export function buildFlowSnapshot(flowchart: { id: string; name: string }, graph: FlowGraph): FlowSnapshot {
  const name = flowchart.name.trim();
  return {
    flowchart: { id: flowchart.id, name: name === "" ? `Flowchart ${flowchart.id}` : name },
    nodes: graph.nodes.map(snapshotNode),
    edges: graph.connectors.map(snapshotEdge),
  };
}
