/**
 * Finding the stage or task a patch entry means (reference §3.3): an id wins and is matched by id only (no fallback
 * to the key); otherwise the entry's key is compared with stage/task names after normalisation. A key that matches
 * more than one item is a hard failure (ARK_PLAN_TARGET_AMBIGUOUS): the caller's transaction rolls back.
 */
import { ArkError } from "../../core/plugin-api/index.js";
import type { PlanStage, PlanTask } from "./plan-rows.js";

/** `Design & Build!` → `design_build`: lower case, each run of other characters one `_`, no `_` at the ends. */
export function normaliseKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}

/** What an entry names: an id, a normalised key, or neither. */
export interface Target {
  readonly id: number | null;
  readonly key: string | null;
}

/** Why a target was not found: the id or the key missed. */
export type MissReason = "stage_id" | "stage_key" | "task_id" | "task_key";

/** A found item or the reason it was not found. */
export type Resolution<T> = { readonly found: T } | { readonly missing: MissReason };

function patchInvalid(path: string, message: string, value: unknown): ArkError {
  return new ArkError("ARK_PLAN_PATCH_INVALID", `${path}: ${message}`, { details: { path, value } });
}

/** A positive integer id field, or null when absent (null/undefined); anything else is ARK_PLAN_PATCH_INVALID. */
export function idField(entry: Readonly<Record<string, unknown>>, field: string, path: string): number | null {
  const value = entry[field];
  if (value === undefined || value === null) return null;
  const id = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) throw patchInvalid(`${path}.${field}`, "must be a positive integer id.", value);
  return id;
}

/** A key field, normalised, or null when absent or blank; a non-string is ARK_PLAN_PATCH_INVALID. */
export function keyField(entry: Readonly<Record<string, unknown>>, field: string, path: string): string | null {
  const value = entry[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw patchInvalid(`${path}.${field}`, "must be a string.", value);
  const key = normaliseKey(value);
  return key === "" ? null : key;
}

/** The stage an entry names through `stage_id` (or `id` when `ownId`) and `stage_key`. */
export function stageTarget(entry: Readonly<Record<string, unknown>>, path: string, ownId: boolean): Target {
  return { id: idField(entry, "stage_id", path) ?? (ownId ? idField(entry, "id", path) : null), key: keyField(entry, "stage_key", path) };
}

/** The task an entry names through `task_id` (or `id`) and `task_key`. */
export function taskTarget(entry: Readonly<Record<string, unknown>>, path: string): Target {
  return { id: idField(entry, "task_id", path) ?? idField(entry, "id", path), key: keyField(entry, "task_key", path) };
}

/** Whether an entry names anything. */
export function hasTarget(target: Target): boolean {
  return target.id !== null || target.key !== null;
}

function ambiguous(kind: "stage" | "task", key: string, ids: readonly number[], path: string): ArkError {
  return new ArkError("ARK_PLAN_TARGET_AMBIGUOUS", `Ambiguous update target for ${kind}_key='${key}'; matched ${kind} ids: ${ids.join(", ")}.`, {
    details: { path, target: `${kind}_key`, key, matched_ids: [...ids] },
  });
}

/** The one item whose normalised name is `key`, null when none; several is ARK_PLAN_TARGET_AMBIGUOUS. */
export function matchByKey<T extends { id: number; name: string }>(items: readonly T[], key: string, kind: "stage" | "task", path: string): T | null {
  const matches = items.filter((item) => normaliseKey(item.name) === key);
  if (matches.length > 1) throw ambiguous(kind, key, matches.map((m) => m.id), path);
  return matches[0] ?? null;
}

/** Resolves a stage target among the plan's stages (id first, then key). */
export function resolveStage(stages: readonly PlanStage[], target: Target, path: string): Resolution<PlanStage> {
  if (target.id !== null) {
    const stage = stages.find((s) => s.id === target.id);
    return stage ? { found: stage } : { missing: "stage_id" };
  }
  const stage = target.key === null ? null : matchByKey(stages, target.key, "stage", path);
  return stage ? { found: stage } : { missing: "stage_key" };
}

/**
 * Resolves a task target: a task id searches every stage of the plan; a key searches `scope` (the stages a stage
 * filter left, or all of them).
 */
export function resolveTask(stages: readonly PlanStage[], scope: readonly PlanStage[], target: Target, path: string): Resolution<PlanTask> {
  if (target.id !== null) {
    const task = stages.flatMap((s) => s.tasks).find((t) => t.id === target.id);
    return task ? { found: task } : { missing: "task_id" };
  }
  const task = target.key === null ? null : matchByKey(scope.flatMap((s) => s.tasks), target.key, "task", path);
  return task ? { found: task } : { missing: "task_key" };
}
