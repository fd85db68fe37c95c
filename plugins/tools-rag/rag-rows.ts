/**
 * SQL of the RAG tables: collection rows, per-file states, and chunk writes in set-based batches (one INSERT per
 * few hundred chunks, arrays unnested server-side), so an index of thousands of files is a handful of statements.
 */
import type { Queryable } from "../../core/plugin-api/index.js";
import type { Chunk, DocType } from "./rag-documents.js";

/** Where a collection's files come from. */
export interface CollectionSource {
  readonly name: string;
  readonly kind: "config" | "workspace";
  /** Absolute folder the walk reads. */
  readonly root: string;
  /** What status shows: the configured path, or `workspace:<key>/<relative path>`. */
  readonly source: string;
  readonly workspaceKey: string | null;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** A collection as `status` answers it. */
export interface CollectionStatus {
  readonly name: string;
  readonly source_kind: string;
  readonly source: string;
  readonly last_indexed_at: string | null;
  readonly last_error: string | null;
  readonly file_count: number;
  readonly chunk_count: number;
  readonly skipped_count: number;
  readonly embedding_model: string | null;
}

/** A stored collection row (for resolving names). */
export interface StoredCollection {
  readonly name: string;
  readonly source_kind: "config" | "workspace";
  readonly source: string;
  readonly workspace_key: string | null;
}

/** A file ready to be written: its state and its chunks (with embeddings when computed). */
export interface FileWrite {
  readonly path: string;
  readonly fingerprint: string;
  readonly docType: DocType;
  readonly chunks: readonly Chunk[];
  readonly embeddings: readonly (readonly number[])[] | null;
  readonly norms: readonly number[] | null;
}

const CHUNK_BATCH = 400;

/** Stored collections whose names match any of `names`, case-insensitively. */
export async function storedCollections(db: Queryable, names: readonly string[]): Promise<StoredCollection[]> {
  const { rows } = await db.query<StoredCollection>(
    "SELECT name, source_kind, source, workspace_key FROM ark_rag_collections WHERE lower(name) = ANY($1::text[])",
    [names.map((n) => n.toLowerCase())],
  );
  return rows;
}

/** Creates the collection row or updates where it reads from. */
export async function upsertCollection(db: Queryable, source: CollectionSource): Promise<void> {
  await db.query(
    `INSERT INTO ark_rag_collections (name, source_kind, source, workspace_key) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO UPDATE SET source_kind = EXCLUDED.source_kind, source = EXCLUDED.source, workspace_key = EXCLUDED.workspace_key, updated_at = now()`,
    [source.name, source.kind, source.source, source.workspaceKey],
  );
}

/** Fingerprint of every file state of a collection, by path. */
export async function fileFingerprints(db: Queryable, collection: string): Promise<Map<string, string>> {
  const { rows } = await db.query<{ path: string; fingerprint: string }>("SELECT path, fingerprint FROM ark_rag_files WHERE collection = $1", [collection]);
  return new Map(rows.map((r) => [r.path, r.fingerprint]));
}

/** Deletes file states (and, by cascade, their chunks): all of the collection's, or only `paths`. */
export async function deleteFiles(db: Queryable, collection: string, paths?: readonly string[]): Promise<void> {
  if (paths === undefined) await db.query("DELETE FROM ark_rag_files WHERE collection = $1", [collection]);
  else if (paths.length > 0) await db.query("DELETE FROM ark_rag_files WHERE collection = $1 AND path = ANY($2::text[])", [collection, paths]);
}

/** Inserts file states and their chunks. */
export async function insertFiles(db: Queryable, collection: string, files: readonly FileWrite[]): Promise<void> {
  if (files.length === 0) return;
  await db.query(
    `INSERT INTO ark_rag_files (collection, path, fingerprint, doc_type, chunk_count, indexed)
     SELECT $1, p, f, d, c, c > 0 FROM unnest($2::text[], $3::text[], $4::text[], $5::int[]) AS t(p, f, d, c)`,
    [collection, files.map((f) => f.path), files.map((f) => f.fingerprint), files.map((f) => f.docType), files.map((f) => f.chunks.length)],
  );
  const rows = files.flatMap((file) => file.chunks.map((chunk, i) => ({ file, chunk, embedding: file.embeddings?.[i] ?? null, norm: file.norms?.[i] ?? null })));
  for (let from = 0; from < rows.length; from += CHUNK_BATCH) {
    const batch = rows.slice(from, from + CHUNK_BATCH);
    await db.query(
      `INSERT INTO ark_rag_chunks (collection, path, chunk_index, start_line, end_line, heading, content, embedding, embedding_norm)
       SELECT $1, p, i, s, e, h, c, v::real[], n
         FROM unnest($2::text[], $3::int[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::real[]) AS t(p, i, s, e, h, c, v, n)`,
      [
        collection, batch.map((r) => r.file.path), batch.map((r) => r.chunk.index), batch.map((r) => r.chunk.startLine), batch.map((r) => r.chunk.endLine),
        batch.map((r) => r.chunk.heading), batch.map((r) => r.chunk.content.replace(/\0/g, "")),
        batch.map((r) => (r.embedding ? `{${r.embedding.join(",")}}` : null)), batch.map((r) => r.norm),
      ],
    );
  }
}

/** Records a finished index: totals from the file states, the time, no error. */
export async function recordIndexed(db: Queryable, collection: string, skipped: number, embeddingModel: string | null): Promise<{ files: number; chunks: number }> {
  const { rows } = await db.query<{ files: number; chunks: number }>(
    `UPDATE ark_rag_collections c SET last_indexed_at = now(), last_error = NULL, generation = c.generation + 1, skipped_count = $2, embedding_model = $3, updated_at = now(),
            file_count = t.files, chunk_count = t.chunks
       FROM (SELECT count(*) FILTER (WHERE indexed)::int AS files, coalesce(sum(chunk_count), 0)::int AS chunks FROM ark_rag_files WHERE collection = $1) t
      WHERE c.name = $1 RETURNING t.files, t.chunks`,
    [collection, skipped, embeddingModel],
  );
  return { files: Number(rows[0]?.files ?? 0), chunks: Number(rows[0]?.chunks ?? 0) };
}

/** Records why the last index of a collection failed (outside the rolled-back transaction). */
export async function recordIndexError(db: Queryable, source: CollectionSource, message: string): Promise<void> {
  await db.query(
    `INSERT INTO ark_rag_collections (name, source_kind, source, workspace_key, last_error) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (name) DO UPDATE SET last_error = EXCLUDED.last_error, updated_at = now()`,
    [source.name, source.kind, source.source, source.workspaceKey, message.slice(0, 2000)],
  );
}

/** Collections for `status`: the named ones, or all. */
export async function collectionStatuses(db: Queryable, names: readonly string[] | null): Promise<CollectionStatus[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT name, source_kind, source, last_indexed_at, last_error, file_count, chunk_count, skipped_count, embedding_model
       FROM ark_rag_collections WHERE $1::text[] IS NULL OR name = ANY($1::text[]) ORDER BY name`,
    [names],
  );
  return rows.map((r) => ({
    name: String(r.name), source_kind: String(r.source_kind), source: String(r.source),
    last_indexed_at: r.last_indexed_at ? new Date(r.last_indexed_at as string).toISOString() : null,
    last_error: (r.last_error as string | null) ?? null, file_count: Number(r.file_count), chunk_count: Number(r.chunk_count),
    skipped_count: Number(r.skipped_count), embedding_model: (r.embedding_model as string | null) ?? null,
  }));
}

/** The collection's index generation (bumped by every successful index; 0 when it has none). */
export async function generationOf(db: Queryable, collection: string, lock = false): Promise<number> {
  const { rows } = await db.query<{ generation: string }>(`SELECT generation::text AS generation FROM ark_rag_collections WHERE name = $1${lock ? " FOR UPDATE" : ""}`, [collection]);
  return rows[0] ? Number(rows[0].generation) : 0;
}
