/**
 * SQL of the memories table: write, read, list, and the deterministic retrieval ranking (full-text rank over the
 * query's words, OR-ed, plus a bonus when the whole query occurs verbatim, ILIKE), ties newest first.
 */
import { toolError, type Queryable } from "../../core/plugin-api/index.js";

/** A memory as tools and routes answer it. */
export interface Memory {
  readonly id: number;
  readonly description: string;
  readonly created_at: string;
  readonly updated_at: string;
}

/** A retrieved memory with its score (deterministic query retrieval only). */
export interface RankedMemory extends Memory {
  readonly score?: number;
}

const COLUMNS = "id::text AS id, description, created_at, updated_at";
/** The most distinct words a query contributes to the full-text search. */
const MAX_QUERY_WORDS = 32;

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

function toMemory(row: Record<string, unknown>): RankedMemory {
  const memory = { id: Number(row.id), description: String(row.description), created_at: iso(row.created_at), updated_at: iso(row.updated_at) };
  return row.score === undefined ? memory : { ...memory, score: Math.round(Number(row.score) * 1e6) / 1e6 };
}

/** The memory, or `memory.not_found`. */
export async function requireMemory(db: Queryable, id: number): Promise<Memory> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM ark_memories WHERE id = $1`, [id]);
  if (!rows[0]) throw toolError("memory.not_found", `Memory ${id} was not found.`, { memory_id: id }, { retryable: false });
  return toMemory(rows[0]);
}

/** Inserts a memory. */
export async function insertMemory(db: Queryable, description: string): Promise<Memory> {
  const { rows } = await db.query(`INSERT INTO ark_memories (description) VALUES ($1) RETURNING ${COLUMNS}`, [description]);
  return toMemory(rows[0]!);
}

/** Replaces or appends to a memory's text (append: old text right-trimmed, a blank line, the new text). */
export async function updateMemory(db: Queryable, id: number, text: string, storeMode: "append" | "replace"): Promise<Memory> {
  const sql = storeMode === "replace"
    ? `UPDATE ark_memories SET description = $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`
    : `UPDATE ark_memories SET description = rtrim(description) || E'\\n\\n' || $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`;
  const { rows } = await db.query(sql, [id, text]);
  if (!rows[0]) throw toolError("memory.not_found", `Memory ${id} was not found.`, { memory_id: id }, { retryable: false });
  return toMemory(rows[0]);
}

/** Deletes a memory; false when it did not exist. */
export async function deleteMemory(db: Queryable, id: number): Promise<boolean> {
  return (await db.query("DELETE FROM ark_memories WHERE id = $1", [id])).rowCount > 0;
}

/** A page of memories, newest first, and the total count. */
export async function listMemories(db: Queryable, page: { limit: number; offset: number }): Promise<{ items: Memory[]; total: number }> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM ark_memories ORDER BY updated_at DESC, id DESC LIMIT $1 OFFSET $2`, [page.limit, page.offset]);
  const total = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM ark_memories");
  return { items: rows.map(toMemory), total: Number(total.rows[0]?.n ?? 0) };
}

/** The distinct words of a query (letters and digits only, lower-cased): safe to join into a tsquery. */
export function queryWords(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words)].slice(0, MAX_QUERY_WORDS);
}

function likePattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Deterministic retrieval: with a query, memories that contain it (ILIKE) or share a word with it, best first;
 * without one, the most recent `limit`.
 */
export async function searchMemories(db: Queryable, query: string, limit: number): Promise<RankedMemory[]> {
  const q = query.trim();
  if (q === "") {
    const { rows } = await db.query(`SELECT ${COLUMNS} FROM ark_memories ORDER BY updated_at DESC, id DESC LIMIT $1`, [limit]);
    return rows.map(toMemory);
  }
  const words = queryWords(q);
  const tsquery = words.length > 0 ? words.join(" | ") : null;
  const { rows } = await db.query(
    `SELECT ${COLUMNS},
            (CASE WHEN description ILIKE $1 THEN 1.0 ELSE 0.0 END)
              + (CASE WHEN $2::text IS NULL THEN 0.0 ELSE ts_rank(search, to_tsquery('simple', $2::text)) END) AS score
       FROM ark_memories
      WHERE description ILIKE $1 OR ($2::text IS NOT NULL AND search @@ to_tsquery('simple', $2::text))
      ORDER BY score DESC, updated_at DESC, id DESC
      LIMIT $3`,
    [likePattern(q), tsquery, limit],
  );
  return rows.map(toMemory);
}
