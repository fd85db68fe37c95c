/**
 * Retrieval audit rows (reference §4.4): who asked (request id, runtime kind, run and node-run ids from the call's
 * scope), what came back (collection, path, chunk, score, a 1200-character snippet, rank). Written per query in one
 * multi-row INSERT (arrays unnested server-side, the same SQL on PGlite and PostgreSQL), read back paged by the
 * `audits` operation, and purged past the configured retention in batches.
 */
import { randomUUID } from "node:crypto";
import type { Queryable } from "../../core/plugin-api/index.js";
import type { Citation } from "./rag-retrieval.js";

/** Characters of a chunk kept in its audit row (the reference's snippet length). */
export const AUDIT_SNIPPET_CHARS = 1200;
const PURGE_BATCH = 5000;

/** Who made a query, from its input and the call's scope. */
export interface AuditOrigin {
  readonly requestId: string;
  readonly runtimeKind: string;
  readonly flowchartRunId: string | null;
  readonly nodeRunId: string | null;
}

/** One stored audit row as `audits` answers it. */
export interface AuditRow {
  readonly id: number;
  readonly request_id: string;
  readonly runtime_kind: string;
  readonly flowchart_run_id: string | null;
  readonly flowchart_node_run_id: string | null;
  readonly provider: string;
  readonly collection: string;
  readonly source_id: string;
  readonly path: string;
  readonly chunk_id: string;
  readonly score: number;
  readonly snippet: string;
  readonly retrieval_rank: number;
  readonly created_at: string;
}

/** Filters and paging of `audits` (validated by its input schema). */
export interface AuditQuery {
  readonly request_id?: string;
  readonly flowchart_run_id?: string | number;
  readonly flowchart_node_run_id?: string | number;
  readonly collection?: string;
  readonly limit?: number;
  readonly offset?: number;
}

function idText(value: unknown): string | null {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

/**
 * The origin of a query: the request id from the input, else the scope, else a new one (returned in the output so
 * the caller can find its rows); run ids from the scope (a node run's tool host pins them; plain HTTP has none).
 */
export function auditOriginOf(inputRequestId: string | undefined, scope: Readonly<Record<string, unknown>>): AuditOrigin {
  const nodeRunId = idText(scope.node_run_id);
  return {
    requestId: idText(inputRequestId) ?? idText(scope.request_id) ?? randomUUID(),
    runtimeKind: idText(scope.runtime_kind) ?? (nodeRunId !== null ? "flowchart" : "api"),
    flowchartRunId: idText(scope.flowchart_run_id),
    nodeRunId,
  };
}

/** Writes one row per citation in one statement; returns how many. */
export async function writeAudits(db: Queryable, origin: AuditOrigin, citations: readonly Citation[], texts: ReadonlyMap<string, string>): Promise<number> {
  if (citations.length === 0) return 0;
  await db.query(
    `INSERT INTO ark_rag_retrieval_audits
       (request_id, runtime_kind, flowchart_run_id, flowchart_node_run_id, provider, collection, source_id, path, chunk_id, score, snippet, retrieval_rank)
     SELECT $1, $2, $3, $4, 'postgres', c, c, p, k, s, t, r
       FROM unnest($5::text[], $6::text[], $7::text[], $8::float8[], $9::text[], $10::int[]) AS u(c, p, k, s, t, r)`,
    [
      origin.requestId, origin.runtimeKind, origin.flowchartRunId, origin.nodeRunId,
      citations.map((c) => c.collection), citations.map((c) => c.path), citations.map((c) => c.chunk_id), citations.map((c) => c.score),
      citations.map((c) => (texts.get(c.chunk_id) ?? c.excerpt).replace(/\0/g, "").slice(0, AUDIT_SNIPPET_CHARS)), citations.map((c) => c.rank),
    ],
  );
  return citations.length;
}

/** A page of audit rows matching every given filter: newest query first, its rows by rank. */
export async function listAudits(db: Queryable, query: AuditQuery): Promise<{ audits: AuditRow[]; limit: number; offset: number; next_offset: number | null }> {
  const limit = query.limit ?? 50;
  const offset = query.offset ?? 0;
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT id, request_id, runtime_kind, flowchart_run_id, flowchart_node_run_id, provider, collection, source_id, path, chunk_id, score, snippet,
            retrieval_rank, created_at
       FROM ark_rag_retrieval_audits
      WHERE ($1::text IS NULL OR request_id = $1) AND ($2::text IS NULL OR flowchart_run_id = $2)
        AND ($3::text IS NULL OR flowchart_node_run_id = $3) AND ($4::text IS NULL OR lower(collection) = lower($4))
      ORDER BY created_at DESC, request_id, retrieval_rank, id
      LIMIT $5 OFFSET $6`,
    [idText(query.request_id), idText(query.flowchart_run_id), idText(query.flowchart_node_run_id), idText(query.collection), limit + 1, offset],
  );
  const audits = rows.slice(0, limit).map((r) => ({
    id: Number(r.id), request_id: String(r.request_id), runtime_kind: String(r.runtime_kind),
    flowchart_run_id: (r.flowchart_run_id as string | null) ?? null, flowchart_node_run_id: (r.flowchart_node_run_id as string | null) ?? null,
    provider: String(r.provider), collection: String(r.collection), source_id: String(r.source_id), path: String(r.path), chunk_id: String(r.chunk_id),
    score: Number(r.score), snippet: String(r.snippet), retrieval_rank: Number(r.retrieval_rank), created_at: new Date(r.created_at as string).toISOString(),
  }));
  return { audits, limit, offset, next_offset: rows.length > limit ? offset + limit : null };
}

/** Deletes rows older than `retentionDays`, in batches (a large backlog never hits the statement timeout). */
export async function purgeAudits(db: Queryable, retentionDays: number): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM ark_rag_retrieval_audits WHERE id IN (
         SELECT id FROM ark_rag_retrieval_audits WHERE created_at < now() - make_interval(days => $1::int) LIMIT ${PURGE_BATCH})`,
      [retentionDays],
    );
    total += rowCount;
    if (rowCount < PURGE_BATCH) return total;
  }
}
