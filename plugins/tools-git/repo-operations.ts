/** status, diff and clone. */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { ArkError } from "../../core/plugin-api/index.js";
import { checkRevision, checkUrl } from "./git-arguments.js";
import { headCommit, openGitCall, timeoutOf, type GitCall, type GitOperationFactory } from "./git-context.js";

const pathProp = { type: "string", description: "Repository folder inside the workspace (default: the workspace root)." };
const timeoutProp = { type: "integer", minimum: 1, maximum: 7200 };

/** Parses `git status --porcelain=v1 --branch -z`. */
export function parseStatus(raw: string): { branch: string | null; upstream: string | null; ahead: number; behind: number; entries: { path: string; index: string; worktree: string; from?: string }[] } {
  const records = raw.split("\0");
  let branch: string | null = null;
  let upstream: string | null = null;
  let ahead = 0;
  let behind = 0;
  const entries: { path: string; index: string; worktree: string; from?: string }[] = [];
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    if (record === "") continue;
    if (record.startsWith("## ")) {
      const [names = "", counts = ""] = record.slice(3).replace(/^No commits yet on /, "").split(" [");
      const [local = "", remote] = names.split("...");
      branch = local.startsWith("HEAD (no branch)") ? null : local;
      upstream = remote ?? null;
      ahead = Number(/ahead (\d+)/.exec(counts)?.[1] ?? 0);
      behind = Number(/behind (\d+)/.exec(counts)?.[1] ?? 0);
      continue;
    }
    const entry: { path: string; index: string; worktree: string; from?: string } = { index: record[0]!, worktree: record[1]!, path: record.slice(3) };
    if (entry.index === "R" || entry.index === "C") entry.from = records[++i];
    entries.push(entry);
  }
  return { branch, upstream, ahead, behind, entries };
}

/** `status`: `{path?}` → `{branch, upstream, ahead, behind, clean, entries[]}`. */
export const statusOperation: GitOperationFactory = (slot) => ({
  description: "Working tree status: branch, upstream, ahead/behind, changed files.",
  idempotent: true,
  input: { type: "object", additionalProperties: false, properties: { path: pathProp } },
  async handler(raw, ctx) {
    const call = await openGitCall(slot, raw, ctx);
    const out = await call.runner.git({ args: ["status", "--porcelain=v1", "--branch", "-z", "--untracked-files=all"], cwd: call.repo });
    const status = parseStatus(out.stdout);
    return { ...status, clean: status.entries.length === 0 };
  },
});

/** `diff`: `{path?, staged?, base?, target?, paths?, stat?}` → `{diff, truncated}`. */
export const diffOperation: GitOperationFactory = (slot) => ({
  description: "The diff of the working tree (or the index with staged: true, or between base and target revisions).",
  idempotent: true,
  input: {
    type: "object", additionalProperties: false,
    properties: {
      path: pathProp, staged: { type: "boolean" }, base: { type: "string", minLength: 1 }, target: { type: "string", minLength: 1 },
      paths: { type: "array", items: { type: "string", minLength: 1 } }, stat: { type: "boolean" },
    },
  },
  async handler(raw, ctx) {
    const call = await openGitCall(slot, raw, ctx);
    const { input } = call;
    const revisions = [input.optionalString("base"), input.optionalString("target")].filter((r): r is string => r !== null);
    revisions.forEach((rev, i) => checkRevision(rev, i === 0 ? "base" : "target"));
    const paths = await pathspecs(call, input.stringArray("paths", []));
    const args = ["diff", "--no-ext-diff", "--no-color", "--no-textconv", ...(input.boolean("staged", false) ? ["--cached"] : []), ...(input.boolean("stat", false) ? ["--stat"] : []), "--end-of-options", ...revisions, "--", ...paths];
    const out = await call.runner.git({ args, cwd: call.repo });
    return { diff: out.stdout, truncated: out.stdoutTruncated };
  },
});

/** Caller paths as pathspecs: each through the guard, made relative to the repository and marked literal. */
export async function pathspecs(call: GitCall, paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const resolved = await call.guard.resolve(p, { field: "paths", followFinal: false });
    const relToRepo = path.relative(call.repo, resolved.absolute);
    if (relToRepo.startsWith("..") || path.isAbsolute(relToRepo)) {
      throw new ArkError("ARK_GIT_ARGUMENT_REJECTED", `paths entry "${p}" is outside the repository folder.`, { details: { field: "paths", value: p, reason: "outside_repository" } });
    }
    out.push(`:(literal)${relToRepo === "" ? "." : relToRepo}`);
  }
  return out;
}

function defaultCloneDir(url: string): string {
  const base = url.replace(/\/+$/, "").split(/[/:]/).pop() ?? "repo";
  const name = base.replace(/\.git$/, "");
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) ? name : "repo";
}

/** `clone`: `{url, path?, branch?, depth?}` → `{path, url, head}`. `path` is the new folder (default: the repository name). */
export const cloneOperation: GitOperationFactory = (slot) => ({
  description: "Clone a repository (allowed URL schemes only) into a new folder of the workspace; submodules are not fetched.",
  input: {
    type: "object", required: ["url"], additionalProperties: false,
    properties: { url: { type: "string", minLength: 1 }, path: { type: "string" }, branch: { type: "string", minLength: 1 }, depth: { type: "integer", minimum: 1 }, timeout_seconds: timeoutProp },
  },
  async handler(raw, ctx) {
    const call = await openGitCall(slot, raw, ctx, { repoIsRoot: true });
    const { input } = call;
    const url = checkUrl(input.requiredString("url"), call.settings.allowedUrlSchemes);
    const branch = input.optionalString("branch");
    if (branch !== null) checkRevision(branch, "branch");
    const target = await call.guard.resolve(input.optionalString("path") ?? defaultCloneDir(url), { field: "path" });
    if (target.relative === "." ? (await readdir(target.absolute)).length > 0 : target.exists) {
      throw new ArkError("ARK_WORKSPACE_CONFLICT", `path "${target.relative}" already exists; clone needs a new or empty folder.`, { details: { field: "path", path: target.relative, reason: "exists" } });
    }
    const depth = input.integer("depth", 0, 0, 1_000_000);
    const args = ["clone", "--no-recurse-submodules", ...(depth > 0 ? [`--depth=${depth}`] : []), ...(branch ? [`--branch=${branch}`] : []), "--end-of-options", url, target.absolute];
    await call.runner.git({ args, cwd: call.guard.root, timeoutMs: timeoutOf(call, call.settings.networkTimeoutMs), signal: call.signal });
    const head = await headCommit({ ...call, repo: target.absolute }).catch(() => null);
    return { path: target.relative, url, head };
  },
});
