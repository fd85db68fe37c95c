import type { SchemaMigrationContribution } from "../../core/plugin-api/index.js";

/**
 * Memories (reference table `memories`): one text each. `search` is a generated full-text vector ('simple'
 * configuration: no stemming, any language) so deterministic retrieval ranks without a second write; the recency index
 * serves "most recent N". Same SQL on PGlite and PostgreSQL.
 */
export const memorySchemaMigration: SchemaMigrationContribution = {
  id: "0001_memories",
  sql: `
CREATE TABLE ark_memories (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  description text        NOT NULL CHECK (btrim(description) <> ''),
  search      tsvector    GENERATED ALWAYS AS (to_tsvector('simple', description)) STORED,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ark_memories_search ON ark_memories USING gin (search);
CREATE INDEX ark_memories_recent ON ark_memories (updated_at DESC, id DESC);
`,
};
