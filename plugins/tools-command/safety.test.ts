// The security corpus of the command domain under the default policy: shell syntax, escaping paths, denied programs.
import { existsSync } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf } from "../../core/workspace/testing.js";
import { commandFixture } from "./test-support.js";

let fx: Awaited<ReturnType<typeof commandFixture>>;
let outside: string;
let marker: string;
beforeAll(async () => {
  fx = await commandFixture();
  outside = path.join(fx.dir, "outside");
  marker = path.join(fx.root, "pwned");
  await mkdir(outside);
  await writeFile(path.join(outside, "secret.txt"), "secret\n");
  await symlink(path.join(outside, "secret.txt"), path.join(fx.root, "leak"));
  await symlink(outside, path.join(fx.root, "out-dir"));
});
afterAll(() => fx.cleanup());

describe("command security corpus (default policy)", () => {
  it.each([
    ["echo hi; touch pwned", "ARK_COMMAND_SHELL_DISABLED"],
    ["echo hi && touch pwned", "ARK_COMMAND_SHELL_DISABLED"],
    ["echo hi | tee pwned", "ARK_COMMAND_SHELL_DISABLED"],
    ["echo hi > pwned", "ARK_COMMAND_SHELL_DISABLED"],
    ["echo $(touch pwned)", "ARK_COMMAND_SHELL_DISABLED"],
    ["echo `touch pwned`", "ARK_COMMAND_SHELL_DISABLED"],
    ["touch pwned &", "ARK_COMMAND_SHELL_DISABLED"],
    ["echo 'quoted'", "ARK_COMMAND_SHELL_DISABLED"],
  ])("string %j → %s, nothing runs", async (command, code) => {
    expect(await codeOf(fx.call("run", { command }))).toBe(code);
    expect(await codeOf(fx.call("background_start", { command }))).toBe(code);
    expect(existsSync(marker)).toBe(false);
  });

  it("passes metacharacters in argv literally, never to a shell", async () => {
    const out = await fx.call("run", { command: ["echo", "hi;", "touch", "pwned", "&&", "$(id)", "|", "`x`"] });
    expect(out.stdout).toBe("hi; touch pwned && $(id) | `x`\n");
    expect(existsSync(marker)).toBe(false);
    expect(await codeOf(fx.call("run", { command: ["echo"], shell: true }))).toBe("ARK_COMMAND_INVALID");
    expect(await codeOf(fx.call("run", { command: "echo hi", shell: true }))).toBe("ARK_COMMAND_SHELL_DISABLED");
  });

  it.each([
    [["sh", "-c", "touch pwned"]],
    [["/bin/sh", "-c", "touch pwned"]],
    [["bash", "-c", "touch pwned"]],
    [["sudo", "id"]],
    [["busybox", "sh"]],
  ])("denies %j", async (command) => {
    expect(await codeOf(fx.call("run", { command }))).toBe("ARK_COMMAND_DENIED");
    expect(existsSync(marker)).toBe(false);
  });

  it.each([
    [{ command: ["ls", "../.."] }, "ARK_COMMAND_ARGUMENT_ESCAPE"],
    [{ command: ["ls", "/etc"] }, "ARK_COMMAND_ARGUMENT_ESCAPE"],
    [{ command: ["grep", "-r", "x", "sub/../../.."] }, "ARK_COMMAND_ARGUMENT_ESCAPE"],
    [{ command: ["sort", "--output=/tmp/ark-escape.txt"] }, "ARK_COMMAND_ARGUMENT_ESCAPE"],
    [{ command: ["head", "leak"] }, "ARK_COMMAND_ARGUMENT_ESCAPE"],
    [{ command: ["ls", "out-dir"] }, "ARK_COMMAND_ARGUMENT_ESCAPE"],
    [{ command: ["ls", "out-dir/secret.txt"] }, "ARK_COMMAND_ARGUMENT_ESCAPE"],
    [{ command: ["pwd"], cwd: ".." }, "ARK_WORKSPACE_PATH_ESCAPE"],
    [{ command: ["pwd"], cwd: "/tmp" }, "ARK_WORKSPACE_PATH_ESCAPE"],
    [{ command: ["pwd"], cwd: "out-dir" }, "ARK_WORKSPACE_PATH_ESCAPE"],
    [{ command: ["../../bin/ls"] }, "ARK_WORKSPACE_PATH_ESCAPE"],
  ])("refuses %j", async (input, code) => {
    expect(await codeOf(fx.call("run", input))).toBe(code);
  });

  it("lets harmless absolute paths and paths inside the workspace through", async () => {
    await writeFile(path.join(fx.root, "in.txt"), "inside\n");
    expect((await fx.call("run", { command: ["head", "in.txt", "/dev/null"] })).stdout).toContain("inside");
    expect((await fx.call("run", { command: ["ls", path.join(fx.root, "in.txt")] })).exit_code).toBe(0);
  });

  it("runs shell strings only under a policy that allows the shell", async () => {
    const shell = await commandFixture({ shell: true });
    try {
      expect(await shell.call("run", { command: "echo abc | tr a-c x-z" })).toMatchObject({ stdout: "xyz\n", shell: true });
      expect(await codeOf(shell.call("run", { command: ["sh", "-c", "echo direct"] }))).toBe("ARK_COMMAND_DENIED");
    } finally {
      await shell.cleanup();
    }
  });
});
