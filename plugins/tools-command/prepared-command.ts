/**
 * Everything run and background_start share: open the caller's workspace, take a session's folder and environment,
 * parse the command, resolve and judge the executable, confine the arguments, build the scrubbed environment.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { ArkError, checkRelativePath, scrubbedEnv, ToolInput, workspaceKeyOf, type SettingsSlot, type ToolCallContext, type WorkspacePathGuard } from "../../core/plugin-api/index.js";
import { confineArguments } from "./argument-confinement.js";
import type { CommandRuntime } from "./command-runtime.js";
import { callerEnv, commandLineOf } from "./command-line.js";
import { checkExecutable, checkGivenName, resolveExecutable } from "./executable-policy.js";

/** A command that passed every check. */
export interface PreparedCommand {
  readonly runtime: CommandRuntime;
  readonly input: ToolInput;
  readonly guard: WorkspacePathGuard;
  readonly workspace: string;
  /** The executable's resolved path, then the arguments. */
  readonly file: string;
  readonly args: readonly string[];
  /** The argv as the caller gave it (after shell wrapping). */
  readonly argv: readonly string[];
  readonly shell: boolean;
  readonly cwd: string;
  readonly cwdRelative: string;
  readonly env: Record<string, string>;
}

/** Opens the call's runtime, workspace and (optional) session. */
export async function openCommandCall(slot: SettingsSlot<CommandRuntime>, raw: unknown, ctx: ToolCallContext) {
  const runtime = slot.get();
  const input = new ToolInput(raw);
  const workspace = workspaceKeyOf(ctx.scope);
  const guard = await runtime.policy.roots.forScope(ctx.scope);
  const sessionId = input.optionalString("session_id");
  const session = sessionId === null ? null : runtime.sessions.use(sessionId, workspace);
  return { runtime, input, workspace, guard, session };
}

/**
 * Resolves a working folder that must be an existing folder in the workspace: `value` relative to `base` (a session's
 * folder) like cd — `..` may climb back towards the root but never above it.
 */
export async function workingFolder(guard: WorkspacePathGuard, base: string, value: string | null) {
  if (value !== null) checkRelativePath(value.split("/").filter((part) => part !== "..").join("/") || ".", "cwd");
  const joined = value === null ? base : path.posix.normalize(`${base}/${value}`);
  if (joined === ".." || joined.startsWith("../")) {
    throw new ArkError("ARK_WORKSPACE_PATH_ESCAPE", `cwd "${value}" leads outside the workspace root.`, { details: { field: "cwd", path: value, reason: "parent_segment" } });
  }
  const resolved = await guard.resolve(joined, { field: "cwd" });
  if (!(await stat(resolved.absolute).catch(() => null))?.isDirectory()) {
    throw new ArkError("ARK_WORKSPACE_NOT_FOUND", `cwd "${resolved.relative}" is not a folder in the workspace.`, { details: { field: "cwd", path: resolved.relative } });
  }
  return resolved;
}

/** Runs every check on the call's command. */
export async function prepareCommand(slot: SettingsSlot<CommandRuntime>, raw: unknown, ctx: ToolCallContext): Promise<PreparedCommand> {
  const { runtime, input, workspace, guard, session } = await openCommandCall(slot, raw, ctx);
  const { policy } = runtime;
  const line = commandLineOf(input.raw("command"), input.boolean("shell", false), policy);
  const folder = await workingFolder(guard, session?.cwd ?? ".", input.optionalString("cwd"));
  const env = scrubbedEnv(process.env, policy.envPassthrough, { ...(session?.env ?? {}), ...callerEnv(input.stringRecord("env")), HOME: guard.root, PWD: folder.absolute });
  checkGivenName(line.argv[0]!, policy, line.shell);
  const file = await resolveExecutable(line.argv[0]!, folder.absolute, env.PATH ?? "", guard);
  await checkExecutable(line.argv[0]!, file, policy, line.shell);
  const args = line.argv.slice(1);
  if (policy.confineArguments) await confineArguments(line.shell ? [] : args, folder.absolute, guard);
  return { runtime, input, guard, workspace, file, args, argv: line.argv, shell: line.shell, cwd: folder.absolute, cwdRelative: folder.relative, env };
}

/** The timeout a call asked for (`timeout_seconds`), defaulted and bounded by the policy. */
export function timeoutOf(prepared: { runtime: CommandRuntime; input: ToolInput }, fallbackMs: number, maxMs: number): number {
  return prepared.input.integer("timeout_seconds", Math.round(fallbackMs / 1000), 1, Math.max(1, Math.floor(maxMs / 1000))) * 1000;
}

/** The output cap a call asked for (`max_output_bytes`), bounded by the policy. */
export function outputCapOf(prepared: { runtime: CommandRuntime; input: ToolInput }): number {
  const cap = prepared.runtime.policy.maxOutputBytes;
  return prepared.input.integer("max_output_bytes", cap, 1, cap);
}
