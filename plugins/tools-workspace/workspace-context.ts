/** What every workspace operation starts from: the settings bound at init and the guarded workspace of the call. */
import { ArkError, SettingsSlot, type GuardedPath, type ToolCallContext, type WorkspacePathGuard } from "../../core/plugin-api/index.js";
import type { WorkspaceSettings } from "./config.js";

/** One call's view: settings plus the guard of the caller's workspace. */
export interface WorkspaceCall {
  readonly settings: WorkspaceSettings;
  readonly guard: WorkspacePathGuard;
}

/** Opens the call's workspace (created on first use) from the bound settings. */
export async function openCall(slot: SettingsSlot<WorkspaceSettings>, ctx: ToolCallContext): Promise<WorkspaceCall> {
  const settings = slot.get();
  return { settings, guard: await settings.roots.forScope(ctx.scope) };
}

/** Refuses changes to the root itself and (unless allowed) under a `.git` folder: hooks and config there run code. */
export function checkWritable(call: WorkspaceCall, target: GuardedPath, field: string): void {
  if (target.relative === ".") {
    throw new ArkError("ARK_WORKSPACE_PROTECTED", `${field}: the workspace root itself cannot be changed.`, { details: { field, path: "." } });
  }
  if (!call.settings.allowGitDirWrites && target.relative.split("/").includes(".git")) {
    throw new ArkError("ARK_WORKSPACE_PROTECTED", `${field} "${target.relative}" is inside a .git folder; use the git domain.`, { details: { field, path: target.relative } });
  }
}

/** ARK_WORKSPACE_NOT_FOUND for a path that does not exist. */
export function notFound(field: string, target: GuardedPath): ArkError {
  return new ArkError("ARK_WORKSPACE_NOT_FOUND", `${field} "${target.relative}" does not exist.`, { details: { field, path: target.relative } });
}

/** ARK_WORKSPACE_CONFLICT with a reason. */
export function conflict(field: string, target: GuardedPath, reason: string, message: string): ArkError {
  return new ArkError("ARK_WORKSPACE_CONFLICT", `${field} "${target.relative}" ${message}.`, { details: { field, path: target.relative, reason } });
}
