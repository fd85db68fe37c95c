import { existsSync, readFileSync } from "node:fs";
import { mkdir, symlink } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf } from "../../core/workspace/testing.js";
import { commandFixture } from "./test-support.js";

/** Running, not a zombie waiting for a reaper the container's init may never be. */
function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    return state !== undefined && state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

let fx: Awaited<ReturnType<typeof commandFixture>>;
beforeAll(async () => {
  process.env.ARK_TEST_SECRET_TOKEN = "s3cret-value";
  fx = await commandFixture({ deny: ["cat", "sudo"] });
  await mkdir(path.join(fx.root, "sub"), { recursive: true });
});
afterAll(async () => {
  delete process.env.ARK_TEST_SECRET_TOKEN;
  await fx.cleanup();
});

describe("command: run", () => {
  it("runs argv in the workspace and reports a non-zero exit as a result", async () => {
    expect(await fx.call("run", { command: ["echo", "hello", "$HOME;", "`id`"] })).toMatchObject({ exit_code: 0, stdout: "hello $HOME; `id`\n", cwd: ".", shell: false });
    expect(await fx.call("run", { command: ["false"] })).toMatchObject({ exit_code: 1 });
    expect((await fx.call("run", { command: "pwd", cwd: "sub" })).stdout.trim()).toBe(path.join(fx.root, "sub"));
    expect((await fx.call("run", { command: ["wc", "-c"], stdin: "12345" })).stdout.trim()).toBe("5");
  });

  it("hands the child a scrubbed environment (secrets are not visible)", async () => {
    const out = await fx.call("run", { command: ["env"], env: { GREETING: "hi" } });
    expect(out.stdout).not.toContain("s3cret-value");
    expect(out.stdout).toContain("GREETING=hi");
    expect(out.stdout).toContain(`HOME=${fx.root}`);
    const names = out.stdout.trim().split("\n").map((l: string) => l.split("=")[0]).sort();
    expect(names).toEqual(expect.arrayContaining(["HOME", "PATH", "PWD", "GREETING"]));
    expect(names.every((n: string) => ["HOME", "PATH", "PWD", "GREETING", "LANG", "LC_ALL", "LC_CTYPE", "TZ"].includes(n))).toBe(true);
    const passing = await commandFixture({ envPassthrough: ["PATH", "ARK_TEST_SECRET_*"] });
    try {
      expect((await passing.call("run", { command: ["env"] })).stdout).toContain("ARK_TEST_SECRET_TOKEN=s3cret-value");
    } finally {
      await passing.cleanup();
    }
  });

  it("refuses caller variables that change program loading", async () => {
    for (const name of ["LD_PRELOAD", "PATH", "BASH_ENV", "NODE_OPTIONS"]) expect(await codeOf(fx.call("run", { command: ["true"], env: { [name]: "x" } }))).toBe("ARK_COMMAND_DENIED");
    expect(await codeOf(fx.call("run", { command: ["true"], env: { "BAD-NAME": "x" } }))).toBe("ARK_COMMAND_INVALID");
  });

  it("applies allow and deny lists by every name the executable goes by (deny wins)", async () => {
    expect(await codeOf(fx.call("run", { command: ["cat", "x"] }))).toBe("ARK_COMMAND_DENIED");
    expect(await codeOf(fx.call("run", { command: ["/usr/bin/../bin/cat", "x"] }))).toBe("ARK_COMMAND_DENIED");
    await symlink(readlinkCat(), path.join(fx.dir, "kitty"));
    expect(await codeOf(fx.call("run", { command: [path.join(fx.dir, "kitty"), "x"] }))).toBe("ARK_COMMAND_DENIED");
    await symlink(readlinkCat(), path.join(fx.root, "kitty"));
    expect(await codeOf(fx.call("run", { command: ["./kitty", "x"] }))).toBe("ARK_WORKSPACE_PATH_ESCAPE");
    const allowOnly = await commandFixture({ allow: ["echo", "ls"], deny: ["ls"] });
    try {
      expect(await allowOnly.call("run", { command: ["echo", "ok"] })).toMatchObject({ stdout: "ok\n" });
      expect(await codeOf(allowOnly.call("run", { command: ["pwd"] }))).toBe("ARK_COMMAND_DENIED");
      expect(await codeOf(allowOnly.call("run", { command: ["ls"] }))).toBe("ARK_COMMAND_DENIED");
    } finally {
      await allowOnly.cleanup();
    }
  });

  it("answers bad commands with stable codes", async () => {
    for (const command of [[], [""], [1, 2], 42, "", "   "]) expect(await codeOf(fx.call("run", { command }))).toBe("ARK_COMMAND_INVALID");
    expect(await codeOf(fx.call("run", {}))).toBe("ARK_COMMAND_INVALID");
    expect(await codeOf(fx.call("run", { command: ["ark-no-such-tool-xyz"] }))).toBe("ARK_PROCESS_SPAWN_FAILED");
    expect(await codeOf(fx.call("run", { command: ["true"], timeout_seconds: 100_000 }))).toBe("ARK_TOOL_INPUT_INVALID");
    expect(await codeOf(fx.call("run", { command: ["true"], cwd: "missing" }))).toBe("ARK_WORKSPACE_NOT_FOUND");
    expect(await codeOf(fx.call("run", { command: ["true"], session_id: "nope" }))).toBe("ARK_COMMAND_SESSION_NOT_FOUND");
  });
});

function readlinkCat(): string {
  return ["/usr/bin/cat", "/bin/cat"].find((p) => existsSync(p))!;
}

describe("command: limits", () => {
  it("kills the whole process tree on timeout and answers ARK_COMMAND_TIMEOUT", async () => {
    const shells = await commandFixture({ deny: [] });
    try {
      const err = await shells.call("run", { command: ["sh", "-c", "sleep 30 & echo $!; wait"], timeout_seconds: 1 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "ARK_COMMAND_TIMEOUT" });
      const grandchild = Number((err as { details: { stdout: string } }).details.stdout.trim());
      expect(grandchild).toBeGreaterThan(0);
      expect(await goneWithin(grandchild, 2000)).toBe(true);
    } finally {
      await shells.cleanup();
    }
  });

  it("caps a 50 MB output with a marker without blocking the writer", async () => {
    const out = await fx.call("run", { command: ["head", "-c", "50000000", "/dev/zero"], max_output_bytes: 1000 });
    expect(out).toMatchObject({ exit_code: 0, stdout_bytes: 50_000_000, stdout_truncated: true });
    expect(out.stdout.length).toBeLessThan(1200);
    expect(out.stdout).toContain("[ark: output truncated, kept 1000 of 50000000 bytes]");
    expect(await codeOf(fx.call("run", { command: ["true"], max_output_bytes: 10_000_000 }))).toBe("ARK_TOOL_INPUT_INVALID");
  });

  it("refuses a process beyond maxConcurrent and reports resource limits", async () => {
    const one = await commandFixture({ maxConcurrent: 1 });
    try {
      const job = await one.call("background_start", { command: ["sleep", "30"] });
      expect(await codeOf(one.call("run", { command: ["true"] }))).toBe("ARK_COMMAND_LIMIT_REACHED");
      expect(await one.call("resource_limits", {})).toMatchObject({ processes: { running: 1, max: 1 }, jobs: { kept: 1, running: 1 }, max_output_bytes: 1_000_000 });
      await one.call("background_kill", { job_id: job.job_id });
      expect(await one.call("run", { command: ["true"] })).toMatchObject({ exit_code: 0 });
    } finally {
      await one.cleanup();
    }
  });
});

describe("command: sessions", () => {
  it("keeps a folder and environment between calls, cd-like and inside the root", async () => {
    const session = await fx.call("session_start", { cwd: "sub", env: { STAGE: "one" } });
    expect(session).toMatchObject({ cwd: "sub", env_names: ["STAGE"] });
    const id = session.session_id;
    expect((await fx.call("run", { command: ["pwd"], session_id: id })).stdout.trim()).toBe(path.join(fx.root, "sub"));
    expect((await fx.call("run", { command: ["env"], session_id: id })).stdout).toContain("STAGE=one");
    expect(await fx.call("session_update", { session_id: id, cwd: "..", env: { STAGE: "two" } })).toMatchObject({ cwd: "." });
    expect((await fx.call("run", { command: ["env"], session_id: id })).stdout).toContain("STAGE=two");
    expect(await codeOf(fx.call("session_update", { session_id: id, cwd: "../.." }))).toBe("ARK_WORKSPACE_PATH_ESCAPE");
    expect(await codeOf(fx.call("run", { command: ["true"], session_id: id }, { workspace: "other" }))).toBe("ARK_COMMAND_SESSION_NOT_FOUND");
    expect(await fx.call("session_stop", { session_id: id })).toEqual({ session_id: id, stopped: true });
    expect(await fx.call("session_stop", { session_id: id })).toEqual({ session_id: id, stopped: false, reason: "not_found" });
    expect(await codeOf(fx.call("run", { command: ["true"], session_id: id }))).toBe("ARK_COMMAND_SESSION_NOT_FOUND");
    expect(await codeOf(fx.call("session_update", {}))).toBe("ARK_TOOL_INPUT_INVALID");
  });
});

describe("command: background jobs", () => {
  it("starts, reports, reads output from and kills a job", async () => {
    const job = await fx.call("background_start", { command: ["seq", "1", "3"] });
    const done = await fx.call("background_output", { job_id: job.job_id, wait_seconds: 10 });
    expect(done).toMatchObject({ running: false, exit_code: 0, stdout: "1\n2\n3\n" });
    expect((await fx.call("background_output", { job_id: job.job_id, offset: 2 })).stdout).toBe("2\n3\n");
    const sleeper = await fx.call("background_start", { command: ["sleep", "30"] });
    expect(await fx.call("background_status", { job_id: sleeper.job_id })).toMatchObject({ running: true, exit_code: null });
    expect(await fx.call("background_kill", { job_id: sleeper.job_id, remove: true })).toMatchObject({ killed: true, signal: "SIGKILL" });
    expect(await goneWithin(sleeper.pid, 2000)).toBe(true);
    expect(await codeOf(fx.call("background_status", { job_id: sleeper.job_id }))).toBe("ARK_COMMAND_JOB_NOT_FOUND");
    expect(await codeOf(fx.call("background_status", { job_id: job.job_id }, { workspace: "other" }))).toBe("ARK_COMMAND_JOB_NOT_FOUND");
    expect(await codeOf(fx.call("background_start", { command: ["cat"] }))).toBe("ARK_COMMAND_DENIED");
  });

  it("reaps a forgotten job (killed and removed) and an idle session", async () => {
    let now = 1_000_000;
    const clocked = await commandFixture({ jobTtlSeconds: 60, sessionTtlSeconds: 60 }, () => now);
    try {
      const job = await clocked.call("background_start", { command: ["sleep", "30"] });
      const session = await clocked.call("session_start", {});
      now += 30_000;
      expect(clocked.runtime.reap()).toEqual({ sessions: [], jobs: [] });
      now += 31_000;
      expect(clocked.runtime.reap()).toEqual({ sessions: [session.session_id], jobs: [job.job_id] });
      expect(await goneWithin(job.pid, 2000)).toBe(true);
      expect(await codeOf(clocked.call("background_status", { job_id: job.job_id }))).toBe("ARK_COMMAND_JOB_NOT_FOUND");
      expect(await codeOf(clocked.call("run", { command: ["true"], session_id: session.session_id }))).toBe("ARK_COMMAND_SESSION_NOT_FOUND");
    } finally {
      await clocked.cleanup();
    }
  });
});
