import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { scrubbedEnv } from "./child-env.js";
import { runProcess, startProcess } from "./process-runner.js";
import { codeOf } from "./testing.js";

/** Polls until the process is gone (SIGKILL is delivered asynchronously); false if it outlives the deadline. */
async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
const base = { cwd: process.cwd(), env, timeoutMs: 10_000, maxOutputBytes: 1024 };

/** Running, not a zombie waiting for a reaper that the container's init may never be. */
function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    return state !== undefined && state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

describe("runProcess", () => {
  it("runs argv without a shell", async () => {
    const out = await runProcess({ ...base, file: "echo", args: ["$HOME", ";", "ls"] });
    expect(out).toMatchObject({ exitCode: 0, stdout: "$HOME ; ls\n", timedOut: false, stdoutTruncated: false });
  });

  it("caps output with a marker and keeps draining (the writer is never blocked)", async () => {
    const out = await runProcess({ ...base, file: "head", args: ["-c", "5000000", "/dev/zero"], maxOutputBytes: 100 });
    expect(out.exitCode).toBe(0);
    expect(out.stdoutBytes).toBe(5_000_000);
    expect(out.stdoutTruncated).toBe(true);
    expect(out.stdout).toContain("[ark: output truncated, kept 100 of 5000000 bytes]");
  });

  it("kills the whole process tree on timeout", async () => {
    const out = await runProcess({ ...base, file: "sh", args: ["-c", "sleep 30 & echo $!; wait"], timeoutMs: 1000 });
    expect(out.timedOut).toBe(true);
    const grandchild = Number(out.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    expect(await goneWithin(grandchild, 2000)).toBe(true);
  });

  it("ends what the command left running in the background when it exits", async () => {
    const out = await runProcess({ ...base, file: "sh", args: ["-c", "sleep 30 >/dev/null 2>&1 & echo $!"] });
    const grandchild = Number(out.stdout.trim());
    expect(await goneWithin(grandchild, 2000)).toBe(true);
  });

  it("stops on abort and reports killed", async () => {
    const controller = new AbortController();
    const running = await startProcess({ ...base, file: "sleep", args: ["30"], signal: controller.signal });
    controller.abort();
    const out = await running.done;
    expect(out).toMatchObject({ killed: true, timedOut: false, signal: "SIGKILL" });
  });

  it("answers ARK_PROCESS_SPAWN_FAILED for a missing executable", async () => {
    expect(await codeOf(runProcess({ ...base, file: "ark-no-such-binary-xyz", args: [] }))).toBe("ARK_PROCESS_SPAWN_FAILED");
  });
});

describe("scrubbedEnv", () => {
  it("passes only listed names (exact or PREFIX*) and the overrides", () => {
    const source = { PATH: "/bin", SECRET_TOKEN: "s", LC_ALL: "C", LC_TIME: "x", "BAD-NAME": "1" };
    expect(scrubbedEnv(source, ["PATH", "LC_*"], { HOME: "/w" })).toEqual({ PATH: "/bin", LC_ALL: "C", LC_TIME: "x", HOME: "/w" });
  });
});
