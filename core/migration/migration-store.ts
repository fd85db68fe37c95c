/**
 * SQL of the flow migration: flowchart rows and graphs, active runs, the write-back of a migrated snapshot, and the
 * evidence table `ark_flow_migration_evidence` (core/store/migrations/0005_flow_migration_evidence.sql).
 */
import { ArkError } from "../errors/index.js";
import { runtimeConnectorMode } from "../flow/graph/index.js";
import { readGraphRows } from "../flow/store/graph-rows.js";
import type { Queryable } from "../store/store-port.js";
import { canonicalJsonText } from "./canonical-json.js";
import { buildFlowSnapshot, type FlowSnapshot } from "./flow-snapshot.js";

/** A flowchart row as the migration needs it. */
export interface FlowchartMeta {
  readonly id: string;
  readonly name: string;
  readonly schemaVersion: number;
}

/** One evidence row. */
export interface EvidenceRow {
  readonly id: string;
  readonly flowchartId: string;
  readonly action: "apply" | "rollback";
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly preSnapshot: FlowSnapshot;
  readonly preHash: string;
  readonly postSnapshot: FlowSnapshot;
  readonly postHash: string;
  readonly createdAt: string;
  readonly rolledBackAt: string | null;
}

/** Statuses of a run that is not finished (a migration must not change its flowchart under it). */
export const ACTIVE_RUN_STATUSES = ["queued", "running", "pausing", "paused", "stopping"] as const;

const META = "id::text AS id, name, schema_version";

/**
 * Flowcharts ordered by id; `ids` (already validated) limits the list, null means all. A named id that does not exist
 * is ARK_NOT_FOUND naming every missing one: an operator who scoped the run to it must not read "0 analysed" as done.
 */
export async function listFlowcharts(db: Queryable, ids: readonly string[] | null): Promise<FlowchartMeta[]> {
  const { rows } = ids === null
    ? await db.query<{ id: string; name: string; schema_version: number }>(`SELECT ${META} FROM ark_flowcharts ORDER BY id`)
    : await db.query<{ id: string; name: string; schema_version: number }>(`SELECT ${META} FROM ark_flowcharts WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]);
  const found = new Set(rows.map((r) => r.id));
  const missing = (ids ?? []).filter((id) => !found.has(id));
  if (missing.length > 0) {
    const which = missing.length === 1 ? `Flowchart ${missing[0]} does not exist` : `Flowcharts ${missing.join(", ")} do not exist`;
    throw new ArkError("ARK_NOT_FOUND", `${which}; nothing was migrated or rolled back.`, { details: { flowchartIds: missing } });
  }
  return rows.map((r) => ({ id: r.id, name: r.name, schemaVersion: Number(r.schema_version) }));
}

/** Locks one flowchart row for the surrounding transaction; null when it no longer exists. */
export async function lockFlowchart(tx: Queryable, id: string): Promise<FlowchartMeta | null> {
  const { rows } = await tx.query<{ id: string; name: string; schema_version: number }>(`SELECT ${META} FROM ark_flowcharts WHERE id = $1 FOR UPDATE`, [id]);
  const row = rows[0];
  return row ? { id: row.id, name: row.name, schemaVersion: Number(row.schema_version) } : null;
}

/** The snapshot of a stored flowchart. */
export async function readSnapshot(db: Queryable, meta: FlowchartMeta): Promise<FlowSnapshot> {
  return buildFlowSnapshot(meta, await readGraphRows(db, meta.id));
}

/** Ids of the flowchart's runs that are not finished, oldest first. */
export async function activeRunIds(db: Queryable, flowchartId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT id::text AS id FROM ark_flow_runs WHERE flowchart_id = $1 AND status = ANY($2::text[]) ORDER BY id",
    [flowchartId, [...ACTIVE_RUN_STATUSES]],
  );
  return rows.map((r) => r.id);
}

/**
 * Writes `target` over the stored graph the way the reference applies a migration (§6.6): node config, edge mode and
 * condition key where they differ; nothing else (titles, bindings, positions, handles stay); unknown ids are skipped.
 */
export async function writeSnapshot(tx: Queryable, flowchartId: string, current: FlowSnapshot, target: FlowSnapshot): Promise<{ updated_nodes: number; updated_edges: number }> {
  const currentNodes = new Map(current.nodes.map((n) => [n.id, canonicalJsonText(n.config)]));
  const nodes = target.nodes.filter((n) => currentNodes.has(n.id) && currentNodes.get(n.id) !== canonicalJsonText(n.config)).map((n) => ({ id: n.id, config: n.config }));
  const currentEdges = new Map(current.edges.map((e) => [e.id, e]));
  const edges = target.edges
    .map((e) => ({ id: e.id, mode: runtimeConnectorMode(e.edge_mode), condition_key: typeof e.condition_key === "string" && e.condition_key.trim() !== "" ? e.condition_key.trim() : null }))
    .filter((e) => {
      const was = currentEdges.get(e.id);
      return was !== undefined && (was.edge_mode !== e.mode || was.condition_key !== e.condition_key);
    });
  if (nodes.length > 0) {
    await tx.query(
      `UPDATE ark_flow_nodes AS n SET config = r.config FROM jsonb_to_recordset($2::jsonb) AS r(id text, config jsonb)
       WHERE n.flowchart_id = $1 AND n.id = r.id`,
      [flowchartId, JSON.stringify(nodes)],
    );
  }
  if (edges.length > 0) {
    await tx.query(
      `UPDATE ark_flow_connectors AS c SET mode = r.mode, condition_key = r.condition_key
       FROM jsonb_to_recordset($2::jsonb) AS r(id text, mode text, condition_key text)
       WHERE c.flowchart_id = $1 AND c.id = r.id`,
      [flowchartId, JSON.stringify(edges)],
    );
  }
  return { updated_nodes: nodes.length, updated_edges: edges.length };
}

/** Sets the flowchart's schema version. */
export async function setSchemaVersion(tx: Queryable, flowchartId: string, version: number): Promise<void> {
  await tx.query("UPDATE ark_flowcharts SET schema_version = $2, updated_at = now() WHERE id = $1", [flowchartId, version]);
}

/** Records one apply or rollback; returns the evidence id. */
export async function insertEvidence(
  tx: Queryable,
  row: Omit<EvidenceRow, "id" | "createdAt" | "rolledBackAt"> & { steps: readonly string[]; strictPolicy: boolean; actor: string; report: unknown; at: Date },
): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO ark_flow_migration_evidence
       (flowchart_id, action, from_version, to_version, steps, strict_policy, pre_snapshot, pre_hash, post_snapshot, post_hash, report, actor, created_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8, $9::jsonb, $10, $11::jsonb, $12, $13::timestamptz) RETURNING id::text AS id`,
    [
      row.flowchartId, row.action, row.fromVersion, row.toVersion, JSON.stringify(row.steps), row.strictPolicy, JSON.stringify(row.preSnapshot), row.preHash,
      JSON.stringify(row.postSnapshot), row.postHash, JSON.stringify(row.report), row.actor, row.at.toISOString(),
    ],
  );
  return rows[0]!.id;
}

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

const parsed = <T>(value: unknown): T => (typeof value === "string" ? JSON.parse(value) : value) as T;

/** The newest apply of a flowchart that was not rolled back yet; null when there is none. */
export async function latestApply(db: Queryable, flowchartId: string): Promise<EvidenceRow | null> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT id::text AS id, flowchart_id::text AS flowchart_id, action, from_version, to_version, pre_snapshot, pre_hash, post_snapshot, post_hash, created_at, rolled_back_at
     FROM ark_flow_migration_evidence WHERE flowchart_id = $1 AND action = 'apply' AND rolled_back_at IS NULL ORDER BY id DESC LIMIT 1`,
    [flowchartId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: String(r.id), flowchartId: String(r.flowchart_id), action: r.action as "apply", fromVersion: Number(r.from_version), toVersion: Number(r.to_version),
    preSnapshot: parsed<FlowSnapshot>(r.pre_snapshot), preHash: String(r.pre_hash), postSnapshot: parsed<FlowSnapshot>(r.post_snapshot), postHash: String(r.post_hash),
    createdAt: iso(r.created_at)!, rolledBackAt: iso(r.rolled_back_at),
  };
}

/** Ids of flowcharts with an apply that can be rolled back, ordered. */
export async function rollbackCandidates(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT DISTINCT flowchart_id::text AS id, flowchart_id FROM ark_flow_migration_evidence WHERE action = 'apply' AND rolled_back_at IS NULL ORDER BY flowchart_id",
  );
  return rows.map((r) => r.id);
}

/** Marks an apply as rolled back by the rollback evidence row `byId`. */
export async function markRolledBack(tx: Queryable, evidenceId: string, byId: string, at: Date): Promise<void> {
  await tx.query("UPDATE ark_flow_migration_evidence SET rolled_back_at = $2::timestamptz, rolled_back_by = $3 WHERE id = $1", [evidenceId, at.toISOString(), byId]);
}
