/** What every git operation starts from: settings, the guarded workspace of the call, the repository folder, a runner. */
import { stat } from "node:fs/promises";
import { ArkError, SettingsSlot, ToolInput, type ToolCallContext, type ToolOperation, type WorkspacePathGuard } from "../../core/plugin-api/index.js";
import type { GitSettings } from "./config.js";
import { GitRunner } from "./git-runner.js";

/** One call's view of its repository. */
export interface GitCall {
  readonly settings: GitSettings;
  readonly guard: WorkspacePathGuard;
  readonly input: ToolInput;
  /** The repository folder (absolute; `input.path`, default the workspace root). */
  readonly repo: string;
  readonly runner: GitRunner;
  readonly signal: AbortSignal;
}

/** Builds one git operation over the domain's settings slot. */
export type GitOperationFactory = (slot: SettingsSlot<GitSettings>) => ToolOperation;

/** Opens the call: the guarded workspace and the repository folder `input.path` (an existing folder; clone: the root). */
export async function openGitCall(slot: SettingsSlot<GitSettings>, raw: unknown, ctx: ToolCallContext, options: { repoIsRoot?: boolean } = {}): Promise<GitCall> {
  const settings = slot.get();
  const guard = await settings.roots.forScope(ctx.scope);
  const input = new ToolInput(raw);
  const repo = await guard.resolve(options.repoIsRoot ? "." : input.raw("path"), { field: "path" });
  if (!(await stat(repo.absolute).catch(() => null))?.isDirectory()) {
    throw new ArkError("ARK_WORKSPACE_NOT_FOUND", `path "${repo.relative}" is not a folder in the workspace.`, { details: { field: "path", path: repo.relative } });
  }
  return { settings, guard, input, repo: repo.absolute, runner: new GitRunner(settings, guard.root), signal: ctx.signal };
}

/** The current branch (`HEAD` when detached). */
export async function currentBranch(call: GitCall): Promise<string> {
  return call.runner.text(["rev-parse", "--abbrev-ref", "HEAD"], call.repo);
}

/** The commit HEAD points at. */
export async function headCommit(call: GitCall): Promise<string> {
  return call.runner.text(["rev-parse", "HEAD"], call.repo);
}

/** The timeout a call asked for (`timeout_seconds`), within the plugin's bound. */
export function timeoutOf(call: GitCall, fallbackMs: number): number {
  return call.input.integer("timeout_seconds", Math.round(fallbackMs / 1000), 1, 7200) * 1000;
}
