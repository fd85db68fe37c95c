/** Test helpers of core/migration: a small migration step, legacy exports, and SQL probes. Tests only. */
import type { FlowMigrationContribution } from "../plugin-api/contributions.js";
import type { Queryable } from "../store/store-port.js";
import { buildMigrationChain, type MigrationChain } from "./migration-chain.js";

/** Step 1 → 2: marks every node `migrated: true` and decision-less keyed edges lose nothing; `config.block` blocks. */
export const markStep: FlowMigrationContribution = {
  id: "mark",
  from: 1,
  to: 2,
  transform(definition, context) {
    const next = structuredClone(definition) as { nodes: { id: string; config: Record<string, unknown> }[]; edges: { edge_mode: string; condition_key: string | null }[] };
    for (const node of next.nodes) {
      if (node.config.migrated !== true) context?.issue({ code: "transform.marked", message: `node ${node.id} marked`, severity: "warning", node_id: node.id });
      node.config.migrated = true;
    }
    for (const edge of next.edges) if (edge.condition_key === "legacy") edge.condition_key = "modern";
    return next as unknown as Record<string, unknown>;
  },
  validate(definition) {
    const nodes = (definition as { nodes: { id: string; config: Record<string, unknown> }[] }).nodes;
    return nodes.filter((n) => n.config.block === true).map((n) => ({ code: "validation.blocked_on_purpose", message: `node ${n.id} blocks`, severity: "error" as const, node_id: n.id }));
  },
};

/** The chain of `markStep` alone. */
export function markChain(): MigrationChain {
  return buildMigrationChain([{ pluginId: "test", value: markStep }]);
}

/** A legacy export of a small flowchart: start → work → end, `work` with the given config. */
export function legacyFlow(name: string, workConfig: Record<string, unknown> = {}, legacyId = 1): Record<string, unknown> {
  return {
    flowchart: { id: legacyId, name },
    nodes: [
      { id: 1, node_type: "start", x: 0, y: 0, config_json: "{}" },
      { id: 2, node_type: "task", x: 1.5, y: 0, config_json: JSON.stringify({ task_prompt: "work", ...workConfig }) },
      { id: 3, node_type: "end", x: 3, y: 0, config_json: "{}" },
    ],
    edges: [
      { id: 1, source_node_id: 1, target_node_id: 2, edge_mode: "solid" },
      { id: 2, source_node_id: 2, target_node_id: 3, edge_mode: "solid", condition_key: "legacy" },
    ],
  };
}

/** Inserts a run of the flowchart in `status` (what the engine would have written) and returns its id. */
export async function insertRun(db: Queryable, flowchartId: string, status: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO ark_flow_runs (flowchart_id, status, schema_version, graph, settings, entry_node_id)
     VALUES ($1, $2, 1, '{"nodes": [], "connectors": []}'::jsonb, '{}'::jsonb, '1') RETURNING id::text AS id`,
    [flowchartId, status],
  );
  return rows[0]!.id;
}

/** Schema version and node configs of a stored flowchart. */
export async function storedState(db: Queryable, flowchartId: string): Promise<{ version: number; configs: Record<string, unknown>; keys: (string | null)[]; evidence: number }> {
  const version = await db.query<{ schema_version: number }>("SELECT schema_version FROM ark_flowcharts WHERE id = $1", [flowchartId]);
  const nodes = await db.query<{ id: string; config: unknown }>("SELECT id, config FROM ark_flow_nodes WHERE flowchart_id = $1 ORDER BY ordinal", [flowchartId]);
  const edges = await db.query<{ condition_key: string | null }>("SELECT condition_key FROM ark_flow_connectors WHERE flowchart_id = $1 ORDER BY ordinal", [flowchartId]);
  const evidence = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM ark_flow_migration_evidence WHERE flowchart_id = $1", [flowchartId]);
  return {
    version: Number(version.rows[0]?.schema_version),
    configs: Object.fromEntries(nodes.rows.map((r) => [r.id, r.config])),
    keys: edges.rows.map((r) => r.condition_key),
    evidence: Number(evidence.rows[0]!.n),
  };
}
