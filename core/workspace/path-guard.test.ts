import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileGlob } from "./glob-pattern.js";
import { WorkspacePathGuard } from "./path-guard.js";
import { codeOf, tempDir } from "./testing.js";
import { WorkspaceRoots, resolveWorkspaceBase, workspaceKeyOf } from "./workspace-root.js";

let dir: string;
let cleanup: () => Promise<void>;
let guard: WorkspacePathGuard;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("ark-guard-"));
  await mkdir(path.join(dir, "outside"));
  await writeFile(path.join(dir, "outside", "secret.txt"), "secret");
  guard = await WorkspacePathGuard.open(path.join(dir, "ws"));
  await mkdir(path.join(guard.root, "sub"));
  await writeFile(path.join(guard.root, "sub", "a.txt"), "a");
  await symlink(path.join(dir, "outside"), path.join(guard.root, "out-dir"));
  await symlink(path.join(dir, "outside", "secret.txt"), path.join(guard.root, "out-file"));
  await symlink(path.join(dir, "outside", "new.txt"), path.join(guard.root, "dangling-out"));
  await symlink("sub/a.txt", path.join(guard.root, "in-link"));
  await symlink("loop-b", path.join(guard.root, "loop-a"));
  await symlink("loop-a", path.join(guard.root, "loop-b"));
});
afterAll(() => cleanup());

describe("WorkspacePathGuard", () => {
  it("resolves relative paths inside the root", async () => {
    expect((await guard.resolve("sub/a.txt")).relative).toBe("sub/a.txt");
    expect((await guard.resolve("")).relative).toBe(".");
    expect((await guard.resolve("./sub//a.txt")).relative).toBe("sub/a.txt");
  }, 10_000);

  it.each([
    ["../outside/secret.txt", "ARK_WORKSPACE_PATH_ESCAPE"],
    ["sub/../../outside", "ARK_WORKSPACE_PATH_ESCAPE"],
    ["sub/../a", "ARK_WORKSPACE_PATH_ESCAPE"],
    ["/etc/passwd", "ARK_WORKSPACE_PATH_ESCAPE"],
    ["out-dir/secret.txt", "ARK_WORKSPACE_PATH_ESCAPE"],
    ["out-file", "ARK_WORKSPACE_PATH_ESCAPE"],
    ["out-dir/new-file.txt", "ARK_WORKSPACE_PATH_ESCAPE"],
    ["dangling-out", "ARK_WORKSPACE_PATH_ESCAPE"],
    ["loop-a", "ARK_WORKSPACE_PATH_ESCAPE"],
    ["a\0b", "ARK_WORKSPACE_PATH_INVALID"],
    [42, "ARK_WORKSPACE_PATH_INVALID"],
  ])("refuses %j with %s", async (input, code) => {
    expect(await codeOf(guard.resolve(input))).toBe(code);
  });

  it("accepts links that stay inside, and handles a link itself when followFinal is false", async () => {
    expect((await guard.resolve("in-link")).isSymlink).toBe(true);
    const link = await guard.resolve("out-file", { followFinal: false });
    expect(link).toMatchObject({ relative: "out-file", isSymlink: true, exists: true });
    expect(await codeOf(guard.resolve("out-dir/secret.txt", { followFinal: false }))).toBe("ARK_WORKSPACE_PATH_ESCAPE");
  });
});

describe("workspace roots", () => {
  it("keys a call by workspace name and run id", () => {
    expect(workspaceKeyOf({ workspace: "team-a" })).toBe("team-a/shared");
    expect(workspaceKeyOf({ workspace: "team-a", flowchart_run_id: "12" })).toBe("team-a/run-12");
    expect(workspaceKeyOf({ flowchart_run_id: 7 })).toBe("default/run-7");
    expect(workspaceKeyOf({})).toBe("default/shared");
    for (const bad of ["../x", "a/b", ".hidden", "x".repeat(200), 5.5]) expect(() => workspaceKeyOf({ workspace: bad })).toThrow(/scope.workspace/);
    for (const bad of ["../1", "1/2", -1]) expect(() => workspaceKeyOf({ flowchart_run_id: bad })).toThrow(/scope.flowchart_run_id/);
  });

  it("resolves a relative base against the config file's folder", async () => {
    expect(resolveWorkspaceBase(undefined, "/srv/app/runtime.config.yaml")).toBe("/srv/app/.ark/workspaces");
    expect(resolveWorkspaceBase("/data/ws", null)).toBe("/data/ws");
    const roots = new WorkspaceRoots(path.join(dir, "roots"));
    const a = await roots.forScope({ flowchart_run_id: 3 });
    expect(a.root.endsWith(path.join("roots", "default", "run-3"))).toBe(true);
    expect(await roots.forScope({ flowchart_run_id: 3 })).toBe(a);
  });
});

describe("compileGlob", () => {
  it("matches workspace-relative paths", () => {
    expect(compileGlob("**/*.ts").test("a/b/c.ts")).toBe(true);
    expect(compileGlob("**/*.ts").test("c.ts")).toBe(true);
    expect(compileGlob("src/*.{ts,js}").test("src/x.js")).toBe(true);
    expect(compileGlob("src/*.{ts,js}").test("src/deep/x.js")).toBe(false);
    expect(compileGlob("file?.[ch]").test("file1.c")).toBe(true);
    expect(compileGlob("a.b").test("axb")).toBe(false);
  });

  it.each([["../../outside/*"], ["/etc/*"], ["**/../*"]])("refuses %s", (glob) => {
    expect(() => compileGlob(glob)).toThrow(expect.objectContaining({ code: "ARK_WORKSPACE_PATH_ESCAPE" }));
  });
});
