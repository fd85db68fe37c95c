import type { SchemaMigrationContribution } from "../../core/plugin-api/index.js";

/**
 * Retrieval audits (reference §4.4 `rag_retrieval_audits`): one row per chunk a query returned, written by the
 * query in one multi-row INSERT. Scope ids are text because node-run ids reach tools as strings. `created_at` is
 * indexed for the retention purge, request and run ids for the `audits` operation's filters.
 */
export const ragAuditMigration: SchemaMigrationContribution = {
  id: "0002_rag_retrieval_audits",
  sql: `
CREATE TABLE ark_rag_retrieval_audits (
  id                    bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id            text             NOT NULL,
  runtime_kind          text             NOT NULL,
  flowchart_run_id      text,
  flowchart_node_run_id text,
  provider              text             NOT NULL,
  collection            text             NOT NULL,
  source_id             text             NOT NULL,
  path                  text             NOT NULL,
  chunk_id              text             NOT NULL,
  score                 double precision NOT NULL,
  snippet               text             NOT NULL,
  retrieval_rank        integer          NOT NULL,
  created_at            timestamptz      NOT NULL DEFAULT now()
);
CREATE INDEX ark_rag_retrieval_audits_request ON ark_rag_retrieval_audits (request_id, retrieval_rank);
CREATE INDEX ark_rag_retrieval_audits_run ON ark_rag_retrieval_audits (flowchart_run_id, id) WHERE flowchart_run_id IS NOT NULL;
CREATE INDEX ark_rag_retrieval_audits_created ON ark_rag_retrieval_audits (created_at);
`,
};
