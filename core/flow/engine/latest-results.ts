/**
 * The latest successful result of nodes in a run (reference §4.3 `latest_results`), read from the node runs when a
 * dotted or dashed connector pulls them (§7). A replay run starts from its source's results (`base_state`); its own
 * results win once it has them.
 */
import type { Queryable } from "../../store/store-port.js";
import { isJsonObject, type LatestResult, type LatestResults } from "../graph/index.js";

interface LatestRow {
  node_id: string;
  node_type: string;
  execution_index: number;
  sequence: number;
  output_state: Record<string, unknown> | null;
  routing_state: Record<string, unknown> | null;
}

/** Latest results of `nodeIds` in the run (only those that succeeded at least once). */
export async function latestResultsFor(db: Queryable, runId: string, nodeIds: readonly string[], hasBase: boolean): Promise<LatestResults> {
  if (nodeIds.length === 0) return {};
  const result: Record<string, LatestResult> = hasBase ? await baseResults(db, runId, nodeIds) : {};
  const { rows } = await db.query<LatestRow>(
    `SELECT DISTINCT ON (node_id) node_id, node_type, execution_index, sequence, output_state, routing_state
       FROM ark_flow_node_runs WHERE run_id = $1 AND status = 'succeeded' AND node_id = ANY($2::text[])
      ORDER BY node_id, sequence DESC`,
    [runId, [...nodeIds]],
  );
  for (const row of rows) {
    result[row.node_id] = {
      node_type: row.node_type, execution_index: Number(row.execution_index), sequence: Number(row.sequence),
      output_state: row.output_state ?? {}, routing_state: row.routing_state ?? {},
    };
  }
  return result;
}

async function baseResults(db: Queryable, runId: string, nodeIds: readonly string[]): Promise<Record<string, LatestResult>> {
  const { rows } = await db.query<{ base: unknown }>("SELECT base_state->'latest_results' AS base FROM ark_flow_runs WHERE id = $1", [runId]);
  const base = rows[0]?.base;
  const out: Record<string, LatestResult> = {};
  if (!isJsonObject(base)) return out;
  for (const id of nodeIds) if (isJsonObject(base[id])) out[id] = base[id] as unknown as LatestResult;
  return out;
}

/** The next execution_index of a node in a run (a replay continues its source's counts). */
export async function nextExecutionIndex(db: Queryable, runId: string, nodeId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT GREATEST(
        COALESCE((SELECT max(execution_index) FROM ark_flow_node_runs WHERE run_id = $1 AND node_id = $2), 0),
        COALESCE((SELECT (base_state->'execution_counts'->>$2)::int FROM ark_flow_runs WHERE id = $1), 0)) + 1 AS n`,
    [runId, nodeId],
  );
  return Number(rows[0]!.n);
}
