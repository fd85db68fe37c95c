/**
 * Retrieval with citations: PostgreSQL full-text search always (websearch syntax; chunks matching every term rank
 * above chunks matching some), vector similarity when an embeddings endpoint is configured — pgvector's `<=>` where
 * the extension is installed, else the same cosine in plain SQL over `real[]` — and the two rankings fused by
 * reciprocal rank fusion. Every result cites its file and line span.
 */
import { errorMessage, type Queryable } from "../../core/plugin-api/index.js";
import type { RagSettings } from "./rag-config.js";
import { embedTexts, normOf } from "./rag-embeddings.js";

/** How a chunk was found. */
export type Retrieval = "fts" | "vector" | "both";

/** One retrieved chunk. */
export interface Citation {
  readonly rank: number;
  readonly collection: string;
  readonly path: string;
  readonly chunk_id: string;
  readonly chunk_index: number;
  readonly start_line: number;
  readonly end_line: number;
  readonly heading: string | null;
  readonly score: number;
  readonly excerpt: string;
  readonly retrieval: Retrieval;
}

/** How vectors were compared, if at all. */
export type VectorMethod = "pgvector" | "portable" | null;

/** What a search found, before synthesis. */
export interface SearchOutcome {
  readonly citations: Citation[];
  readonly ftsCandidates: number;
  readonly vectorCandidates: number;
  readonly vectorMethod: VectorMethod;
  readonly vectorError: string | null;
  /** Full chunk texts by chunk id (for the synthesis prompt). */
  readonly texts: ReadonlyMap<string, string>;
}

interface Row {
  collection: string;
  path: string;
  chunk_index: number;
  start_line: number;
  end_line: number;
  heading: string | null;
  content: string;
  score: number;
}

const COLUMNS = "collection, path, chunk_index, start_line, end_line, heading, content";
/** Reciprocal rank fusion constant (the usual 60: a rank-1 hit in one list outweighs rank-30 hits in both). */
const RRF_K = 60;
const EXCERPT_CHARS = 600;

async function fullText(db: Queryable, collections: readonly string[], query: string, limit: number): Promise<Row[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS}, (ts_rank_cd(search, oq) * CASE WHEN search @@ aq THEN 2 ELSE 1 END)::float8 AS score
       FROM ark_rag_chunks,
            websearch_to_tsquery('english', $2) AS aq,
            CAST(replace(plainto_tsquery('english', $2)::text, ' & ', ' | ') AS tsquery) AS oq
      WHERE collection = ANY($1::text[]) AND (search @@ aq OR search @@ oq)
      ORDER BY score DESC, path, chunk_index LIMIT $3`,
    [collections, query, limit],
  );
  return rows;
}

/** Whether pgvector is installed in this database (asked once per store). */
export async function hasPgvector(db: Queryable): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'");
  return rows.length > 0;
}

async function nearest(db: Queryable, collections: readonly string[], vector: readonly number[], limit: number, pgvector: boolean): Promise<Row[]> {
  const where = "collection = ANY($1::text[]) AND embedding IS NOT NULL AND array_length(embedding, 1) = $4";
  const sql = pgvector
    ? `SELECT ${COLUMNS}, (1 - (embedding::vector <=> $2::text::vector))::float8 AS score FROM ark_rag_chunks
        WHERE ${where} ORDER BY embedding::vector <=> $2::text::vector, path, chunk_index LIMIT $3`
    : `SELECT * FROM (SELECT ${COLUMNS}, ((SELECT sum(a * b) FROM unnest(embedding, $2::text::real[]) AS t(a, b)) / nullif(embedding_norm * $5, 0))::float8 AS score
         FROM ark_rag_chunks WHERE ${where}) s ORDER BY score DESC NULLS LAST, path, chunk_index LIMIT $3`;
  const literal = pgvector ? `[${vector.join(",")}]` : `{${vector.join(",")}}`;
  const { rows } = await db.query<Row>(sql, pgvector ? [collections, literal, limit, vector.length] : [collections, literal, limit, vector.length, normOf(vector)]);
  return rows;
}

function chunkId(row: Row): string {
  return `${row.collection}:${row.path}::chunk-${row.chunk_index}`;
}

/** Fuses ranked lists by reciprocal rank; ties broken by path and chunk for a stable order. */
function fuse(fts: readonly Row[], vector: readonly Row[], topK: number): { row: Row; score: number; retrieval: Retrieval }[] {
  const fused = new Map<string, { row: Row; score: number; inFts: boolean; inVector: boolean }>();
  const add = (rows: readonly Row[], kind: "fts" | "vector") => rows.forEach((row, i) => {
    const id = chunkId(row);
    const entry = fused.get(id) ?? { row, score: 0, inFts: false, inVector: false };
    entry.score += 1 / (RRF_K + i + 1);
    if (kind === "fts") entry.inFts = true;
    else entry.inVector = true;
    fused.set(id, entry);
  });
  add(fts, "fts");
  add(vector, "vector");
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.row.path.localeCompare(b.row.path) || a.row.chunk_index - b.row.chunk_index)
    .slice(0, topK)
    .map((e) => ({ row: e.row, score: e.score, retrieval: e.inFts && e.inVector ? "both" : e.inFts ? "fts" : "vector" }));
}

/** Searches the collections; a failing embeddings endpoint degrades to full-text only (vectorError says why). */
export async function searchChunks(settings: RagSettings, db: Queryable, collections: readonly string[], query: string, topK: number, pgvector: boolean, signal?: AbortSignal): Promise<SearchOutcome> {
  const depth = Math.max(topK * 4, 20);
  const fts = query.trim() === "" ? [] : await fullText(db, collections, query, depth);
  let vector: Row[] = [];
  let vectorError: string | null = null;
  const useVectors = settings.embeddings !== null && query.trim() !== "";
  if (useVectors) {
    try {
      const [embedding] = await embedTexts(settings.embeddings!, [query], signal);
      vector = await nearest(db, collections, embedding!, depth, pgvector);
    } catch (err) {
      vectorError = errorMessage(err);
    }
  }
  const onlyFts = !useVectors || vectorError !== null;
  const ranked = onlyFts ? fts.slice(0, topK).map((row) => ({ row, score: Number(row.score), retrieval: "fts" as Retrieval })) : fuse(fts, vector, topK);
  const citations = ranked.map(({ row, score, retrieval }, i) => ({
    rank: i + 1, collection: row.collection, path: row.path, chunk_id: chunkId(row), chunk_index: Number(row.chunk_index),
    start_line: Number(row.start_line), end_line: Number(row.end_line), heading: row.heading ?? null,
    score: Math.round(score * 1e6) / 1e6, excerpt: row.content.length > EXCERPT_CHARS ? `${row.content.slice(0, EXCERPT_CHARS)}…` : row.content, retrieval,
  }));
  return {
    citations, ftsCandidates: fts.length, vectorCandidates: vector.length, vectorMethod: useVectors && vectorError === null ? (pgvector ? "pgvector" : "portable") : null,
    vectorError, texts: new Map(ranked.map(({ row }) => [chunkId(row), row.content])),
  };
}
