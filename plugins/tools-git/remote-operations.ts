/** push and pull_request. */
import { ArkError } from "../../core/plugin-api/index.js";
import { checkRefName, checkRemoteName } from "./git-arguments.js";
import { currentBranch, openGitCall, timeoutOf, type GitCall, type GitOperationFactory } from "./git-context.js";

const pathProp = { type: "string" };

async function branchOf(call: GitCall, field: string): Promise<string> {
  const given = call.input.optionalString(field);
  if (given !== null) return checkRefName(given, field);
  const current = await currentBranch(call);
  if (current === "HEAD") throw new ArkError("ARK_GIT_FAILED", `HEAD is detached; give ${field} explicitly.`, { details: { field, reason: "detached_head" } });
  return current;
}

/** `push`: `{remote?, branch?, set_upstream?, force?}` → `{remote, branch, forced}`. */
export const pushOperation: GitOperationFactory = (slot) => ({
  description: "Push a branch (default: the current one) to a configured remote; force pushes need allowForcePush and use --force-with-lease.",
  input: {
    type: "object", additionalProperties: false,
    properties: { path: pathProp, remote: { type: "string", minLength: 1 }, branch: { type: "string", minLength: 1 }, set_upstream: { type: "boolean" }, force: { type: "boolean" }, timeout_seconds: { type: "integer", minimum: 1, maximum: 7200 } },
  },
  async handler(raw, ctx) {
    const call = await openGitCall(slot, raw, ctx);
    const remote = checkRemoteName(call.input.string("remote", "origin"));
    const branch = await branchOf(call, "branch");
    const force = call.input.boolean("force", false);
    if (force && !call.settings.allowForcePush) {
      throw new ArkError("ARK_GIT_ARGUMENT_REJECTED", "force pushes are disabled (tools-git allowForcePush: false).", { details: { field: "force", reason: "force_push_disabled" } });
    }
    const args = ["push", ...(call.input.boolean("set_upstream", false) ? ["--set-upstream"] : []), ...(force ? ["--force-with-lease"] : []), "--end-of-options", remote, `refs/heads/${branch}:refs/heads/${branch}`];
    const out = await call.runner.git({ args, cwd: call.repo, timeoutMs: timeoutOf(call, call.settings.networkTimeoutMs), signal: call.signal });
    return { remote, branch, forced: force, stderr: out.stderr };
  },
});

/** The web compare URL of a GitHub remote (`https://github.com/o/r/compare/base...head?expand=1`), else null. */
export function compareUrl(remoteUrl: string, base: string, head: string): string | null {
  const match = /^(?:https:\/\/github\.com\/|git@github\.com:|ssh:\/\/git@github\.com\/)([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(remoteUrl.trim());
  if (!match) return null;
  return `https://github.com/${match[1]}/${match[2]}/compare/${encodeURIComponent(base)}...${encodeURIComponent(head)}?expand=1`;
}

/** `pull_request`: `{base?, head?, title?, body?, remote?}` → `{created, url?, compare_url?, reason?, base, head}`. */
export const pullRequestOperation: GitOperationFactory = (slot) => ({
  description: "Open a pull request with the GitHub CLI (gh) when it is installed; otherwise answer the compare URL to open one by hand.",
  input: {
    type: "object", additionalProperties: false,
    properties: {
      path: pathProp, base: { type: "string", minLength: 1 }, head: { type: "string", minLength: 1 }, title: { type: "string", minLength: 1 }, body: { type: "string" },
      remote: { type: "string", minLength: 1 }, timeout_seconds: { type: "integer", minimum: 1, maximum: 7200 },
    },
  },
  async handler(raw, ctx) {
    const call = await openGitCall(slot, raw, ctx);
    const { input } = call;
    const base = checkRefName(input.string("base", "main"), "base");
    const head = await branchOf(call, "head");
    const remote = checkRemoteName(input.string("remote", "origin"));
    const title = input.optionalString("title") ?? `Update ${head}`;
    const body = input.string("body", "Automated pull request from ARK.");
    const gh = await call.runner.tool(call.settings.ghPath, ["pr", "create", "--base", base, "--head", head, "--title", title, "--body", body], {
      cwd: call.repo, timeoutMs: timeoutOf(call, call.settings.networkTimeoutMs), ...(call.signal ? { signal: call.signal } : {}),
    });
    if (gh && gh.exitCode === 0) return { created: true, url: gh.stdout.trim().split("\n").pop() ?? "", base, head };
    const remoteUrl = (await call.runner.git({ args: ["remote", "get-url", "--", remote], cwd: call.repo, allowFailure: true })).stdout.trim();
    return {
      created: false, base, head, compare_url: compareUrl(remoteUrl, base, head),
      reason: gh ? "gh_failed" : "gh_unavailable", ...(gh ? { gh_stderr: gh.stderr.trim() } : {}),
    };
  },
});
