/**
 * Runs one child process for a tool: argv form (no shell), its own process group so a timeout or a kill ends the whole
 * tree, stdout/stderr capped with a truncation marker while the rest is drained, optional abort signal.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { ArkError } from "../errors/index.js";
import { CappedOutput } from "./capped-output.js";

/** What to run and under which limits. */
export interface ProcessSpec {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The complete child environment (see scrubbedEnv); nothing else is inherited. */
  readonly env: Readonly<Record<string, string>>;
  /** Kill the process tree after this long; 0 = no timeout (background jobs). */
  readonly timeoutMs: number;
  /** Bytes kept per stream; the rest is counted and dropped. */
  readonly maxOutputBytes: number;
  readonly signal?: AbortSignal;
  readonly stdin?: string;
}

/** How a process ended. */
export interface ProcessOutcome {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  readonly timedOut: boolean;
  /** Killed on request (kill() or the abort signal). */
  readonly killed: boolean;
  readonly durationMs: number;
}

/** A started process. */
export interface RunningProcess {
  readonly pid: number;
  /** Resolves when the process and its output streams have closed. */
  readonly done: Promise<ProcessOutcome>;
  /** Whether the process has not finished yet. */
  running(): boolean;
  /** Kills the whole process group (SIGKILL unless told otherwise). */
  kill(signal?: NodeJS.Signals): void;
  /** The output captured so far (same caps and markers as the outcome). */
  snapshot(): { stdout: CappedOutput; stderr: CappedOutput };
}

/**
 * Signals the process group led by `pid` (every process runs in its own group); a group that is already gone is
 * fine. Never the bare pid: after the leader is reaped its pid may belong to someone else.
 */
export function killProcessTree(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone
  }
}

function spawnFailure(spec: ProcessSpec, err: NodeJS.ErrnoException): ArkError {
  return new ArkError("ARK_PROCESS_SPAWN_FAILED", `Could not start "${spec.file}": ${err.code ?? err.message}.`, {
    details: { file: spec.file, errno: err.code ?? null }, cause: err,
  });
}

function waitForSpawn(child: ChildProcess, spec: ProcessSpec): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once("spawn", () => resolve(child.pid!));
    child.once("error", (err) => reject(spawnFailure(spec, err)));
  });
}

/** Starts a process; rejects with ARK_PROCESS_SPAWN_FAILED when the executable cannot be started. */
export async function startProcess(spec: ProcessSpec): Promise<RunningProcess> {
  const startedAt = Date.now();
  const child = spawn(spec.file, [...spec.args], {
    cwd: spec.cwd, env: { ...spec.env }, shell: false, detached: true, windowsHide: true, stdio: ["pipe", "pipe", "pipe"],
  });
  const stdout = new CappedOutput(spec.maxOutputBytes);
  const stderr = new CappedOutput(spec.maxOutputBytes);
  child.stdout!.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk));
  const pid = await waitForSpawn(child, spec);
  child.stdin!.on("error", () => undefined);
  child.stdin!.end(spec.stdin ?? "");
  let finished = false;
  let timedOut = false;
  let killed = false;
  const kill = (signal: NodeJS.Signals = "SIGKILL") => {
    if (finished) return;
    killed = true;
    killProcessTree(pid, signal);
  };
  const timer = spec.timeoutMs > 0 ? setTimeout(() => { timedOut = true; killProcessTree(pid); }, spec.timeoutMs) : null;
  const onAbort = () => kill();
  spec.signal?.addEventListener("abort", onAbort, { once: true });
  if (spec.signal?.aborted) kill();
  // The leader's exit ends its tree too: a grandchild left running would hold the pipes open and outlive the call.
  child.once("exit", () => killProcessTree(pid));
  const done = new Promise<ProcessOutcome>((resolve) => {
    child.once("close", (code, signal) => {
      finished = true;
      if (timer) clearTimeout(timer);
      spec.signal?.removeEventListener("abort", onAbort);
      resolve({
        exitCode: code, signal: signal ?? null, stdout: stdout.text(), stderr: stderr.text(),
        stdoutBytes: stdout.total, stderrBytes: stderr.total, stdoutTruncated: stdout.truncated, stderrTruncated: stderr.truncated,
        timedOut, killed: killed && !timedOut, durationMs: Date.now() - startedAt,
      });
    });
  });
  return { pid, done, running: () => !finished, kill, snapshot: () => ({ stdout, stderr }) };
}

/** Runs a process to its end (see startProcess). */
export async function runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
  return (await startProcess(spec)).done;
}
