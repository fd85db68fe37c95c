/**
 * apply_patch: a unified diff applied with `git apply` (atomic: all hunks or nothing). Every path the diff names is
 * checked by the guard first; git runs with a scrubbed environment, no global/system config, and is stopped from
 * discovering a repository above the workspace root.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ArkError, runProcess, scrubbedEnv, ToolInput, type ToolOperation } from "../../core/plugin-api/index.js";
import { checkWritable, openCall, type WorkspaceCall } from "./workspace-context.js";
import type { WorkspaceOperationFactory } from "./operation-types.js";
import { patchTargets } from "./patch-paths.js";

const MAX_PATCH_OUTPUT = 64 * 1024;

async function gitApply(call: WorkspaceCall, patchFile: string, args: readonly string[]) {
  const env = scrubbedEnv(process.env, ["PATH", "LANG", "LC_ALL"], {
    HOME: call.guard.root, GIT_CEILING_DIRECTORIES: path.dirname(call.guard.root), GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0",
  });
  return runProcess({
    file: call.settings.gitPath, args: ["apply", ...args, "--whitespace=nowarn", "--", patchFile], cwd: call.guard.root, env,
    timeoutMs: call.settings.patchTimeoutMs, maxOutputBytes: MAX_PATCH_OUTPUT,
  });
}

/** `apply_patch`: `{patch, strip?, check_only?}` → `{applied, files[], method: "git_apply", stdout, stderr}`. */
export const applyPatchOperation: WorkspaceOperationFactory = (slot): ToolOperation => ({
  description: "Apply a unified diff to workspace files (all hunks or none); check_only tests it without changing anything.",
  input: {
    type: "object", required: ["patch"], additionalProperties: false,
    properties: { patch: { type: "string", minLength: 1 }, strip: { type: "integer", minimum: 0, maximum: 8 }, check_only: { type: "boolean" } },
  },
  async handler(raw, ctx) {
    const call = await openCall(slot, ctx);
    const input = new ToolInput(raw);
    const patch = input.requiredString("patch");
    if (Buffer.byteLength(patch) > call.settings.maxWriteBytes) {
      throw new ArkError("ARK_WORKSPACE_TOO_LARGE", `The patch exceeds the write cap of ${call.settings.maxWriteBytes} bytes.`, { details: { field: "patch", limit: call.settings.maxWriteBytes } });
    }
    const stripCount = input.integer("strip", 1, 0, 8);
    const targets = patchTargets(patch, stripCount);
    if (targets.touchesSymlinks) throw new ArkError("ARK_WORKSPACE_PROTECTED", "Patches that create or change symlinks are refused.", { details: { field: "patch" } });
    const files: string[] = [];
    for (const file of targets.paths) {
      const target = await call.guard.resolve(file, { field: "patch" });
      checkWritable(call, target, "patch");
      files.push(target.relative);
    }
    const checkOnly = input.boolean("check_only", false);
    const dir = await mkdtemp(path.join(tmpdir(), "ark-patch-"));
    try {
      const patchFile = path.join(dir, "change.patch");
      await writeFile(patchFile, patch.endsWith("\n") ? patch : `${patch}\n`);
      const outcome = await gitApply(call, patchFile, [`-p${stripCount}`, ...(checkOnly ? ["--check"] : [])]);
      if (outcome.exitCode !== 0) {
        throw new ArkError("ARK_WORKSPACE_PATCH_FAILED", `The patch does not apply: ${outcome.stderr.trim().split("\n")[0] ?? "git apply failed"}`, {
          details: { stderr: outcome.stderr, exit_code: outcome.exitCode, timed_out: outcome.timedOut, files },
        });
      }
      return { applied: !checkOnly, check_only: checkOnly, files, method: "git_apply", stdout: outcome.stdout, stderr: outcome.stderr };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
});
