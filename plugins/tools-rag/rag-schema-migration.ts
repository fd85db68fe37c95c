import type { SchemaMigrationContribution } from "../../core/plugin-api/index.js";

/**
 * RAG storage, the same SQL on PGlite and PostgreSQL: collections, the per-file states a delta index compares
 * fingerprints against, and chunks with a generated full-text vector (GIN-indexed) and an optional embedding kept as
 * `real[]` plus its norm — portable everywhere; where pgvector exists (PGlite ships it) the extension is installed and
 * queries cast to `vector` for `<=>`, and a server without it falls back to a cosine in plain SQL.
 */
export const ragSchemaMigration: SchemaMigrationContribution = {
  id: "0001_rag",
  sql: `
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    CREATE EXTENSION IF NOT EXISTS vector;
  END IF;
END
$$;
CREATE TABLE ark_rag_collections (
  name            text        PRIMARY KEY,
  source_kind     text        NOT NULL CHECK (source_kind IN ('config', 'workspace')),
  source          text        NOT NULL,
  workspace_key   text,
  last_indexed_at timestamptz,
  last_error      text,
  file_count      integer     NOT NULL DEFAULT 0,
  chunk_count     integer     NOT NULL DEFAULT 0,
  skipped_count   integer     NOT NULL DEFAULT 0,
  embedding_model text,
  generation      bigint      NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE ark_rag_files (
  collection  text        NOT NULL REFERENCES ark_rag_collections (name) ON DELETE CASCADE,
  path        text        NOT NULL,
  fingerprint text        NOT NULL,
  doc_type    text        NOT NULL,
  chunk_count integer     NOT NULL,
  indexed     boolean     NOT NULL,
  indexed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (collection, path)
);
CREATE TABLE ark_rag_chunks (
  id             bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  collection     text    NOT NULL,
  path           text    NOT NULL,
  chunk_index    integer NOT NULL,
  start_line     integer NOT NULL,
  end_line       integer NOT NULL,
  heading        text,
  content        text    NOT NULL,
  search         tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', coalesce(heading, '')), 'A') || to_tsvector('english', content)) STORED,
  embedding      real[],
  embedding_norm real,
  FOREIGN KEY (collection, path) REFERENCES ark_rag_files (collection, path) ON DELETE CASCADE,
  UNIQUE (collection, path, chunk_index)
);
CREATE INDEX ark_rag_chunks_search ON ark_rag_chunks USING gin (search);
`,
};
