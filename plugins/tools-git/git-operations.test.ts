import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toolNodeType, type ExecutionRequest } from "../../core/plugin-api/index.js";
import { codeOf } from "../../core/workspace/testing.js";
import { GIT_OPERATIONS } from "./git-domain.js";
import { git, gitFixture } from "./test-support.js";

let fx: Awaited<ReturnType<typeof gitFixture>>;
let repo: string;
beforeAll(async () => {
  fx = await gitFixture();
  const cloned = await fx.call("clone", { url: fx.remote, path: "repo" });
  expect(cloned).toMatchObject({ path: "repo", url: fx.remote, head: expect.stringMatching(/^[0-9a-f]{40}$/) });
  repo = path.join(fx.root, "repo");
});
afterAll(() => fx.cleanup());

const R = { path: "repo" };

describe("git: status, diff, commit", () => {
  it("reports status, diffs and commits as the configured author", async () => {
    expect(await fx.call("status", R)).toMatchObject({ branch: "main", upstream: "origin/main", clean: true, ahead: 0 });
    await writeFile(path.join(repo, "README.md"), "seed\nchanged\n");
    await writeFile(path.join(repo, "new file.txt"), "new\n");
    const status = await fx.call("status", R);
    expect(status.entries).toEqual([{ index: " ", worktree: "M", path: "README.md" }, { index: "?", worktree: "?", path: "new file.txt" }]);
    expect((await fx.call("diff", R)).diff).toContain("+changed");
    expect((await fx.call("diff", { ...R, paths: ["repo/new file.txt"] })).diff).toBe("");
    const commit = await fx.call("commit", { ...R, message: "--amend is just a message" });
    expect(commit).toMatchObject({ committed: true, branch: "main", commit: git(repo, "rev-parse", "HEAD") });
    expect(git(repo, "log", "-1", "--format=%an <%ae> %s")).toBe("ARK <ark@localhost> --amend is just a message");
    expect(await fx.call("commit", { ...R, message: "again" })).toMatchObject({ committed: false, reason: "nothing_to_commit" });
    expect((await fx.call("status", R))).toMatchObject({ clean: true, ahead: 1 });
    expect((await fx.call("diff", { ...R, base: "HEAD~1", target: "HEAD", stat: true })).diff).toContain("2 files changed");
  });

  it("commits only the given paths when add_all is false", async () => {
    await writeFile(path.join(repo, "a.txt"), "a\n");
    await writeFile(path.join(repo, "b.txt"), "b\n");
    await fx.call("commit", { ...R, message: "only a", add_all: false, paths: ["repo/a.txt"] });
    expect(git(repo, "show", "--name-only", "--format=", "HEAD")).toBe("a.txt");
    expect(await codeOf(fx.call("commit", { ...R, message: "x", add_all: false }))).toBe("ARK_TOOL_INPUT_INVALID");
    await fx.call("commit", { ...R, message: "b" });
  });
});

describe("git: branches, push, tags", () => {
  it("creates, lists, switches and deletes branches", async () => {
    expect(await fx.call("branch", { ...R, action: "create", name: "feature/x" })).toEqual({ action: "create", branch: "feature/x" });
    expect((await fx.call("branch", R)).branches).toEqual(["feature/x", "main"]);
    await fx.call("branch", { ...R, action: "switch", name: "topic", create: true, from: "main" });
    expect(git(repo, "branch", "--show-current")).toBe("topic");
    await fx.call("branch", { ...R, action: "switch", name: "main" });
    expect(await fx.call("branch", { ...R, action: "delete", name: "topic" })).toMatchObject({ branch: "topic" });
    expect(await codeOf(fx.call("branch", { ...R, action: "delete", name: "nope" }))).toBe("ARK_GIT_FAILED");
    expect(await codeOf(fx.call("branch", { ...R, action: "create" }))).toBe("ARK_TOOL_INPUT_INVALID");
    expect(await codeOf(fx.call("branch", { ...R, action: "rename", name: "x" }))).toBe("ARK_TOOL_INPUT_INVALID");
  });

  it("pushes to the bare remote and refuses force pushes by default", async () => {
    const pushed = await fx.call("push", { ...R, set_upstream: true });
    expect(pushed).toMatchObject({ remote: "origin", branch: "main", forced: false });
    expect(git(fx.remote, "rev-parse", "refs/heads/main")).toBe(git(repo, "rev-parse", "HEAD"));
    await fx.call("branch", { ...R, action: "switch", name: "feature/x" });
    await fx.call("push", { ...R, branch: "feature/x" });
    expect(git(fx.remote, "rev-parse", "refs/heads/feature/x")).toBe(git(repo, "rev-parse", "feature/x"));
    await fx.call("branch", { ...R, action: "switch", name: "main" });
    expect(await codeOf(fx.call("push", { ...R, force: true }))).toBe("ARK_GIT_ARGUMENT_REJECTED");
    expect(await codeOf(fx.call("push", { ...R, remote: "nowhere" }))).toBe("ARK_GIT_FAILED");
  });

  it("creates annotated tags, lists, pushes and deletes them", async () => {
    expect(await fx.call("tag", { ...R, name: "v1.0", message: "release\n\n-m not an option" })).toMatchObject({ tag: "v1.0", annotated: true, target: "HEAD" });
    expect(git(repo, "cat-file", "-t", "v1.0")).toBe("tag");
    expect((await fx.call("tag", { ...R, action: "list" })).tags).toEqual(["v1.0"]);
    await fx.call("tag", { ...R, action: "push", name: "v1.0" });
    expect(git(fx.remote, "tag", "--list")).toBe("v1.0");
    await fx.call("tag", { ...R, action: "delete", name: "v1.0" });
    expect((await fx.call("tag", { ...R, action: "list" })).tags).toEqual([]);
  });
});

describe("git: cherry_pick and rebase_noninteractive", () => {
  it("picks a commit, and aborts a conflicting pick leaving the branch unchanged", async () => {
    git(repo, "switch", "--quiet", "-c", "pick-src");
    await writeFile(path.join(repo, "picked.txt"), "p\n");
    git(repo, "add", "picked.txt");
    git(repo, "commit", "--quiet", "-m", "to pick");
    const sha = git(repo, "rev-parse", "HEAD");
    await writeFile(path.join(repo, "README.md"), "conflict on src\n");
    git(repo, "commit", "--quiet", "-am", "src readme");
    const conflicting = git(repo, "rev-parse", "HEAD");
    git(repo, "switch", "--quiet", "main");
    const picked = await fx.call("cherry_pick", { ...R, commit: sha });
    expect(picked.head).toBe(git(repo, "rev-parse", "HEAD"));
    expect(await readFile(path.join(repo, "picked.txt"), "utf8")).toBe("p\n");
    await writeFile(path.join(repo, "README.md"), "conflict on main\n");
    git(repo, "commit", "--quiet", "-am", "main readme");
    const before = git(repo, "rev-parse", "HEAD");
    const err = await fx.call("cherry_pick", { ...R, commit: conflicting }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ARK_GIT_FAILED", details: { reason: "conflict" } });
    expect(git(repo, "rev-parse", "HEAD")).toBe(before);
    expect((await fx.call("status", R)).clean).toBe(true);
    expect(await codeOf(fx.call("cherry_pick", { ...R, commit: "0123456789abcdef0123456789abcdef01234567" }))).toBe("ARK_GIT_FAILED");
  });

  it("rebases without an editor, and aborts a conflicting rebase", async () => {
    git(repo, "switch", "--quiet", "-c", "rebase-me", "main~1");
    await writeFile(path.join(repo, "side.txt"), "side\n");
    git(repo, "add", "side.txt");
    git(repo, "commit", "--quiet", "-m", "side");
    const rebased = await fx.call("rebase_noninteractive", { ...R, upstream: "main" });
    expect(rebased).toMatchObject({ upstream: "main", branch: "rebase-me" });
    expect(git(repo, "merge-base", "--is-ancestor", "main", "HEAD")).toBe("");
    git(repo, "switch", "--quiet", "-c", "clash", "main~1");
    await writeFile(path.join(repo, "README.md"), "clash\n");
    git(repo, "commit", "--quiet", "-am", "clash");
    const before = git(repo, "rev-parse", "HEAD");
    expect(await codeOf(fx.call("rebase_noninteractive", { ...R, upstream: "main" }))).toBe("ARK_GIT_FAILED");
    expect(git(repo, "rev-parse", "HEAD")).toBe(before);
    expect((await fx.call("status", R)).clean).toBe(true);
    git(repo, "switch", "--quiet", "main");
  });
});

describe("git: pull_request", () => {
  it("answers a compare URL without gh", async () => {
    const noGithub = await fx.call("pull_request", { ...R, head: "feature/x" });
    expect(noGithub).toMatchObject({ created: false, reason: "gh_unavailable", compare_url: null, base: "main", head: "feature/x" });
    git(repo, "remote", "add", "github", "git@github.com:acme/widgets.git");
    const viaGithub = await fx.call("pull_request", { ...R, head: "feature/x", remote: "github" });
    expect(viaGithub.compare_url).toBe("https://github.com/acme/widgets/compare/main...feature%2Fx?expand=1");
  });

  it("uses gh when it is installed", async () => {
    const gh = path.join(fx.dir, "fake-gh");
    await writeFile(gh, `#!/bin/sh\nprintf '%s\\n' "$@" > "${fx.dir}/gh-args"\necho "https://github.com/acme/widgets/pull/7"\n`, { mode: 0o755 });
    const withGh = await gitFixture({ ghPath: gh });
    try {
      await withGh.call("clone", { url: withGh.remote, path: "r" });
      const created = await withGh.call("pull_request", { path: "r", title: "--title injected?", base: "main", head: "main" });
      expect(created).toEqual({ created: true, url: "https://github.com/acme/widgets/pull/7", base: "main", head: "main" });
      expect((await readFile(path.join(fx.dir, "gh-args"), "utf8")).split("\n")).toContain("--title injected?");
    } finally {
      await withGh.cleanup();
    }
  });
});

describe("git node type without a tool host", () => {
  it("calls the handler directly with the node run's scope, and fails bad operations and refusals as results", async () => {
    const nodeType = toolNodeType({ type: "git", operations: GIT_OPERATIONS, domain: () => fx.domain, description: "git" });
    const request = (operation: string, input: Record<string, unknown>): ExecutionRequest => ({
      contract_version: "v1", node_id: 5, node_type: "git", node_config: { operation, input }, input_context: {}, execution_id: 77, execution_index: 1, workspace_identity: "test",
    });
    const signal = new AbortController().signal;
    const ok = await nodeType.execute!(request("status", R), signal);
    expect(ok).toMatchObject({ status: "success", output_state: { node_type: "git", tool_domain: "git", operation: "status", result: { branch: "main" }, deterministic_tooling: { via: "direct", idempotency_key: "node_run:77:git.status" } } });
    const refused = await nodeType.execute!(request("branch", { ...R, action: "create", name: "-D" }), signal);
    expect(refused).toMatchObject({ status: "failed", error: { details: { code: "ARK_GIT_ARGUMENT_REJECTED" } } });
    expect(await nodeType.execute!(request("explode", {}), signal)).toMatchObject({ status: "failed", error: { code: "validation_error" } });
  });
});
