import { mkdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf } from "../../core/workspace/testing.js";
import { workspaceFixture } from "./test-support.js";

let fx: Awaited<ReturnType<typeof workspaceFixture>>;
beforeAll(async () => {
  fx = await workspaceFixture({ maxReadBytes: 1000, maxWriteBytes: 2000, maxSearchResults: 50 });
  await fx.call("mkdir", { path: "." , exist_ok: true }).catch(() => undefined);
});
afterAll(() => fx.cleanup());

describe("workspace: write, read", () => {
  it("writes (creating parents), reads back, appends, and counts bytes not characters", async () => {
    expect(await fx.call("write", { path: "docs/a.txt", content: "héllo\n" })).toEqual({ path: "docs/a.txt", bytes_written: 7, append: false });
    await fx.call("write", { path: "docs/a.txt", content: "more\n", append: true });
    expect(await fx.call("read", { path: "docs/a.txt" })).toMatchObject({ content: "héllo\nmore\n", bytes: 12, truncated: false, total_bytes: 12 });
    expect(await fx.call("read", { path: "docs/a.txt", max_bytes: 3 })).toMatchObject({ bytes: 3, truncated: true, total_bytes: 12 });
    expect(await fx.call("read", { path: "docs/a.txt", encoding: "base64" })).toMatchObject({ content: Buffer.from("héllo\nmore\n").toString("base64") });
  });

  it("keeps each workspace separate", async () => {
    await fx.call("write", { path: "x.txt", content: "run 1" }, { flowchart_run_id: 1 });
    expect(await codeOf(fx.call("read", { path: "x.txt" }, { flowchart_run_id: 2 }))).toBe("ARK_WORKSPACE_NOT_FOUND");
    expect(await readFile(path.join(fx.dir, "default", "run-1", "x.txt"), "utf8")).toBe("run 1");
  });

  it("refuses bad reads and writes with stable codes and writes nothing", async () => {
    expect(await codeOf(fx.call("read", { path: "missing.txt" }))).toBe("ARK_WORKSPACE_NOT_FOUND");
    expect(await codeOf(fx.call("read", { path: "docs" }))).toBe("ARK_WORKSPACE_CONFLICT");
    expect(await codeOf(fx.call("read", { path: "docs/a.txt", max_bytes: 5000 }))).toBe("ARK_WORKSPACE_TOO_LARGE");
    expect(await codeOf(fx.call("read", { path: "docs/a.txt", encoding: "klingon" }))).toBe("ARK_TOOL_INPUT_INVALID");
    expect(await codeOf(fx.call("read", {}))).toBe("ARK_TOOL_INPUT_INVALID");
    expect(await codeOf(fx.call("write", { path: "big.txt", content: "x".repeat(2001) }))).toBe("ARK_WORKSPACE_TOO_LARGE");
    await expect(stat(path.join(fx.root, "big.txt"))).rejects.toThrow();
    expect(await codeOf(fx.call("write", { path: "docs", content: "x" }))).toBe("ARK_WORKSPACE_CONFLICT");
    expect(await codeOf(fx.call("write", { path: "new/deep/f.txt", content: "x", create_parents: false }))).toBe("ARK_WORKSPACE_NOT_FOUND");
    expect(await codeOf(fx.call("write", { path: "docs/a.txt/child", content: "x" }))).toBe("ARK_WORKSPACE_CONFLICT");
    expect(await codeOf(fx.call("write", { path: 5, content: "x" }))).toBe("ARK_TOOL_INPUT_INVALID");
    expect(await codeOf(fx.call("list", { path: 5 }))).toBe("ARK_WORKSPACE_PATH_INVALID");
    expect(await codeOf(fx.call("write", { path: ".git/hooks/pre-commit", content: "#!/bin/sh" }))).toBe("ARK_WORKSPACE_PROTECTED");
    expect(await codeOf(fx.call("write", "not an object"))).toBe("ARK_TOOL_INPUT_INVALID");
  });
});

describe("workspace: list, mkdir, delete, move, copy, chmod", () => {
  it("lists sorted entries, hides dot files unless asked, and recurses", async () => {
    await fx.call("mkdir", { path: "tree/sub" });
    await fx.call("write", { path: "tree/sub/b.txt", content: "b" });
    await fx.call("write", { path: "tree/a.txt", content: "a" });
    await fx.call("write", { path: "tree/.hidden", content: "h" });
    const flat = await fx.call("list", { path: "tree" });
    expect(flat.entries.map((e: { path: string }) => e.path)).toEqual(["tree/a.txt", "tree/sub"]);
    const deep = await fx.call("list", { path: "tree", recursive: true, include_hidden: true });
    expect(deep.entries.map((e: { path: string }) => e.path)).toEqual(["tree/.hidden", "tree/a.txt", "tree/sub", "tree/sub/b.txt"]);
    expect(deep.entries[1]).toMatchObject({ type: "file", size: 1, mode: expect.stringMatching(/^0o[0-7]+$/) });
    expect(await codeOf(fx.call("list", { path: "tree/a.txt" }))).toBe("ARK_WORKSPACE_CONFLICT");
    expect(await codeOf(fx.call("list", { path: "nope" }))).toBe("ARK_WORKSPACE_NOT_FOUND");
  });

  it("mkdir reports created/exists and refuses a file in the way", async () => {
    expect(await fx.call("mkdir", { path: "m/n" })).toEqual({ path: "m/n", created: true });
    expect(await fx.call("mkdir", { path: "m/n" })).toEqual({ path: "m/n", created: false });
    expect(await codeOf(fx.call("mkdir", { path: "m/n", exist_ok: false }))).toBe("ARK_WORKSPACE_CONFLICT");
    expect(await codeOf(fx.call("mkdir", { path: "tree/a.txt" }))).toBe("ARK_WORKSPACE_CONFLICT");
    expect(await codeOf(fx.call("mkdir", { path: "p/q/r", parents: false }))).toBe("ARK_WORKSPACE_NOT_FOUND");
  });

  it("move and copy refuse existing targets, a target inside the source and a missing source", async () => {
    await fx.call("write", { path: "mv/src.txt", content: "s" });
    await fx.call("write", { path: "mv/other.txt", content: "o" });
    expect(await codeOf(fx.call("move", { source: "mv/src.txt", target: "mv/other.txt" }))).toBe("ARK_WORKSPACE_CONFLICT");
    expect(await fx.call("move", { source: "mv/src.txt", target: "mv2/dst.txt" })).toEqual({ source: "mv/src.txt", target: "mv2/dst.txt", moved: true });
    expect(await codeOf(fx.call("move", { source: "mv/src.txt", target: "mv/x" }))).toBe("ARK_WORKSPACE_NOT_FOUND");
    expect(await codeOf(fx.call("move", { source: "mv", target: "mv/inner" }))).toBe("ARK_WORKSPACE_CONFLICT");
    expect(await fx.call("copy", { source: "tree", target: "tree-copy" })).toMatchObject({ copied: true });
    expect(await readFile(path.join(fx.root, "tree-copy/sub/b.txt"), "utf8")).toBe("b");
    expect(await codeOf(fx.call("copy", { source: "tree", target: "tree-copy" }))).toBe("ARK_WORKSPACE_CONFLICT");
    expect(await codeOf(fx.call("copy", { source: "tree", target: "t3", recursive: false }))).toBe("ARK_WORKSPACE_CONFLICT");
    await fx.call("copy", { source: "mv/other.txt", target: "mv2/dst.txt", overwrite: true });
    expect(await readFile(path.join(fx.root, "mv2/dst.txt"), "utf8")).toBe("o");
    expect(await codeOf(fx.call("move", { source: ".", target: "elsewhere" }))).toBe("ARK_WORKSPACE_CONFLICT");
  });

  it("delete removes files and folders, refuses the root, and is idempotent", async () => {
    await fx.call("write", { path: "del/f.txt", content: "x" });
    expect(await codeOf(fx.call("delete", { path: "del", recursive: false }))).toBe("ARK_WORKSPACE_CONFLICT");
    expect(await fx.call("delete", { path: "del" })).toEqual({ path: "del", deleted: true });
    expect(await fx.call("delete", { path: "del" })).toEqual({ path: "del", deleted: false, reason: "not_found" });
    expect(await codeOf(fx.call("delete", { path: "." }))).toBe("ARK_WORKSPACE_PROTECTED");
    expect(await codeOf(fx.call("delete", { path: "" }))).toBe("ARK_TOOL_INPUT_INVALID");
  });

  it("chmod parses octal modes and refuses set-id bits", async () => {
    await fx.call("write", { path: "run.sh", content: "#!/bin/sh\n" });
    expect(await fx.call("chmod", { path: "run.sh", mode: "755" })).toEqual({ path: "run.sh", mode: "0o755" });
    expect((await stat(path.join(fx.root, "run.sh"))).mode & 0o777).toBe(0o755);
    expect(await fx.call("chmod", { path: "run.sh", mode: 0o600 })).toEqual({ path: "run.sh", mode: "0o600" });
    for (const mode of ["4755", "0x1ff", "rwx", -1, 1.5]) expect(await codeOf(fx.call("chmod", { path: "run.sh", mode }))).toBe("ARK_TOOL_INPUT_INVALID");
    expect(await codeOf(fx.call("chmod", { path: "gone.sh", mode: "644" }))).toBe("ARK_WORKSPACE_NOT_FOUND");
  });
});

describe("workspace: search", () => {
  beforeAll(async () => {
    await fx.call("write", { path: "src/app.ts", content: "const a = 1;\n// TODO: fix\n" });
    await fx.call("write", { path: "src/lib/util.ts", content: "export const todo = 2; // todo later\n" });
    await fx.call("write", { path: "src/readme.md", content: "TODO docs\n" });
    await writeFile(path.join(fx.root, "src/bin.dat"), Buffer.from([0, 1, 2, 84, 79, 68, 79]));
  });

  it("finds text and regex matches filtered by glob, skipping binary files", async () => {
    const plain = await fx.call("search", { path: "src", query: "TODO" });
    expect(plain.matches).toEqual([{ path: "src/app.ts", line_number: 2, line: "// TODO: fix" }, { path: "src/readme.md", line_number: 1, line: "TODO docs" }]);
    const ts = await fx.call("search", { path: "src", query: "todo", case_sensitive: false, glob: "**/*.ts" });
    expect(ts.matches.map((m: { path: string }) => m.path)).toEqual(["src/app.ts", "src/lib/util.ts"]);
    const re = await fx.call("search", { query: "^export\\s", regex: true });
    expect(re.matches).toHaveLength(1);
    const capped = await fx.call("search", { path: "src", query: "o", max_results: 1 });
    expect(capped).toMatchObject({ truncated: true, matches: [expect.anything()] });
  });

  it("refuses bad searches", async () => {
    expect(await codeOf(fx.call("search", { query: "(", regex: true }))).toBe("ARK_TOOL_INPUT_INVALID");
    expect(await codeOf(fx.call("search", { query: "" }))).toBe("ARK_TOOL_INPUT_INVALID");
    expect(await codeOf(fx.call("search", { query: "x", max_results: 51 }))).toBe("ARK_TOOL_INPUT_INVALID");
    expect(await codeOf(fx.call("search", { query: "x", path: "src/app.ts" }))).toBe("ARK_WORKSPACE_CONFLICT");
  });
});

describe("workspace: apply_patch", () => {
  const patch = ["--- a/p/file.txt", "+++ b/p/file.txt", "@@ -1,2 +1,2 @@", " one", "-two", "+TWO", ""].join("\n");

  it("applies a unified diff, checks first when asked, and refuses a stale one without changing anything", async () => {
    await fx.call("write", { path: "p/file.txt", content: "one\ntwo\n" });
    expect(await fx.call("apply_patch", { patch, check_only: true })).toMatchObject({ applied: false, files: ["p/file.txt"] });
    expect(await readFile(path.join(fx.root, "p/file.txt"), "utf8")).toBe("one\ntwo\n");
    expect(await fx.call("apply_patch", { patch })).toMatchObject({ applied: true, method: "git_apply", files: ["p/file.txt"] });
    expect(await readFile(path.join(fx.root, "p/file.txt"), "utf8")).toBe("one\nTWO\n");
    expect(await codeOf(fx.call("apply_patch", { patch }))).toBe("ARK_WORKSPACE_PATCH_FAILED");
    expect(await readFile(path.join(fx.root, "p/file.txt"), "utf8")).toBe("one\nTWO\n");
  });

  it("creates new files, and refuses patches naming no file", async () => {
    const create = ["--- /dev/null", "+++ b/p/new.txt", "@@ -0,0 +1 @@", "+fresh", ""].join("\n");
    await fx.call("apply_patch", { patch: create });
    expect(await readFile(path.join(fx.root, "p/new.txt"), "utf8")).toBe("fresh\n");
    expect(await codeOf(fx.call("apply_patch", { patch: "not a diff" }))).toBe("ARK_WORKSPACE_PATCH_FAILED");
    expect(await codeOf(fx.call("apply_patch", {}))).toBe("ARK_TOOL_INPUT_INVALID");
  });
});

describe("workspace: symlinks inside the root", () => {
  it("reads through a link that stays inside", async () => {
    await mkdir(path.join(fx.root, "links"), { recursive: true });
    await fx.call("write", { path: "links/target.txt", content: "t" });
    await symlink("target.txt", path.join(fx.root, "links/alias.txt"));
    expect(await fx.call("read", { path: "links/alias.txt" })).toMatchObject({ content: "t" });
  });
});
