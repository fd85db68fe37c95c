/**
 * The plan domain's operations on real SQL (PGlite and PostgreSQL): create/read/list, the three store modes with
 * id-first then key matching, skipped_missing counts, the ambiguous-key hard failure, complete_task, and that a
 * failing call leaves no half-written rows.
 */
import { expect, it } from "vitest";
import { isArkError } from "../../core/plugin-api/index.js";
import { describeStore } from "../../test/support/store-harness.js";
import { boundPlanDomain, planMigrations, planRowCounts } from "./test-support.js";

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return isArkError(err) ? err.code : `not an ArkError: ${String(err)}`;
  }
  return "resolved";
}

const STAGES = [
  { name: "Design", tasks: [{ name: "Sketch UI" }, { name: "Review", position: 5 }] },
  { name: "Build", tasks: [{ name: "Backend" }] },
];

describeStore("tools-plan domain", (getStore) => {
  it("creates a plan with its structure and reads it back ordered by position", async () => {
    const { call } = boundPlanDomain(getStore());
    const created = await call("create", { name: "Launch", description: "v1", stages: STAGES });
    expect(created.operation_counts).toEqual({ created: 5, updated: 0, replaced: 0, skipped_missing: 0 });
    const { plan } = await call("read", { plan_id: created.plan.id });
    expect(plan.stages.map((s: any) => [s.name, s.position, s.tasks.map((t: any) => `${t.name}@${t.position}`)])).toEqual([
      ["Design", 1, ["Sketch UI@1", "Review@5"]],
      ["Build", 2, ["Backend@1"]],
    ]);
    const list = await call("list", { limit: 10 });
    expect(list.items[0]).toMatchObject({ id: plan.id, stage_count: 2, task_count: 3, completed_task_count: 0 });
    expect(list.total_count).toBe(1);
  });

  it("refuses a malformed create and writes nothing", async () => {
    const { call } = boundPlanDomain(getStore());
    expect(await codeOf(call("create", { name: "Bad", stages: [{ name: "Ok", tasks: [{ description: "no name" }] }] }))).toBe("ARK_PLAN_PATCH_INVALID");
    expect(await planRowCounts(getStore())).toEqual({ plans: 0, stages: 0, tasks: 0 });
  });

  it("append: creates new items, leaves existing ones alone, counts missing targets", async () => {
    const { call } = boundPlanDomain(getStore());
    const { plan } = await call("create", { name: "P", stages: STAGES });
    const out = await call("append", {
      plan_id: plan.id,
      patch: {
        stages: [
          { name: "design ", tasks: [{ name: "Sketch-UI" }, { name: "Prototype" }] },
          { stage_id: 999_999, tasks: [{ name: "Never" }] },
          { name: "Ship", tasks: [{ name: "Release" }] },
          { stage_key: "build", tasks: [{ task_key: "backend" }, { task_key: "nope" }] },
        ],
        tasks: [{ name: "orphan" }],
      },
    });
    expect(out.operation_counts).toEqual({ created: 3, updated: 0, replaced: 0, skipped_missing: 2 });
    expect(out.warnings.map((w: any) => w.code)).toEqual(["existing_target", "existing_target", "missing_target", "existing_target", "existing_target", "missing_target", "invalid_payload"]);
    expect(out.touched.tasks.map((t: any) => t.task_key).sort()).toEqual(["prototype", "release"]);
    expect(out.plan.stages.map((s: any) => s.name)).toEqual(["Design", "Build", "Ship"]);
    expect(out.plan.stages[0].tasks.map((t: any) => `${t.name}@${t.position}`)).toEqual(["Sketch UI@1", "Review@5", "Prototype@6"]);
    expect(out.errors).toEqual([]);
  });

  it("replace: rebuilds the structure and counts what it replaced; top-level tasks are refused without a write", async () => {
    const { call } = boundPlanDomain(getStore());
    const { plan } = await call("create", { name: "P", stages: STAGES });
    const out = await call("replace", { plan_id: plan.id, patch: { name: "P2", stages: [{ name: "Only", tasks: [{ name: "One", completed: true }] }] } });
    expect(out.operation_counts).toEqual({ created: 2, updated: 1, replaced: 5, skipped_missing: 0 });
    expect(out.action_results).toContain("Replaced plan structure with 1 stage entries.");
    expect(out.plan.name).toBe("P2");
    expect(out.plan.stages[0].tasks[0].completed_at).not.toBeNull();
    const before = await planRowCounts(getStore());
    expect(await codeOf(call("replace", { plan_id: plan.id, patch: { name: "P3", stages: [], tasks: [{ name: "x" }] } }))).toBe("ARK_PLAN_PATCH_INVALID");
    expect(await planRowCounts(getStore())).toEqual(before);
    expect((await call("read", { plan_id: plan.id })).plan.name).toBe("P2");
  });

  it("update: id first (no fallback to the key), then key; missing targets are skipped and counted", async () => {
    const { call } = boundPlanDomain(getStore());
    const { plan } = await call("create", { name: "P", stages: STAGES });
    const [design, build] = plan.stages;
    const out = await call("update", {
      plan_id: plan.id,
      patch: {
        completed: true,
        stages: [
          { stage_id: design.id, description: "d", tasks: [{ task_key: "review", completed: true }] },
          { stage_id: 424_242, stage_key: "build", name: "ignored" },
          { stage_key: "BUILD", position: 7 },
        ],
        tasks: [{ task_key: "backend", stage_key: "build", name: "Backend API" }, { task_id: 31_337 }, { task_key: "sketch_ui", stage_id: build.id }],
      },
    });
    expect(out.operation_counts).toEqual({ created: 0, updated: 5, replaced: 0, skipped_missing: 3 });
    expect(out.warnings.map((w: any) => w.details.resolution)).toEqual(["stage_id", "task_id", "task_key"]);
    expect(out.touched.stage_ids).toEqual([design.id, build.id].sort((a: number, b: number) => a - b));
    expect(out.plan.completed_at).not.toBeNull();
    expect(out.plan.stages.map((s: any) => `${s.name}@${s.position}`)).toEqual(["Design@1", "Build@7"]);
    expect(out.plan.stages[1].tasks[0].name).toBe("Backend API");
  });

  it("update: an ambiguous key fails the whole patch with a stable code and rolls back its earlier changes", async () => {
    const { call } = boundPlanDomain(getStore());
    const { plan } = await call("create", { name: "P", stages: [{ name: "Dup" }, { name: "dup!" }, { name: "Other", tasks: [{ name: "t" }] }] });
    const failure = call("update", { plan_id: plan.id, patch: { name: "Renamed", stages: [{ stage_key: "other", name: "Other 2" }, { stage_key: "dup", name: "x" }] } });
    await expect(failure).rejects.toMatchObject({ code: "ARK_PLAN_TARGET_AMBIGUOUS", details: { target: "stage_key", key: "dup", matched_ids: plan.stages.slice(0, 2).map((s: any) => s.id) } });
    const after = (await call("read", { plan_id: plan.id })).plan;
    expect([after.name, after.stages[2].name]).toEqual(["P", "Other"]);
  });

  it("refuses bad update entries, unknown plans and bad ids with stable codes", async () => {
    const { call } = boundPlanDomain(getStore());
    const { plan } = await call("create", { name: "P", stages: STAGES });
    expect(await codeOf(call("update", { plan_id: plan.id, patch: { stages: [{ name: "no target" }] } }))).toBe("ARK_PLAN_PATCH_INVALID");
    expect(await codeOf(call("update", { plan_id: plan.id, patch: { tasks: [{ name: "no target" }] } }))).toBe("ARK_PLAN_PATCH_INVALID");
    expect(await codeOf(call("update", { plan_id: plan.id, patch: { stages: [{ stage_key: "design", position: 0 }] } }))).toBe("ARK_PLAN_PATCH_INVALID");
    expect(await codeOf(call("update", { plan_id: plan.id, patch: { stages: [{ stage_id: "abc" }] } }))).toBe("ARK_PLAN_PATCH_INVALID");
    expect(await codeOf(call("append", { plan_id: plan.id, patch: { stages: "nope" } }))).toBe("ARK_PLAN_PATCH_INVALID");
    expect(await codeOf(call("append", { plan_id: 987_654, patch: {} }))).toBe("ARK_PLAN_NOT_FOUND");
    expect(await codeOf(call("read", { plan_id: 987_654 }))).toBe("ARK_PLAN_NOT_FOUND");
  });

  it("complete_task: by key within a stage, by id; unknown and ambiguous targets fail", async () => {
    const { call } = boundPlanDomain(getStore());
    const { plan } = await call("create", { name: "P", stages: [...STAGES, { name: "QA", tasks: [{ name: "Review" }] }] });
    const done = await call("complete_task", { plan_id: plan.id, stage_key: "design", task_key: "review" });
    expect(done.touched.tasks).toEqual([expect.objectContaining({ stage_key: "design", task_key: "review" })]);
    expect(done.plan.stages[0].tasks[1].completed_at).not.toBeNull();
    const again = await call("complete_task", { plan_id: plan.id, task_id: done.touched.task_ids[0] });
    expect(again.operation_counts.updated).toBe(0);
    expect(await codeOf(call("complete_task", { plan_id: plan.id, task_key: "review" }))).toBe("ARK_PLAN_TARGET_AMBIGUOUS");
    expect(await codeOf(call("complete_task", { plan_id: plan.id, task_key: "missing" }))).toBe("ARK_PLAN_TARGET_NOT_FOUND");
    expect(await codeOf(call("complete_task", { plan_id: plan.id }))).toBe("ARK_PLAN_CONFIG_INVALID");
  });

  it("takes a patch from the run context by patch_source_path, and warns when the path holds nothing", async () => {
    const { call } = boundPlanDomain(getStore());
    const { plan } = await call("create", { name: "P" });
    const context = { latest_upstream: { output_state: { structured_output: { plan_patch: { stages: [{ name: "From upstream" }] } } } } };
    const out = await call("append", { plan_id: plan.id, context, patch_source_path: "latest_upstream.output_state.structured_output.plan_patch" });
    expect(out.plan.stages.map((s: any) => s.name)).toEqual(["From upstream"]);
    const none = await call("append", { plan_id: plan.id, context, patch_source_path: "latest_upstream.nothing" });
    expect(none.warnings.map((w: any) => w.code)).toEqual(["missing_patch_source"]);
    expect(none.action_results).toEqual(["No plan patch supplied."]);
    expect(await codeOf(call("append", { plan_id: plan.id, context: { x: [1] }, patch_source_path: "x" }))).toBe("ARK_PLAN_PATCH_INVALID");
  });

  it("creates once per origin_key: the key again answers the first plan unchanged, another key creates", async () => {
    const { call } = boundPlanDomain(getStore());
    const first = await call("create", { name: "Once", origin_key: "flowchart_run:1:node:p", stages: [{ name: "S" }] });
    const again = await call("create", { name: "Other", completed: true, origin_key: "flowchart_run:1:node:p", stages: [{ name: "T" }, { name: "U" }] });
    expect(first).toMatchObject({ created: true, plan: { name: "Once" }, operation_counts: { created: 1 } });
    expect(again).toMatchObject({ created: false, plan: { id: first.plan.id, name: "Once", completed_at: null, stages: [{ name: "S" }] }, operation_counts: { created: 0 } });
    expect(again.action_results).toEqual([`Plan ${first.plan.id} already exists for origin key 'flowchart_run:1:node:p'.`]);
    expect((await call("create", { name: "Once", origin_key: "flowchart_run:2:node:p" })).plan.id).not.toBe(first.plan.id);
    expect(await codeOf(call("create", { name: "Bad", origin_key: "k", stages: [{ tasks: [] }] }))).toBe("ARK_PLAN_PATCH_INVALID");
    expect(await planRowCounts(getStore())).toEqual({ plans: 2, stages: 1, tasks: 0 });
    expect((await call("create", { name: "Retry", origin_key: "k" })).created).toBe(true);
  });
}, { migrate: planMigrations });
