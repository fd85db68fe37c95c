/**
 * The consolidated security corpus of the workspace-bound tool domains (issue #6), every case through the kernel's
 * tool host (toolHostRef: the envelope a flow node, the frontier tool loop and POST /api/tools all use), under the
 * default policies: paths, links and globs that leave the root; shell metacharacters; git option injection; a 50 MB
 * command output; a forgotten background job. Each case answers with its stable code; none escapes (nothing outside
 * the root changes, no marker file appears), none hangs (every case has a bound). The per-plugin safety tests
 * (plugins/tools-{workspace,command,git}/safety.test.ts) hold the finer, handler-level cases.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { definePlugin, toolHostRef, type KernelToolHost, type ToolInvocationResult } from "../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../core/testing/index.js";
import commandPlugin from "../../plugins/tools-command/index.js";
import gitPlugin from "../../plugins/tools-git/index.js";
import workspacePlugin from "../../plugins/tools-workspace/index.js";

const withTooling = definePlugin({ id: "test-tooling", version: "1.0.0", kernel: "^1.0.0", requires: ["tooling"] });
const scope = { workspace: "corpus" };

let kernel: TestKernel;
let tools: KernelToolHost;
let base: string;
let root: string;
let outside: string;
let marker: string;

/** One call through the kernel's tool host, in the corpus workspace (`<base>/corpus/shared`). */
function call(domain: string, operation: string, input: unknown): Promise<ToolInvocationResult> {
  return tools.invoke({ domain, operation, input, scope });
}

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), "ark-corpus-"));
  root = path.join(base, "ws", "corpus", "shared");
  outside = path.join(base, "outside");
  marker = path.join(base, "pwned");
  await mkdir(outside);
  await mkdir(root, { recursive: true });
  await writeFile(path.join(outside, "secret.txt"), "TOP SECRET needle\n");
  await writeFile(path.join(root, "inside.txt"), "needle inside\n");
  await symlink(outside, path.join(root, "out-dir"));
  await symlink(path.join(outside, "secret.txt"), path.join(root, "out-file"));
  await symlink(path.join(outside, "planted.txt"), path.join(root, "dangling"));
  execFileSync("git", ["init", "--quiet", path.join(root, "repo")], { env: { PATH: process.env.PATH ?? "", GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" } });
  const wsRoot = path.join(base, "ws");
  kernel = await startTestKernel({
    plugins: [workspacePlugin, gitPlugin, commandPlugin, withTooling],
    pluginConfig: {
      "tools-workspace": { root: wsRoot },
      "tools-git": { root: wsRoot },
      // A tiny TTL so the forgotten job below is reaped within seconds; everything else is the default policy.
      "tools-command": { root: wsRoot, jobTtlSeconds: 1, reapIntervalSeconds: 1 },
    },
    config: { kernel: { pluginTimeoutMs: 120_000 } },
  });
  tools = kernel.get(toolHostRef);
}, 180_000);

afterAll(async () => {
  await kernel?.stop();
  if (base) await rm(base, { recursive: true, force: true });
}, 60_000);

/** Nothing outside the root changed and no injected command ran. */
async function nothingEscaped(): Promise<void> {
  expect((await readdir(outside)).sort()).toEqual(["secret.txt"]);
  expect(readFileSync(path.join(outside, "secret.txt"), "utf8")).toBe("TOP SECRET needle\n");
  expect(existsSync(marker)).toBe(false);
  expect(existsSync(path.join(root, "pwned"))).toBe(false);
}

type Case = readonly [label: string, domain: string, operation: string, input: () => unknown, code: string];

const ESCAPE = "ARK_WORKSPACE_PATH_ESCAPE";
const SHELL = "ARK_COMMAND_SHELL_DISABLED";
const GIT_ARG = "ARK_GIT_ARGUMENT_REJECTED";
const GIT_URL = "ARK_GIT_URL_REJECTED";

const CASES: readonly Case[] = [
  // Paths, links and globs that leave the root.
  ["../ read", "workspace", "read", () => ({ path: "../../../outside/secret.txt" }), ESCAPE],
  ["../ write", "workspace", "write", () => ({ path: "../escape.txt", content: "x" }), ESCAPE],
  ["nested ../ delete", "workspace", "delete", () => ({ path: "sub/../../outside" }), ESCAPE],
  ["absolute read", "workspace", "read", () => ({ path: "/etc/passwd" }), ESCAPE],
  ["absolute write", "workspace", "write", () => ({ path: path.join(outside, "planted.txt"), content: "x" }), ESCAPE],
  ["symlinked file read", "workspace", "read", () => ({ path: "out-file" }), ESCAPE],
  ["through a symlinked folder", "workspace", "read", () => ({ path: "out-dir/secret.txt" }), ESCAPE],
  ["write through a dangling link", "workspace", "write", () => ({ path: "dangling", content: "x" }), ESCAPE],
  ["move out through a link", "workspace", "move", () => ({ source: "inside.txt", target: "out-dir/moved.txt" }), ESCAPE],
  ["copy a linked folder in", "workspace", "copy", () => ({ source: "out-dir", target: "copied" }), ESCAPE],
  ["chmod a link target", "workspace", "chmod", () => ({ path: "out-file", mode: "777" }), ESCAPE],
  ["glob ../", "workspace", "search", () => ({ query: "needle", glob: "../../../outside/*" }), ESCAPE],
  ["absolute glob", "workspace", "search", () => ({ query: "needle", glob: "/etc/*" }), ESCAPE],
  ["search a linked folder", "workspace", "search", () => ({ query: "needle", path: "out-dir" }), ESCAPE],
  ["apply_patch outside", "workspace", "apply_patch", () => ({ patch: "--- a/../x.txt\n+++ b/../x.txt\n@@ -0,0 +1 @@\n+x\n" }), ESCAPE],
  ["command cwd ..", "command", "run", () => ({ command: ["pwd"], cwd: ".." }), ESCAPE],
  ["command argument ..", "command", "run", () => ({ command: ["cat", "../../../outside/secret.txt"] }), "ARK_COMMAND_ARGUMENT_ESCAPE"],
  ["command argument through a link", "command", "run", () => ({ command: ["cat", "out-file"] }), "ARK_COMMAND_ARGUMENT_ESCAPE"],
  ["git paths ../", "git", "diff", () => ({ path: "repo", paths: ["../../outside"] }), ESCAPE],
  ["git repo path absolute", "git", "status", () => ({ path: outside }), ESCAPE],
  // Shell metacharacters under the default command policy: refused before anything runs.
  ["; in a string", "command", "run", () => ({ command: `echo hi; touch ${marker}` }), SHELL],
  ["&& in a string", "command", "run", () => ({ command: `true && touch ${marker}` }), SHELL],
  ["| in a string", "command", "run", () => ({ command: `echo hi | tee ${marker}` }), SHELL],
  ["backticks in a string", "command", "run", () => ({ command: `echo \`touch ${marker}\`` }), SHELL],
  ["$() in a string", "command", "run", () => ({ command: `echo $(touch ${marker})` }), SHELL],
  ["; in a background job", "command", "background_start", () => ({ command: `sleep 1; touch ${marker}` }), SHELL],
  ["shell: true", "command", "run", () => ({ command: `touch ${marker}`, shell: true }), SHELL],
  ["sh -c as argv", "command", "run", () => ({ command: ["sh", "-c", `touch ${marker}`] }), "ARK_COMMAND_DENIED"],
  ["bash -c by path", "command", "run", () => ({ command: ["/bin/bash", "-c", `touch ${marker}`] }), "ARK_COMMAND_DENIED"],
  ["BASH_ENV in env", "command", "run", () => ({ command: ["true"], env: { BASH_ENV: marker } }), "ARK_COMMAND_DENIED"],
  // Git option injection.
  ["clone --upload-pack=", "git", "clone", () => ({ url: `--upload-pack=touch ${marker}`, path: "c1" }), GIT_URL],
  ["clone -c core.sshCommand=", "git", "clone", () => ({ url: `-c core.sshCommand=touch ${marker}`, path: "c2" }), GIT_URL],
  ["clone ext:: URL", "git", "clone", () => ({ url: `ext::sh -c touch% ${marker}`, path: "c3" }), GIT_URL],
  ["clone ssh host as an option", "git", "clone", () => ({ url: "ssh://-oProxyCommand=touch/x", path: "c4" }), GIT_URL],
  ["clone file:// (not allowed by default)", "git", "clone", () => ({ url: `file://${outside}`, path: "c5" }), GIT_URL],
  ["clone --upload-pack= as branch", "git", "clone", () => ({ url: "https://127.0.0.1:9/x.git", path: "c6", branch: `--upload-pack=touch ${marker}` }), GIT_ARG],
  ["push remote -c core.sshCommand=", "git", "push", () => ({ path: "repo", remote: `-c core.sshCommand=touch ${marker}` }), GIT_ARG],
  ["push remote --receive-pack=", "git", "push", () => ({ path: "repo", remote: `--receive-pack=touch ${marker}` }), GIT_ARG],
  ["push remote as URL", "git", "push", () => ({ path: "repo", remote: `ext::sh -c touch% ${marker}` }), GIT_ARG],
  ["branch name starting with -", "git", "branch", () => ({ path: "repo", action: "create", name: "-D" }), GIT_ARG],
  ["branch --force", "git", "branch", () => ({ path: "repo", action: "create", name: "--force" }), GIT_ARG],
  ["tag name starting with -", "git", "tag", () => ({ path: "repo", name: "--delete" }), GIT_ARG],
  ["diff base --output=", "git", "diff", () => ({ path: "repo", base: `--output=${marker}` }), GIT_ARG],
  ["rebase --exec=", "git", "rebase_noninteractive", () => ({ path: "repo", upstream: `--exec=touch ${marker}` }), GIT_ARG],
  ["cherry_pick ref starting with -", "git", "cherry_pick", () => ({ path: "repo", commit: "-n" }), GIT_ARG],
];

describe("tool safety corpus (through the kernel's tool host, default policies)", () => {
  it.each(CASES)("%s → %s.%s answers its code", async (_label, domain, operation, input, code) => {
    const result = await call(domain, operation, input());
    expect(result.status).toBe("failed");
    expect(result.error?.code).toBe(code);
    await nothingEscaped();
  }, 30_000);

  it("passes metacharacters in argv literally to the program, never to a shell", async () => {
    const args = ["hi;", `touch ${marker}`, "&&", `$(touch ${marker})`, "|", "`id`"];
    const result = await call("command", "run", { command: ["echo", ...args] });
    expect(result).toMatchObject({ status: "success", output: { shell: false, exit_code: 0, stdout: `${args.join(" ")}\n` } });
    await nothingEscaped();
  }, 30_000);

  it("caps a 50 MB output with a truncation marker and does not block the writer", async () => {
    const result = await call("command", "run", { command: ["head", "-c", "52428800", "/dev/zero"], max_output_bytes: 4096 });
    // /dev/zero writes NUL bytes: the kept 4096 come back as U+FFFD (storable), with a warning saying so.
    expect(result).toMatchObject({ status: "success_with_warning", output: { exit_code: 0, stdout_bytes: 52_428_800, stdout_truncated: true } });
    expect(result.warnings).toEqual([expect.objectContaining({ code: "output_nul_replaced", details: { replaced: 4096 } })]);
    const stdout = (result.output as { stdout: string }).stdout;
    expect(stdout).toContain("[ark: output truncated, kept 4096 of 52428800 bytes]");
    expect(stdout).not.toContain("\u0000");
    expect(stdout.length).toBeLessThan(8192);
  }, 60_000);

  it("reaps a forgotten background job after its TTL (process killed, job gone)", async () => {
    const started = await call("command", "background_start", { command: ["sleep", "60"] });
    expect(started.status).toBe("success");
    const { pid, job_id } = started.output as { pid: number; job_id: string };
    // Nobody asks about the job (asking would keep it alive): watch the process from outside instead.
    const bound = Date.now() + 30_000;
    while (processAlive(pid) && Date.now() < bound) await new Promise((r) => setTimeout(r, 100));
    expect(processAlive(pid)).toBe(false);
    expect((await call("command", "background_status", { job_id })).error?.code).toBe("ARK_COMMAND_JOB_NOT_FOUND");
  }, 60_000);
});

/** Running (not a zombie waiting for a reaper the container's init may never be). */
function processAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    return state !== undefined && state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}
