-- Flow migration evidence (core/migration, `ark migrate --apply` and `ark migrate rollback`): one row per flowchart
-- per apply or rollback, written in the same transaction as the graph change it proves. The pre/post snapshots are
-- the reference's migration snapshots; their hashes are sha256 of the Python-compatible canonical JSON, so a rollback
-- can verify that it restored exactly the pre-snapshot.

CREATE TABLE ark_flow_migration_evidence (
  id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  flowchart_id   bigint      NOT NULL REFERENCES ark_flowcharts (id) ON DELETE CASCADE,
  action         text        NOT NULL CHECK (action IN ('apply', 'rollback')),
  from_version   integer     NOT NULL CHECK (from_version >= 1),
  to_version     integer     NOT NULL CHECK (to_version >= 1),
  -- ids of the migration steps that ran (apply) or [] (rollback)
  steps          jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(steps) = 'array'),
  strict_policy  boolean     NOT NULL DEFAULT true,
  pre_snapshot   jsonb       NOT NULL CHECK (jsonb_typeof(pre_snapshot) = 'object'),
  pre_hash       text        NOT NULL CHECK (pre_hash ~ '^[0-9a-f]{64}$'),
  post_snapshot  jsonb       NOT NULL CHECK (jsonb_typeof(post_snapshot) = 'object'),
  post_hash      text        NOT NULL CHECK (post_hash ~ '^[0-9a-f]{64}$'),
  -- the flowchart's migration report without its snapshots (gate, issues, rollback metadata, updates)
  report         jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(report) = 'object'),
  actor          text        NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  rolled_back_at timestamptz,
  rolled_back_by bigint      REFERENCES ark_flow_migration_evidence (id) ON DELETE SET NULL
);

CREATE INDEX ark_flow_migration_evidence_by_flowchart ON ark_flow_migration_evidence (flowchart_id, id DESC);
CREATE INDEX ark_flow_migration_evidence_open ON ark_flow_migration_evidence (flowchart_id) WHERE action = 'apply' AND rolled_back_at IS NULL;

-- A settings version can carry a note: why it was made (e.g. `ark cutover enable --force` with the failed checks).
ALTER TABLE ark_settings_history ADD COLUMN note text;
