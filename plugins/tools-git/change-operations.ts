/** commit, cherry_pick and rebase_noninteractive: the operations that write commits. A failed pick or rebase is aborted. */
import { ArkError } from "../../core/plugin-api/index.js";
import { checkRevision } from "./git-arguments.js";
import { currentBranch, headCommit, openGitCall, type GitCall, type GitOperationFactory } from "./git-context.js";
import { pathspecs } from "./repo-operations.js";

const pathProp = { type: "string" };

/** `commit`: `{message, add_all?, paths?, allow_empty?}` → `{committed, commit?, branch, reason?}`. */
export const commitOperation: GitOperationFactory = (slot) => ({
  description: "Stage (everything, or the given paths) and commit; nothing to commit answers committed: false.",
  input: {
    type: "object", required: ["message"], additionalProperties: false,
    properties: { path: pathProp, message: { type: "string", minLength: 1 }, add_all: { type: "boolean" }, paths: { type: "array", items: { type: "string", minLength: 1 } }, allow_empty: { type: "boolean" } },
  },
  async handler(raw, ctx) {
    const call = await openGitCall(slot, raw, ctx);
    const { input } = call;
    const message = input.requiredString("message");
    const addAll = input.boolean("add_all", true);
    const paths = input.stringArray("paths", []);
    if (!addAll && paths.length === 0) throw new ArkError("ARK_TOOL_INPUT_INVALID", "commit needs paths when add_all is false.", { details: { field: "paths" } });
    await call.runner.git({ args: addAll ? ["add", "--all"] : ["add", "--", ...(await pathspecs(call, paths))], cwd: call.repo });
    const args = ["commit", "--file=-", "--no-verify", ...(input.boolean("allow_empty", false) ? ["--allow-empty"] : [])];
    const out = await call.runner.git({ args, cwd: call.repo, stdin: message, allowFailure: true });
    const branch = await currentBranch(call).catch(() => null);
    if (out.exitCode !== 0) {
      if (/nothing (added )?to commit|no changes added to commit/.test(out.stdout + out.stderr)) return { committed: false, reason: "nothing_to_commit", branch };
      throw new ArkError("ARK_GIT_FAILED", `git commit failed (exit ${out.exitCode}): ${(out.stderr || out.stdout).trim().split("\n")[0]}`, { details: { command: "commit", exit_code: out.exitCode, stderr: out.stderr, stdout: out.stdout } });
    }
    return { committed: true, commit: await headCommit(call), branch };
  },
});

async function abortOnFailure(call: GitCall, command: "cherry-pick" | "rebase", args: string[]) {
  const out = await call.runner.git({ args, cwd: call.repo, allowFailure: true });
  if (out.exitCode === 0) return out;
  await call.runner.git({ args: [command, "--abort"], cwd: call.repo, allowFailure: true });
  const conflict = /conflict/i.test(out.stdout + out.stderr);
  throw new ArkError("ARK_GIT_FAILED", `git ${command} failed${conflict ? " with conflicts" : ""} and was aborted; the branch is unchanged.`, {
    details: { command, exit_code: out.exitCode, reason: conflict ? "conflict" : "failed", stderr: out.stderr, stdout: out.stdout },
  });
}

/** `cherry_pick`: `{commit, no_commit?, mainline?}` → `{commit, head}`. */
export const cherryPickOperation: GitOperationFactory = (slot) => ({
  description: "Apply one commit onto the current branch (aborted and left unchanged on conflict).",
  input: {
    type: "object", required: ["commit"], additionalProperties: false,
    properties: { path: pathProp, commit: { type: "string", minLength: 1 }, no_commit: { type: "boolean" }, mainline: { type: "integer", minimum: 1, maximum: 16 } },
  },
  async handler(raw, ctx) {
    const call = await openGitCall(slot, raw, ctx);
    const commit = checkRevision(call.input.requiredString("commit"), "commit");
    const mainline = call.input.integer("mainline", 0, 0, 16);
    const args = ["cherry-pick", ...(call.input.boolean("no_commit", false) ? ["--no-commit"] : []), ...(mainline > 0 ? [`--mainline=${mainline}`] : []), "--end-of-options", commit];
    await abortOnFailure(call, "cherry-pick", args);
    return { commit, head: await headCommit(call) };
  },
});

/** `rebase_noninteractive`: `{upstream, branch?}` → `{upstream, branch, head}`. */
export const rebaseOperation: GitOperationFactory = (slot) => ({
  description: "Rebase the current (or given) branch onto upstream without an editor (aborted and left unchanged on conflict).",
  input: {
    type: "object", required: ["upstream"], additionalProperties: false,
    properties: { path: pathProp, upstream: { type: "string", minLength: 1 }, branch: { type: "string", minLength: 1 } },
  },
  async handler(raw, ctx) {
    const call = await openGitCall(slot, raw, ctx);
    const upstream = checkRevision(call.input.requiredString("upstream"), "upstream");
    const branch = call.input.optionalString("branch");
    if (branch !== null) checkRevision(branch, "branch");
    await abortOnFailure(call, "rebase", ["rebase", "--no-autosquash", "--end-of-options", upstream, ...(branch !== null ? [branch] : [])]);
    return { upstream, branch: branch ?? (await currentBranch(call)), head: await headCommit(call) };
  },
});
