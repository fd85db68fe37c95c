// The security corpus of the workspace domain: nothing a caller sends reaches a file outside the workspace root.
import { lstat, mkdir, readFile, readdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf } from "../../core/workspace/testing.js";
import { workspaceFixture } from "./test-support.js";

let fx: Awaited<ReturnType<typeof workspaceFixture>>;
let outside: string;

beforeAll(async () => {
  fx = await workspaceFixture();
  outside = path.join(fx.dir, "outside");
  await mkdir(outside);
  await writeFile(path.join(outside, "secret.txt"), "TOP SECRET needle\n");
  await fx.call("write", { path: "inside.txt", content: "needle inside\n" });
  await symlink(outside, path.join(fx.root, "out-dir"));
  await symlink(path.join(outside, "secret.txt"), path.join(fx.root, "out-file"));
  await symlink(path.join(outside, "planted.txt"), path.join(fx.root, "dangling"));
});
afterAll(() => fx.cleanup());

async function outsideUntouched(): Promise<void> {
  expect((await readdir(outside)).sort()).toEqual(["secret.txt"]);
  expect(await readFile(path.join(outside, "secret.txt"), "utf8")).toBe("TOP SECRET needle\n");
}

const ESCAPE = "ARK_WORKSPACE_PATH_ESCAPE";

describe("workspace security corpus", () => {
  it.each([
    ["read", { path: "../outside/secret.txt" }],
    ["read", { path: path.join("/", "etc", "passwd") }],
    ["read", { path: "out-file" }],
    ["read", { path: "out-dir/secret.txt" }],
    ["write", { path: "../escape.txt", content: "x" }],
    ["write", { path: "out-dir/planted.txt", content: "x" }],
    ["write", { path: "dangling", content: "x" }],
    ["write", { path: "/tmp/ark-escape.txt", content: "x" }],
    ["mkdir", { path: "out-dir/newdir" }],
    ["list", { path: "out-dir" }],
    ["list", { path: ".." }],
    ["chmod", { path: "out-file", mode: "777" }],
    ["move", { source: "inside.txt", target: "../moved.txt" }],
    ["move", { source: "inside.txt", target: "out-dir/moved.txt" }],
    ["copy", { source: "out-dir", target: "copied" }],
    ["copy", { source: "inside.txt", target: "out-dir/copied.txt" }],
    ["delete", { path: "out-dir/secret.txt" }],
    ["delete", { path: "../outside" }],
    ["search", { query: "needle", glob: "../../outside/*" }],
    ["search", { query: "needle", glob: "/etc/*" }],
    ["search", { query: "needle", path: "out-dir" }],
  ])("%s %j is refused", async (operation, input) => {
    expect(await codeOf(fx.call(operation, input))).toBe(ESCAPE);
    await outsideUntouched();
  });

  it("refuses workspace names that would leave the base root", async () => {
    for (const workspace of ["..", "../x", "a/b"]) expect(await codeOf(fx.call("list", {}, { workspace }))).toBe("ARK_WORKSPACE_PATH_INVALID");
  });

  it("lists links that leave the root as links (flagged), without following them", async () => {
    const listed = await fx.call("list", { recursive: true });
    const byPath = Object.fromEntries(listed.entries.map((e: { path: string }) => [e.path, e]));
    expect(byPath["out-dir"]).toMatchObject({ type: "symlink", target_inside_root: false });
    expect(byPath["out-file"]).toMatchObject({ type: "symlink", target_inside_root: false });
    expect(Object.keys(byPath).some((p) => p.startsWith("out-dir/"))).toBe(false);
  });

  it("never searches through links that leave the root", async () => {
    const found = await fx.call("search", { query: "needle" });
    expect(found.matches.map((m: { path: string }) => m.path)).toEqual(["inside.txt"]);
  });

  it("deletes an escaping link itself, never its target", async () => {
    await symlink(path.join(outside, "secret.txt"), path.join(fx.root, "to-delete"));
    expect(await fx.call("delete", { path: "to-delete" })).toEqual({ path: "to-delete", deleted: true });
    await expect(lstat(path.join(fx.root, "to-delete"))).rejects.toThrow();
    await outsideUntouched();
  });

  it("copies a folder holding an escaping link as a link (its target is not read)", async () => {
    await mkdir(path.join(fx.root, "holder"));
    await symlink(path.join(outside, "secret.txt"), path.join(fx.root, "holder", "leak"));
    await fx.call("copy", { source: "holder", target: "holder-copy" });
    expect((await lstat(path.join(fx.root, "holder-copy", "leak"))).isSymbolicLink()).toBe(true);
    expect(await codeOf(fx.call("read", { path: "holder-copy/leak" }))).toBe(ESCAPE);
  });

  it.each([
    ["a ../ path", ["--- a/../outside/secret.txt", "+++ b/../outside/secret.txt", "@@ -1 +1 @@", "-TOP SECRET needle", "+pwned", ""], ESCAPE],
    ["an absolute path (strip 0)", ["--- /dev/null", "+++ /tmp/ark-escape-planted.txt", "@@ -0,0 +1 @@", "+pwned", ""], ESCAPE, 0],
    ["a path through an escaping link", ["--- /dev/null", "+++ b/out-dir/planted.txt", "@@ -0,0 +1 @@", "+pwned", ""], ESCAPE],
    ["a symlink creation", ["diff --git a/l b/l", "new file mode 120000", "--- /dev/null", "+++ b/l", "@@ -0,0 +1 @@", "+/etc/passwd", "\\ No newline at end of file", ""], "ARK_WORKSPACE_PROTECTED"],
    ["a .git hook", ["--- /dev/null", "+++ b/.git/hooks/post-commit", "@@ -0,0 +1 @@", "+#!/bin/sh", ""], "ARK_WORKSPACE_PROTECTED"],
    ["a rename out", ["diff --git a/inside.txt b/x", "similarity index 100%", "rename from inside.txt", "rename to ../outside/moved.txt", ""], ESCAPE],
  ])("apply_patch refuses %s", async (_, lines, code, strip = 1) => {
    expect(await codeOf(fx.call("apply_patch", { patch: (lines as string[]).join("\n"), strip }))).toBe(code);
    await outsideUntouched();
    expect(await readFile(path.join(fx.root, "inside.txt"), "utf8")).toBe("needle inside\n");
  });
});
