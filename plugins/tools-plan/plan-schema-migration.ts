import type { SchemaMigrationContribution } from "../../core/plugin-api/index.js";

/**
 * Plans, their stages and their tasks (reference tables `plans`, `plan_stages`, `plan_tasks`). Deleting a plan deletes
 * its stages and tasks; positions order siblings (ties broken by id). Same SQL on PGlite and PostgreSQL.
 */
export const planSchemaMigration: SchemaMigrationContribution = {
  id: "0001_plans",
  sql: `
CREATE TABLE ark_plans (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name         text        NOT NULL CHECK (btrim(name) <> ''),
  description  text,
  completed_at timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ark_plan_stages (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  plan_id      bigint      NOT NULL REFERENCES ark_plans (id) ON DELETE CASCADE,
  name         text        NOT NULL CHECK (btrim(name) <> ''),
  description  text,
  position     integer     NOT NULL CHECK (position >= 1),
  completed_at timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ark_plan_stages_by_plan ON ark_plan_stages (plan_id, position, id);

CREATE TABLE ark_plan_tasks (
  id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  plan_stage_id bigint      NOT NULL REFERENCES ark_plan_stages (id) ON DELETE CASCADE,
  name          text        NOT NULL CHECK (btrim(name) <> ''),
  description   text,
  position      integer     NOT NULL CHECK (position >= 1),
  completed_at  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ark_plan_tasks_by_stage ON ark_plan_tasks (plan_stage_id, position, id);
`,
};

/**
 * The key a plan was created under (`create` with `origin_key`): a plan node without ref_id creates its plan once per
 * run and node (`flowchart_run:<run>:node:<node>`), whatever dispatcher ran it and however often it loops or replays.
 */
export const planOriginKeyMigration: SchemaMigrationContribution = {
  id: "0002_plan_origin_key",
  sql: `
ALTER TABLE ark_plans ADD COLUMN origin_key text;
CREATE UNIQUE INDEX ark_plans_by_origin_key ON ark_plans (origin_key) WHERE origin_key IS NOT NULL;
`,
};
