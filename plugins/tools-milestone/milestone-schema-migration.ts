import type { SchemaMigrationContribution } from "../../core/plugin-api/index.js";

/** Milestone statuses; `done` means complete (ARK checks the status the reference left unvalidated). */
export const MILESTONE_STATUSES = ["planned", "in_progress", "at_risk", "blocked", "done", "cancelled"] as const;

/** Milestones (reference table `milestones`); same SQL on PGlite and PostgreSQL. */
export const milestoneSchemaMigration: SchemaMigrationContribution = {
  id: "0001_milestones",
  sql: `
CREATE TABLE ark_milestones (
  id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name             text        NOT NULL CHECK (btrim(name) <> ''),
  description      text,
  status           text        NOT NULL DEFAULT 'planned' CHECK (status IN (${MILESTONE_STATUSES.map((s) => `'${s}'`).join(", ")})),
  priority         text,
  owner            text,
  completed        boolean     NOT NULL DEFAULT false,
  start_date       date,
  due_date         date,
  progress_percent integer     NOT NULL DEFAULT 0 CHECK (progress_percent BETWEEN 0 AND 100),
  health           text,
  success_criteria text,
  dependencies     jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(dependencies) = 'array'),
  links            jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(links) = 'array'),
  latest_update    text,
  completed_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ark_milestones_by_created ON ark_milestones (created_at DESC, id DESC);
`,
};

/**
 * The key a milestone was created under (`create` with `origin_key`): a milestone node without ref_id creates its
 * milestone once per run and node (`flowchart_run:<run>:node:<node>`), however often it loops or replays.
 */
export const milestoneOriginKeyMigration: SchemaMigrationContribution = {
  id: "0002_milestone_origin_key",
  sql: `
ALTER TABLE ark_milestones ADD COLUMN origin_key text;
CREATE UNIQUE INDEX ark_milestones_by_origin_key ON ark_milestones (origin_key) WHERE origin_key IS NOT NULL;
`,
};
