/**
 * The `plan` tool domain: create, read and list plans; patch them (`append`, `replace`, `update`, each
 * `deterministic` or `llm_guided`); complete one task. The store is bound in the plugin's init (register does no I/O).
 */
import { ArkError, type Queryable, type Store, type ToolCallContext, type ToolDomainContribution, type ToolOperation } from "../../core/plugin-api/index.js";
import { hasTarget, idField, keyField, resolveStage, resolveTask } from "./plan-keys.js";
import { applyPatch, type StoreMode } from "./plan-patch-modes.js";
import { runPlanPatch, type PlanPatchInput } from "./plan-patch-run.js";
import { PatchSession } from "./plan-patch-session.js";
import { listPlans, loadPlan, requirePlan } from "./plan-rows.js";
import {
  changeOutputSchema, completeTaskInputSchema, createInputSchema, listInputSchema, patchInputSchema, patchOutputSchema, planViewSchema, readInputSchema,
} from "./plan-schemas.js";

/** The domain id (`POST /api/tools/plan/<operation>`, `context.tools.invoke({domain: "plan"})`). */
export const PLAN_DOMAIN_ID = "plan";

/** The store modes, each an operation of the domain. */
export const PLAN_STORE_MODES: readonly StoreMode[] = ["append", "replace", "update"];

/** Input of create. */
export interface CreateInput {
  readonly name: string;
  readonly description?: string | null;
  readonly completed?: boolean;
  readonly stages?: readonly Record<string, unknown>[];
  /** Create once per key (see planOriginKeyMigration). */
  readonly origin_key?: string;
}

interface CompleteTaskInput {
  readonly plan_id: number;
  readonly task_id?: number;
  readonly task_key?: string;
  readonly stage_id?: number;
  readonly stage_key?: string;
  readonly completed?: boolean;
}

/** The plan domain object registered with the kernel. */
export class PlanDomain implements ToolDomainContribution {
  readonly id = PLAN_DOMAIN_ID;
  readonly description = "Plans with stages and tasks: create, read, list, append/replace/update patches (deterministic or llm_guided), complete_task.";
  private store: Store | null = null;
  readonly operations: Readonly<Record<string, ToolOperation>>;

  constructor() {
    const patchOp = (mode: StoreMode): ToolOperation<PlanPatchInput> => ({
      description: `Patch a plan in ${mode} mode (id-first, then key matching; an ambiguous key fails the whole patch).`,
      input: patchInputSchema,
      output: patchOutputSchema,
      idempotent: false,
      handler: (input, ctx) => runPlanPatch(this.db(), mode, input, ctx),
    });
    this.operations = {
      create: { description: "Create a plan, optionally with stages and tasks.", input: createInputSchema, output: changeOutputSchema, idempotent: false, handler: (input: CreateInput) => this.create(input) },
      read: {
        description: "A plan with its stages and tasks.", input: readInputSchema, output: { type: "object", required: ["plan"], properties: { plan: planViewSchema } }, idempotent: true,
        handler: async (input: { plan_id: number }) => ({ plan: await requirePlan(this.db(), input.plan_id) }),
      },
      list: {
        description: "Plans, newest first, with stage and task counts.", input: listInputSchema, idempotent: true,
        output: { type: "object", required: ["items", "total_count"], properties: { items: { type: "array" }, total_count: { type: "integer" } } },
        handler: (input: { limit?: number; offset?: number }) => this.list(input),
      },
      append: patchOp("append"),
      replace: patchOp("replace"),
      update: patchOp("update"),
      complete_task: {
        description: "Mark one task complete (or reopen it with completed: false), named by task_id or task_key (+ stage filter).",
        input: completeTaskInputSchema, output: changeOutputSchema, idempotent: true,
        handler: (input: CompleteTaskInput, ctx: ToolCallContext) => this.completeTask(input, ctx),
      },
    };
  }

  /** Binds the kernel's store (plugin init). */
  bind(store: Store): void {
    this.store = store;
  }

  /** The bound store; ARK_KERNEL_STATE before init. */
  db(): Store {
    if (!this.store) throw new ArkError("ARK_KERNEL_STATE", "The plan tool domain is used before the tools-plan plugin was initialised.");
    return this.store;
  }

  /** Creates a plan (with its structure, when given) in one transaction; an `origin_key` already used answers its plan. */
  async create(input: CreateInput) {
    return this.db().transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO ark_plans (name, description, completed_at, origin_key) VALUES ($1, $2, CASE WHEN $3 THEN now() END, $4)
         ON CONFLICT (origin_key) WHERE origin_key IS NOT NULL DO NOTHING RETURNING id`,
        [input.name.trim(), input.description ?? null, input.completed === true, input.origin_key ?? null],
      );
      if (!rows[0]) return this.existing(tx, input.origin_key!);
      const session = new PatchSession(tx, await requirePlan(tx, Number(rows[0].id), { lock: true }));
      if (input.stages) await applyPatch(session, { stages: input.stages }, "replace", "input");
      const plan = (await loadPlan(tx, session.planId))!;
      return { plan, created: true, operation_counts: session.counts, touched: session.touched(), action_results: [`Created plan ${plan.id}.`, ...session.actionResults] };
    });
  }

  /** The plan created under `originKey` (create found the key taken), unchanged. */
  private async existing(tx: Queryable, originKey: string) {
    const { rows } = await tx.query<{ id: string }>("SELECT id FROM ark_plans WHERE origin_key = $1", [originKey]);
    const plan = await requirePlan(tx, Number(rows[0]!.id));
    const touched = { stage_ids: [], task_ids: [], stages: [], tasks: [] };
    return { plan, created: false, operation_counts: { created: 0, updated: 0, replaced: 0, skipped_missing: 0 }, touched, action_results: [`Plan ${plan.id} already exists for origin key '${originKey}'.`] };
  }

  /** A page of plan summaries. */
  async list(input: { limit?: number; offset?: number }) {
    const page = { limit: input.limit ?? 50, offset: input.offset ?? 0 };
    const { items, total } = await listPlans(this.db(), page);
    return { items, total_count: total, ...page };
  }

  private async completeTask(input: CompleteTaskInput, ctx: ToolCallContext) {
    const entry = input as unknown as Record<string, unknown>;
    const target = { id: idField(entry, "task_id", "input"), key: keyField(entry, "task_key", "input") };
    const filter = { id: idField(entry, "stage_id", "input"), key: keyField(entry, "stage_key", "input") };
    if (!hasTarget(target)) throw new ArkError("ARK_PLAN_CONFIG_INVALID", "complete_task needs task_id or task_key.", { details: { field: "task_id" } });
    return this.db().transaction(async (tx) => {
      const session = new PatchSession(tx, await requirePlan(tx, input.plan_id, { lock: true }));
      const stage = hasTarget(filter) ? resolveStage(session.stages, filter, "input") : { found: null };
      const found = "missing" in stage ? stage : resolveTask(session.stages, stage.found ? [stage.found] : session.stages, target, "input");
      if ("missing" in found) {
        throw new ArkError("ARK_PLAN_TARGET_NOT_FOUND", `No task of plan ${input.plan_id} matches the target (${found.missing} not found).`, {
          details: { plan_id: input.plan_id, resolution: found.missing, task_id: target.id, task_key: target.key, stage_id: filter.id, stage_key: filter.key, operation: ctx.operation },
        });
      }
      const completed = input.completed !== false;
      if (!(await session.updateTask(found.found, { completed }))) session.actionResults.push(`Task ${found.found.id} was already ${completed ? "complete" : "open"}.`);
      await session.finish();
      return { plan: (await loadPlan(tx, input.plan_id))!, operation_counts: session.counts, touched: session.touched(), action_results: session.actionResults };
    });
  }
}
