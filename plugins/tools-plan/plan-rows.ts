/**
 * Reading plans: one plan with its stages and tasks ordered by (position, id), and paged plan summaries. Ids are
 * numbers and timestamps ISO strings, whichever driver answered.
 */
import { ArkError, isoOrNull, type Queryable } from "../../core/plugin-api/index.js";

/** A task as plans show it. */
export interface PlanTask {
  readonly id: number;
  readonly plan_stage_id: number;
  readonly name: string;
  readonly description: string | null;
  readonly position: number;
  readonly completed_at: string | null;
  readonly created_at: string | null;
  readonly updated_at: string | null;
}

/** A stage with its tasks. */
export interface PlanStage {
  readonly id: number;
  readonly plan_id: number;
  readonly name: string;
  readonly description: string | null;
  readonly position: number;
  readonly completed_at: string | null;
  readonly created_at: string | null;
  readonly updated_at: string | null;
  readonly tasks: PlanTask[];
}

/** A plan with its whole structure (the `plan` key of outputs and artifacts). */
export interface PlanView {
  readonly id: number;
  readonly name: string;
  readonly description: string | null;
  readonly completed_at: string | null;
  readonly created_at: string | null;
  readonly updated_at: string | null;
  readonly stages: PlanStage[];
}

/** A plan in a listing: no structure, counts instead. */
export interface PlanSummary extends Omit<PlanView, "stages"> {
  readonly stage_count: number;
  readonly task_count: number;
  readonly completed_task_count: number;
}

type Row = Record<string, unknown>;

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** A task row as a PlanTask. */
export function taskOf(row: Row): PlanTask {
  return {
    id: Number(row.id), plan_stage_id: Number(row.plan_stage_id), name: String(row.name), description: textOrNull(row.description),
    position: Number(row.position), completed_at: isoOrNull(row.completed_at), created_at: isoOrNull(row.created_at), updated_at: isoOrNull(row.updated_at),
  };
}

/** A stage row (with its tasks) as a PlanStage. */
export function stageOf(row: Row, tasks: PlanTask[]): PlanStage {
  return {
    id: Number(row.id), plan_id: Number(row.plan_id), name: String(row.name), description: textOrNull(row.description),
    position: Number(row.position), completed_at: isoOrNull(row.completed_at), created_at: isoOrNull(row.created_at), updated_at: isoOrNull(row.updated_at), tasks,
  };
}

function planHead(row: Row): Omit<PlanView, "stages"> {
  return {
    id: Number(row.id), name: String(row.name), description: textOrNull(row.description), completed_at: isoOrNull(row.completed_at),
    created_at: isoOrNull(row.created_at), updated_at: isoOrNull(row.updated_at),
  };
}

/** One plan with its structure, or null. `lock` takes the plan's row lock so concurrent patches apply one after another. */
export async function loadPlan(db: Queryable, planId: number, options: { lock?: boolean } = {}): Promise<PlanView | null> {
  const { rows } = await db.query(`SELECT * FROM ark_plans WHERE id = $1${options.lock ? " FOR UPDATE" : ""}`, [planId]);
  if (!rows[0]) return null;
  const stages = await db.query("SELECT * FROM ark_plan_stages WHERE plan_id = $1 ORDER BY position, id", [planId]);
  const tasks = await db.query(
    `SELECT t.* FROM ark_plan_tasks t JOIN ark_plan_stages s ON s.id = t.plan_stage_id WHERE s.plan_id = $1 ORDER BY t.position, t.id`,
    [planId],
  );
  const byStage = new Map<number, PlanTask[]>();
  for (const row of tasks.rows) {
    const task = taskOf(row);
    byStage.set(task.plan_stage_id, [...(byStage.get(task.plan_stage_id) ?? []), task]);
  }
  return { ...planHead(rows[0]), stages: stages.rows.map((row) => stageOf(row, byStage.get(Number(row.id)) ?? [])) };
}

/** One plan with its structure, or ARK_PLAN_NOT_FOUND. */
export async function requirePlan(db: Queryable, planId: number, options: { lock?: boolean } = {}): Promise<PlanView> {
  const plan = await loadPlan(db, planId, options);
  if (!plan) throw new ArkError("ARK_PLAN_NOT_FOUND", `Plan ${planId} was not found.`, { details: { plan_id: planId } });
  return plan;
}

/** Whether a plan exists. */
export async function planExists(db: Queryable, planId: number): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM ark_plans WHERE id = $1", [planId]);
  return rows.length > 0;
}

/** Plans, newest first, with structure counts. */
export async function listPlans(db: Queryable, page: { limit: number; offset: number }): Promise<{ items: PlanSummary[]; total: number }> {
  const { rows } = await db.query(
    `SELECT p.*,
            (SELECT count(*) FROM ark_plan_stages s WHERE s.plan_id = p.id)::int AS stage_count,
            (SELECT count(*) FROM ark_plan_tasks t JOIN ark_plan_stages s ON s.id = t.plan_stage_id WHERE s.plan_id = p.id)::int AS task_count,
            (SELECT count(*) FROM ark_plan_tasks t JOIN ark_plan_stages s ON s.id = t.plan_stage_id
              WHERE s.plan_id = p.id AND t.completed_at IS NOT NULL)::int AS completed_task_count
       FROM ark_plans p ORDER BY p.created_at DESC, p.id DESC LIMIT $1 OFFSET $2`,
    [page.limit, page.offset],
  );
  const total = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM ark_plans");
  const items = rows.map((row) => ({
    ...planHead(row), stage_count: Number(row.stage_count), task_count: Number(row.task_count), completed_task_count: Number(row.completed_task_count),
  }));
  return { items, total: Number(total.rows[0]?.n ?? 0) };
}
