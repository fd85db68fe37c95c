/**
 * A FlowGraph as rows of ark_flow_nodes / ark_flow_connectors and back. Order is kept through `ordinal` (connector
 * order decides fan-out and decision route order). Writes are one statement per table (jsonb_to_recordset).
 */
import type { Queryable } from "../../store/store-port.js";
import type { FlowConnector, FlowGraph, FlowNode } from "../graph/index.js";

interface NodeRow {
  id: string;
  node_type: string;
  ref_id: string | null;
  title: string | null;
  config: Record<string, unknown>;
  extra: Record<string, unknown>;
}

interface ConnectorRow {
  id: string;
  source_node_id: string;
  target_node_id: string;
  mode: FlowConnector["mode"];
  condition_key: string | null;
  label: string | null;
  extra: Record<string, unknown>;
}

const NODE_EXTRA_KEYS = ["position", "modelId", "mcpServerIds", "scriptIds", "skillIds", "attachmentIds"] as const;
const CONNECTOR_EXTRA_KEYS = ["sourceHandle", "targetHandle", "controlPoints", "controlPointStyle"] as const;

function pickDefined(source: object, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = (source as Record<string, unknown>)[key];
    if (value !== undefined && value !== null) out[key] = value;
  }
  return out;
}

/** Replaces the stored graph of a flowchart (connectors first: they reference nodes). */
export async function writeGraphRows(tx: Queryable, flowchartId: string, graph: FlowGraph): Promise<void> {
  await tx.query("DELETE FROM ark_flow_connectors WHERE flowchart_id = $1", [flowchartId]);
  await tx.query("DELETE FROM ark_flow_nodes WHERE flowchart_id = $1", [flowchartId]);
  const nodes = graph.nodes.map((n, ordinal) => ({
    id: n.id, ordinal, node_type: n.type, ref_id: n.refId ?? null, title: n.title ?? null, config: n.config, extra: pickDefined(n, NODE_EXTRA_KEYS),
  }));
  if (nodes.length > 0) {
    await tx.query(
      `INSERT INTO ark_flow_nodes (flowchart_id, id, ordinal, node_type, ref_id, title, config, extra)
       SELECT $1, r.id, r.ordinal, r.node_type, r.ref_id, r.title, COALESCE(r.config, '{}'), COALESCE(r.extra, '{}')
       FROM jsonb_to_recordset($2::jsonb) AS r(id text, ordinal int, node_type text, ref_id bigint, title text, config jsonb, extra jsonb)`,
      [flowchartId, JSON.stringify(nodes)],
    );
  }
  const connectors = graph.connectors.map((c, ordinal) => ({
    id: c.id, ordinal, source: c.source, target: c.target, mode: c.mode, condition_key: c.conditionKey ?? null, label: c.label ?? null,
    extra: pickDefined(c, CONNECTOR_EXTRA_KEYS),
  }));
  if (connectors.length > 0) {
    await tx.query(
      `INSERT INTO ark_flow_connectors (flowchart_id, id, ordinal, source_node_id, target_node_id, mode, condition_key, label, extra)
       SELECT $1, r.id, r.ordinal, r.source, r.target, r.mode, r.condition_key, r.label, COALESCE(r.extra, '{}')
       FROM jsonb_to_recordset($2::jsonb) AS r(id text, ordinal int, source text, target text, mode text, condition_key text, label text, extra jsonb)`,
      [flowchartId, JSON.stringify(connectors)],
    );
  }
}

/** Reads a flowchart's graph in stored order. */
export async function readGraphRows(db: Queryable, flowchartId: string): Promise<FlowGraph> {
  const nodeRows = await db.query<NodeRow>(
    "SELECT id, node_type, ref_id, title, config, extra FROM ark_flow_nodes WHERE flowchart_id = $1 ORDER BY ordinal",
    [flowchartId],
  );
  const connectorRows = await db.query<ConnectorRow>(
    "SELECT id, source_node_id, target_node_id, mode, condition_key, label, extra FROM ark_flow_connectors WHERE flowchart_id = $1 ORDER BY ordinal",
    [flowchartId],
  );
  const nodes: FlowNode[] = nodeRows.rows.map((r) => ({
    id: r.id, type: r.node_type, refId: r.ref_id === null ? null : Number(r.ref_id), title: r.title, config: r.config ?? {}, ...r.extra,
  }));
  const connectors: FlowConnector[] = connectorRows.rows.map((r) => ({
    id: r.id, source: r.source_node_id, target: r.target_node_id, mode: r.mode, conditionKey: r.condition_key, label: r.label, ...r.extra,
  }));
  return { nodes, connectors };
}
