/**
 * One patch application inside one transaction: the plan's structure as it changes, the writes, and what the output
 * reports (operation counts, touched items, warnings, action results). The store modes (plan-patch-modes.ts) decide
 * what to write; this class only writes it and keeps the books.
 */
import { ArkError, isoOrNull, type Queryable } from "../../core/plugin-api/index.js";
import { normaliseKey } from "./plan-keys.js";
import { stageOf, taskOf, type PlanStage, type PlanTask, type PlanView } from "./plan-rows.js";

/** A warning in a plan output (reference codes: missing_target, existing_target, invalid_payload, missing_patch_source). */
export interface PlanWarning {
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** Fields a stage or task entry may set. */
export interface ItemFields {
  readonly name?: string;
  readonly description?: string | null;
  readonly position?: number;
  readonly completed?: boolean;
}

/** The operation counts of a plan output. */
export interface OperationCounts {
  created: number;
  updated: number;
  replaced: number;
  skipped_missing: number;
}

/** The `touched` block of a plan output. */
export interface TouchedItems {
  readonly stage_ids: number[];
  readonly task_ids: number[];
  readonly stages: { id: number; name: string; stage_key: string }[];
  readonly tasks: { id: number; plan_stage_id: number; name: string; stage_key: string; task_key: string }[];
}

function invalid(path: string, message: string, value: unknown): ArkError {
  return new ArkError("ARK_PLAN_PATCH_INVALID", `${path}: ${message}`, { details: { path, value } });
}

/** The fields of a stage/task entry, checked; `requireName` for entries that create an item. */
export function itemFields(entry: Readonly<Record<string, unknown>>, path: string, requireName: boolean): ItemFields {
  const fields: { -readonly [K in keyof ItemFields]: ItemFields[K] } = {};
  if (entry.name !== undefined || requireName) {
    if (typeof entry.name !== "string" || entry.name.trim() === "") throw invalid(`${path}.name`, "must be a non-empty string.", entry.name);
    fields.name = entry.name.trim();
  }
  if (entry.description !== undefined) {
    if (entry.description !== null && typeof entry.description !== "string") throw invalid(`${path}.description`, "must be a string or null.", entry.description);
    fields.description = entry.description;
  }
  if (entry.position !== undefined && entry.position !== null) {
    if (!Number.isSafeInteger(entry.position) || (entry.position as number) < 1) throw invalid(`${path}.position`, "must be a positive integer.", entry.position);
    fields.position = entry.position as number;
  }
  if (entry.completed !== undefined && entry.completed !== null) {
    if (typeof entry.completed !== "boolean") throw invalid(`${path}.completed`, "must be true or false.", entry.completed);
    fields.completed = entry.completed;
  }
  return fields;
}

/** SET clauses for the fields that differ from `current`; empty when nothing changes. */
function changes(current: { name: string; description: string | null; position?: number; completed_at: string | null }, fields: ItemFields): { sets: string[]; params: unknown[] } {
  const sets: string[] = [];
  const params: unknown[] = [];
  const set = (column: string, value: unknown) => {
    params.push(value);
    sets.push(`${column} = $${params.length + 1}`);
  };
  if (fields.name !== undefined && fields.name !== current.name) set("name", fields.name);
  if (fields.description !== undefined && fields.description !== current.description) set("description", fields.description);
  if (fields.position !== undefined && current.position !== undefined && fields.position !== current.position) set("position", fields.position);
  if (fields.completed === true && current.completed_at === null) sets.push("completed_at = now()");
  if (fields.completed === false && current.completed_at !== null) sets.push("completed_at = NULL");
  return { sets, params };
}

/** The writes and the books of one patch application. */
export class PatchSession {
  readonly counts: OperationCounts = { created: 0, updated: 0, replaced: 0, skipped_missing: 0 };
  readonly warnings: PlanWarning[] = [];
  readonly actionResults: string[] = [];
  private readonly touchedStages = new Set<number>();
  private readonly touchedTasks = new Set<number>();
  stages: PlanStage[];

  constructor(
    private readonly tx: Queryable,
    private plan: PlanView,
  ) {
    this.stages = plan.stages.map((s) => ({ ...s, tasks: [...s.tasks] }));
  }

  /** The plan's id. */
  get planId(): number {
    return this.plan.id;
  }

  /** Records a warning (the entry it concerns is skipped or left alone). */
  warn(code: string, message: string, details?: Record<string, unknown>): void {
    this.warnings.push(details ? { code, message, details } : { code, message });
  }

  /** Sets plan-level fields; each real change counts once. */
  async setPlanFields(fields: ItemFields): Promise<void> {
    const { sets, params } = changes(this.plan, fields);
    if (sets.length === 0) return;
    const { rows } = await this.tx.query(`UPDATE ark_plans SET ${sets.join(", ")}, updated_at = now() WHERE id = $1 RETURNING *`, [this.plan.id, ...params]);
    const row = rows[0]!;
    const labels: string[] = [];
    if (fields.name !== undefined && fields.name !== this.plan.name) labels.push("Updated plan name.");
    if (fields.description !== undefined && fields.description !== this.plan.description) labels.push("Updated plan description.");
    if (fields.completed !== undefined && (fields.completed === true) !== (this.plan.completed_at !== null)) labels.push(fields.completed ? "Marked plan complete." : "Reopened plan.");
    this.counts.updated += labels.length;
    this.actionResults.push(...labels);
    this.plan = { ...this.plan, name: String(row.name), description: row.description === null ? null : String(row.description), completed_at: isoOrNull(row.completed_at) };
  }

  /** Deletes every stage (and so every task); counts them as replaced. */
  async deleteStructure(): Promise<void> {
    this.counts.replaced += this.stages.length + this.stages.reduce((n, s) => n + s.tasks.length, 0);
    await this.tx.query("DELETE FROM ark_plan_stages WHERE plan_id = $1", [this.plan.id]);
    this.stages = [];
    this.touchedStages.clear();
    this.touchedTasks.clear();
  }

  /** Creates a stage (position: given, else after the last). */
  async createStage(fields: ItemFields): Promise<PlanStage> {
    const position = fields.position ?? Math.max(0, ...this.stages.map((s) => s.position)) + 1;
    const { rows } = await this.tx.query(
      `INSERT INTO ark_plan_stages (plan_id, name, description, position, completed_at) VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN now() END) RETURNING *`,
      [this.plan.id, fields.name, fields.description ?? null, position, fields.completed === true],
    );
    const stage = stageOf(rows[0]!, []);
    this.stages.push(stage);
    this.counts.created += 1;
    this.touchedStages.add(stage.id);
    return stage;
  }

  /** Creates a task in a stage (position: given, else after the stage's last). */
  async createTask(stage: PlanStage, fields: ItemFields): Promise<PlanTask> {
    const position = fields.position ?? Math.max(0, ...stage.tasks.map((t) => t.position)) + 1;
    const { rows } = await this.tx.query(
      `INSERT INTO ark_plan_tasks (plan_stage_id, name, description, position, completed_at) VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN now() END) RETURNING *`,
      [stage.id, fields.name, fields.description ?? null, position, fields.completed === true],
    );
    const task = taskOf(rows[0]!);
    stage.tasks.push(task);
    this.counts.created += 1;
    this.touchedTasks.add(task.id);
    this.touchedStages.add(stage.id);
    return task;
  }

  /** Updates a stage's own fields; true when something changed. */
  async updateStage(stage: PlanStage, fields: ItemFields): Promise<boolean> {
    const { sets, params } = changes(stage, fields);
    if (sets.length === 0) return false;
    const { rows } = await this.tx.query(`UPDATE ark_plan_stages SET ${sets.join(", ")}, updated_at = now() WHERE id = $1 RETURNING *`, [stage.id, ...params]);
    const index = this.stages.findIndex((s) => s.id === stage.id);
    this.stages[index] = stageOf(rows[0]!, stage.tasks);
    this.counts.updated += 1;
    this.touchedStages.add(stage.id);
    this.actionResults.push(`Updated stage ${stage.id}.`);
    return true;
  }

  /** Updates a task's own fields; true when something changed. */
  async updateTask(task: PlanTask, fields: ItemFields): Promise<boolean> {
    const { sets, params } = changes(task, fields);
    if (sets.length === 0) return false;
    const { rows } = await this.tx.query(`UPDATE ark_plan_tasks SET ${sets.join(", ")}, updated_at = now() WHERE id = $1 RETURNING *`, [task.id, ...params]);
    const stage = this.stageOfTask(task);
    stage.tasks[stage.tasks.findIndex((t) => t.id === task.id)] = taskOf(rows[0]!);
    this.counts.updated += 1;
    this.touchedTasks.add(task.id);
    this.touchedStages.add(stage.id);
    this.actionResults.push(`Updated task ${task.id}.`);
    return true;
  }

  /** The (current) stage a task belongs to. */
  stageOfTask(task: PlanTask): PlanStage {
    return this.stages.find((s) => s.id === task.plan_stage_id)!;
  }

  /** Bumps the plan's updated_at when the structure changed. */
  async finish(): Promise<void> {
    if (this.counts.created + this.counts.replaced + this.touchedTasks.size + this.touchedStages.size > 0) {
      await this.tx.query("UPDATE ark_plans SET updated_at = now() WHERE id = $1", [this.plan.id]);
    }
  }

  /** The touched items as they are now, ids sorted. */
  touched(): TouchedItems {
    const stages = this.stages.filter((s) => this.touchedStages.has(s.id)).sort((a, b) => a.id - b.id);
    const tasks = this.stages.flatMap((s) => s.tasks.filter((t) => this.touchedTasks.has(t.id)).map((t) => ({ t, s }))).sort((a, b) => a.t.id - b.t.id);
    return {
      stage_ids: stages.map((s) => s.id),
      task_ids: tasks.map(({ t }) => t.id),
      stages: stages.map((s) => ({ id: s.id, name: s.name, stage_key: normaliseKey(s.name) })),
      tasks: tasks.map(({ t, s }) => ({ id: t.id, plan_stage_id: t.plan_stage_id, name: t.name, stage_key: normaliseKey(s.name), task_key: normaliseKey(t.name) })),
    };
  }
}
