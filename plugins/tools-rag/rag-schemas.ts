/** JSON Schemas of the `rag` operations (closed inputs; outputs as the reference shapes them, §2.5 and §4.2–4.4). */
import type { JSONSchema } from "../../core/plugin-api/index.js";

const names: JSONSchema = { type: "array", minItems: 1, maxItems: 50, items: { type: "string", maxLength: 200 } };
const globs: JSONSchema = { type: "array", maxItems: 100, items: { type: "string", minLength: 1, maxLength: 500 } };

/** index input. */
export const indexInput: JSONSchema = {
  type: "object", additionalProperties: false, required: ["collections", "mode"],
  properties: {
    collections: { ...names, description: "Collection names (configured, or one new name with workspace_path)." },
    mode: { type: "string", description: "fresh (aliases full, fresh_index): replace the index; delta (delta_index): re-index changed, new and removed files only." },
    workspace_path: { type: "string", minLength: 1, maxLength: 4096, description: "A folder of the caller's workspace to index as the one named collection." },
    include: { ...globs, description: "With workspace_path: only files matching one of these globs." },
    exclude: { ...globs, description: "With workspace_path: skip files matching these globs." },
  },
};

const sourceSummary: JSONSchema = {
  type: "object", required: ["source_id", "source_name", "collection", "file_count", "chunk_count"],
  properties: {
    source_id: { type: "string" }, source_name: { type: "string" }, collection: { type: "string" }, source: { type: "string" },
    file_count: { type: "integer" }, chunk_count: { type: "integer" }, indexed_files: { type: "integer" }, unchanged_files: { type: "integer" },
    removed_files: { type: "integer" }, skipped_files: { type: "integer" }, embedded_chunks: { type: "integer" },
    skipped: { type: "array", items: { type: "object", required: ["path", "reason"], properties: { path: { type: "string" }, reason: { type: "string" } } } },
  },
};

/** index output (reference §4.2 summary plus per-file counts). */
export const indexOutput: JSONSchema = {
  type: "object", required: ["mode", "collections", "source_count", "total_files", "total_chunks", "sources", "indexed", "unchanged", "removed", "skipped"],
  properties: {
    mode: { enum: ["fresh_index", "delta_index"] }, collections: { type: "array", items: { type: "string" } },
    source_count: { type: "integer" }, total_files: { type: "integer" }, total_chunks: { type: "integer" },
    indexed: { type: "integer" }, unchanged: { type: "integer" }, removed: { type: "integer" }, skipped: { type: "integer" },
    sources: { type: "array", items: sourceSummary },
  },
};

/** query input. */
export const queryInput: JSONSchema = {
  type: "object", additionalProperties: false, required: ["collections", "query"],
  properties: {
    collections: names,
    query: { type: "string", maxLength: 8000, description: "The question (websearch syntax: quoted phrases, -exclusions)." },
    top_k: { type: "integer", minimum: 1, maximum: 50, default: 5 },
    synthesize: { type: "boolean", default: false, description: "Ask the executor model for an answer grounded in the citations." },
    request_id: { type: "string", minLength: 1, maxLength: 200, description: "Labels the query's audit rows (default: the scope's request_id, else a new uuid; echoed in the output)." },
  },
};

const citation: JSONSchema = {
  type: "object", required: ["rank", "collection", "path", "chunk_index", "start_line", "end_line", "heading", "score", "excerpt", "retrieval"],
  properties: {
    rank: { type: "integer" }, collection: { type: "string" }, path: { type: "string" }, chunk_id: { type: "string" }, chunk_index: { type: "integer" },
    start_line: { type: "integer" }, end_line: { type: "integer" }, heading: { type: ["string", "null"] }, score: { type: "number" },
    excerpt: { type: "string" }, retrieval: { enum: ["fts", "vector", "both"] },
  },
};

/** query output. */
export const queryOutput: JSONSchema = {
  type: "object", required: ["mode", "answer", "collections", "citations", "retrieval_stats", "synthesis_error", "request_id"],
  properties: {
    mode: { const: "query" }, request_id: { type: "string" }, answer: { type: ["string", "null"] }, collections: { type: "array", items: { type: "string" } },
    citations: { type: "array", items: citation },
    retrieval_stats: {
      type: "object", required: ["provider", "top_k", "retrieved_count"],
      properties: {
        provider: { const: "postgres" }, top_k: { type: "integer" }, retrieved_count: { type: "integer" }, elapsed_ms: { type: "number" },
        audited_count: { type: "integer", description: "Audit rows written (0 when auditing is off)." },
      },
    },
    synthesis_error: { anyOf: [{ type: "null" }, { type: "object", required: ["message", "type"], properties: { message: { type: "string" }, type: { type: "string" } } }] },
  },
};

/** status input. */
export const statusInput: JSONSchema = {
  type: "object", additionalProperties: false,
  properties: { collections: { type: "array", maxItems: 50, items: { type: "string", maxLength: 200 } } },
};

/** status output. */
export const statusOutput: JSONSchema = {
  type: "object", required: ["collections"],
  properties: {
    collections: {
      type: "array",
      items: {
        type: "object", required: ["name", "configured", "last_indexed_at", "last_error", "file_count", "chunk_count"],
        properties: {
          name: { type: "string" }, configured: { type: "boolean" }, source_kind: { type: "string" }, source: { type: "string" },
          last_indexed_at: { type: ["string", "null"] }, last_error: { type: ["string", "null"] }, file_count: { type: "integer" },
          chunk_count: { type: "integer" }, skipped_count: { type: "integer" }, embedding_model: { type: ["string", "null"] },
        },
      },
    },
  },
};

const runId: JSONSchema = { anyOf: [{ type: "string", minLength: 1, maxLength: 200 }, { type: "integer", minimum: 0 }] };

/** audits input: filters (all optional, combined with AND) and offset paging. */
export const auditsInput: JSONSchema = {
  type: "object", additionalProperties: false,
  properties: {
    request_id: { type: "string", minLength: 1, maxLength: 200 },
    flowchart_run_id: runId,
    flowchart_node_run_id: runId,
    collection: { type: "string", minLength: 1, maxLength: 200 },
    limit: { type: "integer", minimum: 1, maximum: 200, default: 50 },
    offset: { type: "integer", minimum: 0, maximum: 1_000_000, default: 0 },
  },
};

const auditRow: JSONSchema = {
  type: "object",
  required: ["id", "request_id", "runtime_kind", "flowchart_run_id", "flowchart_node_run_id", "provider", "collection", "source_id", "path", "chunk_id", "score", "snippet", "retrieval_rank", "created_at"],
  properties: {
    id: { type: "integer" }, request_id: { type: "string" }, runtime_kind: { type: "string" },
    flowchart_run_id: { type: ["string", "null"] }, flowchart_node_run_id: { type: ["string", "null"] }, provider: { type: "string" },
    collection: { type: "string" }, source_id: { type: "string" }, path: { type: "string" }, chunk_id: { type: "string" }, score: { type: "number" },
    snippet: { type: "string" }, retrieval_rank: { type: "integer" }, created_at: { type: "string" },
  },
};

/** audits output: a page, newest query first and its rows by rank; next_offset is null on the last page. */
export const auditsOutput: JSONSchema = {
  type: "object", required: ["audits", "limit", "offset", "next_offset"],
  properties: {
    audits: { type: "array", items: auditRow }, limit: { type: "integer" }, offset: { type: "integer" }, next_offset: { type: ["integer", "null"] },
  },
};
