/**
 * The three store modes of a plan patch (reference §3.3). `replace` rebuilds the structure from the patch; `append`
 * only adds stages and tasks (existing ones are left alone with an `existing_target` warning); `update` changes named
 * stages and tasks (id first, then key). A target that is not found is skipped and counted in `skipped_missing`; a
 * malformed entry or an ambiguous key throws, and the caller's transaction rolls the whole patch back.
 */
import { ArkError } from "../../core/plugin-api/index.js";
import { hasTarget, matchByKey, normaliseKey, resolveStage, resolveTask, stageTarget, taskTarget } from "./plan-keys.js";
import type { PlanStage } from "./plan-rows.js";
import { itemFields, type PatchSession } from "./plan-patch-session.js";

/** How a patch is stored. */
export type StoreMode = "append" | "replace" | "update";

type Entry = Readonly<Record<string, unknown>>;

function invalid(path: string, message: string, value?: unknown): ArkError {
  return new ArkError("ARK_PLAN_PATCH_INVALID", `${path}: ${message}`, { details: { path, ...(value === undefined ? {} : { value }) } });
}

/** True for a plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An array of objects under `key`, or null when absent. */
function entries(owner: Entry, key: string, path: string): Entry[] | null {
  const value = owner[key];
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw invalid(`${path}.${key}`, "must be an array.", value);
  value.forEach((item, i) => {
    if (!isObject(item)) throw invalid(`${path}.${key}[${i}]`, "must be an object.", item);
  });
  return value as Entry[];
}

/** Applies one patch to the session's plan in the given store mode. */
export async function applyPatch(session: PatchSession, patch: unknown, mode: StoreMode, path = "patch"): Promise<void> {
  if (!isObject(patch)) throw invalid(path, "a plan patch must be a JSON object.", patch);
  const stages = entries(patch, "stages", path);
  const tasks = entries(patch, "tasks", path);
  const { name, description, completed } = itemFields(patch, path, false);
  await session.setPlanFields({ name, description, completed });
  if (mode === "replace") await replaceStructure(session, stages, tasks, path);
  else if (mode === "append") await appendStructure(session, stages, tasks, path);
  else await updateStructure(session, stages, tasks, path);
  await session.finish();
}

async function replaceStructure(session: PatchSession, stages: Entry[] | null, tasks: Entry[] | null, path: string): Promise<void> {
  if (tasks !== null) throw invalid(`${path}.tasks`, "replace mode takes tasks only inside their stage entries.");
  if (stages === null) return;
  await session.deleteStructure();
  for (const [i, entry] of stages.entries()) {
    const p = `${path}.stages[${i}]`;
    const fields = itemFields(entry, p, true);
    const stage = await session.createStage({ ...fields, position: fields.position ?? i + 1 });
    for (const [j, task] of (entries(entry, "tasks", p) ?? []).entries()) {
      const taskFields = itemFields(task, `${p}.tasks[${j}]`, true);
      await session.createTask(stage, { ...taskFields, position: taskFields.position ?? j + 1 });
    }
  }
  session.actionResults.push(stages.length > 0 ? `Replaced plan structure with ${stages.length} stage entries.` : "Cleared plan structure.");
}

async function appendStructure(session: PatchSession, stages: Entry[] | null, tasks: Entry[] | null, path: string): Promise<void> {
  const before = session.counts.created;
  for (const [i, entry] of (stages ?? []).entries()) {
    const p = `${path}.stages[${i}]`;
    const target = stageTarget(entry, p, true);
    let stage: PlanStage;
    if (hasTarget(target)) {
      const found = resolveStage(session.stages, target, p);
      if ("missing" in found) {
        session.counts.skipped_missing += 1;
        session.warn("missing_target", "Append stage target was not found; skipping entry.", { path: p, resolution: found.missing, stage_id: target.id, stage_key: target.key });
        continue;
      }
      session.warn("existing_target", "Append mode does not mutate existing stages; skipping stage-level updates.", { path: p, stage_id: found.found.id });
      stage = found.found;
    } else {
      const fields = itemFields(entry, p, true);
      const existing = matchByKey(session.stages, normaliseKey(fields.name!), "stage", p);
      if (existing) session.warn("existing_target", "Append stage already exists; skipping stage creation.", { path: p, stage_id: existing.id });
      stage = existing ?? (await session.createStage(fields));
    }
    await appendTasks(session, stage, entries(entry, "tasks", p) ?? [], p);
  }
  if (tasks !== null && tasks.length > 0) {
    session.warn("invalid_payload", "Append mode ignores top-level tasks; nest them in a stage entry.", { path: `${path}.tasks`, count: tasks.length });
  }
  const created = session.counts.created - before;
  if (created > 0) session.actionResults.push(`Appended ${created} plan item${created === 1 ? "" : "s"}.`);
}

async function appendTasks(session: PatchSession, stage: PlanStage, tasks: Entry[], path: string): Promise<void> {
  for (const [j, entry] of tasks.entries()) {
    const p = `${path}.tasks[${j}]`;
    const target = taskTarget(entry, p);
    if (hasTarget(target)) {
      const found = resolveTask(session.stages, [stage], target, p);
      if ("missing" in found) {
        session.counts.skipped_missing += 1;
        session.warn("missing_target", "Append task target was not found; skipping entry.", { path: p, resolution: found.missing, task_id: target.id, task_key: target.key });
      } else {
        session.warn("existing_target", "Append mode does not mutate existing tasks; skipping task-level updates.", { path: p, task_id: found.found.id });
      }
      continue;
    }
    const fields = itemFields(entry, p, true);
    const existing = matchByKey(stage.tasks, normaliseKey(fields.name!), "task", p);
    if (existing) {
      session.warn("existing_target", "Append task already exists in this stage; skipping task creation.", { path: p, task_id: existing.id });
      continue;
    }
    await session.createTask(stage, fields);
  }
}

async function updateStructure(session: PatchSession, stages: Entry[] | null, tasks: Entry[] | null, path: string): Promise<void> {
  for (const [i, entry] of (stages ?? []).entries()) {
    const p = `${path}.stages[${i}]`;
    const target = stageTarget(entry, p, true);
    if (!hasTarget(target)) throw invalid(p, "Plan update stage entries require stage_id or stage_key.");
    const found = resolveStage(session.stages, target, p);
    if ("missing" in found) {
      session.counts.skipped_missing += 1;
      session.warn("missing_target", "Update stage target was not found; skipping entry.", { path: p, resolution: found.missing, stage_id: target.id, stage_key: target.key });
      continue;
    }
    await session.updateStage(found.found, itemFields(entry, p, false));
    for (const [j, task] of (entries(entry, "tasks", p) ?? []).entries()) await updateTask(session, task, `${p}.tasks[${j}]`, found.found.id);
  }
  for (const [j, task] of (tasks ?? []).entries()) await updateTask(session, task, `${path}.tasks[${j}]`, null);
}

/** Updates one task entry; `scopeStageId` for entries nested in a stage entry (their own stage fields are ignored). */
async function updateTask(session: PatchSession, entry: Entry, path: string, scopeStageId: number | null): Promise<void> {
  const target = taskTarget(entry, path);
  if (!hasTarget(target)) throw invalid(path, "Plan update task entries require task_id or task_key.");
  const filter = scopeStageId === null ? stageTarget(entry, path, false) : { id: scopeStageId, key: null };
  const miss = (resolution: string) => {
    session.counts.skipped_missing += 1;
    session.warn("missing_target", "Update task target was not found; skipping entry.", {
      path, resolution, task_id: target.id, task_key: target.key, stage_id: filter.id, stage_key: filter.key,
    });
  };
  let scope = session.stages;
  if (hasTarget(filter)) {
    const stage = resolveStage(session.stages, filter, path);
    if ("missing" in stage) return miss(stage.missing);
    scope = [stage.found];
  }
  const found = resolveTask(session.stages, scope, target, path);
  if ("missing" in found) return miss(found.missing);
  await session.updateTask(found.found, itemFields(entry, path, false));
}
