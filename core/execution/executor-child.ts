/**
 * One executor child process, watched through the marker protocol: stdout is read line by line as it streams, the
 * start marker confirms the dispatch (after the plugin-set hash check, when one is expected), and typed timeouts
 * apply — dispatch (spawn → start marker), execution (start marker → exit), log collection (exit → streams closed).
 * Stopping is SIGTERM, then SIGKILL after the cancel grace (unless force kill is off).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { ExecutorOutputReader, LineSplitter, type ExecutorStartInfo, type ParsedExecutorOutput } from "./executor-markers.js";

/** Timeouts of one executor run, in seconds. */
export interface ExecutorTimeouts {
  readonly dispatchSeconds: number;
  readonly executionSeconds: number;
  readonly logCollectionSeconds: number;
  readonly cancelGraceSeconds: number;
  readonly forceKill: boolean;
}

/** How to start the child and what to expect of it. */
export interface ExecutorChildSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly timeouts: ExecutorTimeouts;
  /** The plugin-set hash the start marker must report; null skips the check. */
  readonly expectedPluginSetHash: string | null;
  readonly signal: AbortSignal;
  /** Called once the child runs (pid known). */
  onSpawned?(pid: number): void;
  /** Called once the start marker was seen (and the hash, if expected, matched). */
  onStarted?(info: ExecutorStartInfo | null): void;
  /** Every log line (stdout lines that are not markers, and stderr lines). */
  onLog?(line: string, stream: "stdout" | "stderr"): void;
}

/** Why the child ended. */
export type ExecutorEnd = "exited" | "spawn_failed" | "dispatch_timeout" | "execution_timeout" | "cancelled" | "plugin_set_mismatch";

/** Everything known once the child is gone. */
export interface ExecutorChildOutcome {
  readonly end: ExecutorEnd;
  readonly output: ParsedExecutorOutput;
  readonly pid: number | null;
  readonly exitCode: number | null;
  readonly exitSignal: string | null;
  /** Whether SIGKILL had to be sent after the grace. */
  readonly forceKilled: boolean;
  /** The last few KB of stderr. */
  readonly stderrTail: string;
  readonly spawnError: string | null;
  /** The stream did not close within the log-collection timeout after exit. */
  readonly logsIncomplete: boolean;
  readonly reportedPluginSetHash: string | null;
}

const STDERR_TAIL_BYTES = 4096;

/** Runs the child to its end; never rejects. */
export function runExecutorChild(spec: ExecutorChildSpec): Promise<ExecutorChildOutcome> {
  return new Promise((resolve) => new ExecutorChildWatch(spec, resolve).start());
}

class ExecutorChildWatch {
  private child: ChildProcess | null = null;
  // Log lines stream to the logger; only the tail is kept for the outcome.
  private readonly reader = new ExecutorOutputReader({ maxLogLines: 200 });
  private readonly stdoutLines = new LineSplitter();
  private readonly stderrLines = new LineSplitter();
  private end: ExecutorEnd | null = null;
  private confirmed = false;
  private stderrTail = "";
  private forceKilled = false;
  private exit: { code: number | null; signal: string | null } | null = null;
  private spawnError: string | null = null;
  private openStreams = 2;
  private logsIncomplete = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private settled = false;

  constructor(private readonly spec: ExecutorChildSpec, private readonly done: (outcome: ExecutorChildOutcome) => void) {}

  start(): void {
    if (this.spec.signal.aborted) return this.finishWithoutChild("cancelled");
    try {
      this.child = spawn(this.spec.command, [...this.spec.args], { cwd: this.spec.cwd, env: { ...this.spec.env }, stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
      this.spawnError = (err as Error).message;
      return this.finishWithoutChild("spawn_failed");
    }
    const child = this.child;
    child.once("error", (err) => {
      this.spawnError = err.message;
      if (child.pid === undefined) this.finishWithoutChild("spawn_failed");
    });
    if (child.pid !== undefined) this.spec.onSpawned?.(child.pid);
    child.stdout!.on("data", (chunk: Buffer) => this.lines(this.stdoutLines.push(chunk), "stdout"));
    child.stderr!.on("data", (chunk: Buffer) => this.lines(this.stderrLines.push(chunk), "stderr"));
    child.stdout!.once("close", () => this.streamClosed("stdout"));
    child.stderr!.once("close", () => this.streamClosed("stderr"));
    child.once("exit", (code, signal) => this.exited(code, signal));
    this.spec.signal.addEventListener("abort", this.onAbort, { once: true });
    this.timer(this.spec.timeouts.dispatchSeconds, () => {
      if (!this.confirmed) this.stop("dispatch_timeout", true);
    });
  }

  private readonly onAbort = (): void => this.stop("cancelled", true);

  private timer(seconds: number, fire: () => void): void {
    const timer = setTimeout(() => (this.timers.delete(timer), fire()), Math.max(0, seconds * 1000));
    this.timers.add(timer);
  }

  private lines(lines: string[], stream: "stdout" | "stderr"): void {
    for (const line of lines) {
      if (stream === "stderr") {
        this.stderrTail = (this.stderrTail + line + "\n").slice(-STDERR_TAIL_BYTES);
        this.spec.onLog?.(line, "stderr");
        continue;
      }
      const kind = this.reader.push(line);
      if (kind.kind === "log") this.spec.onLog?.(line, "stdout");
      else if (kind.kind === "started") this.started(kind.info);
    }
  }

  private started(info: ExecutorStartInfo | null): void {
    if (this.confirmed || this.end !== null) return;
    const expected = this.spec.expectedPluginSetHash;
    if (expected !== null) {
      if (info === null) return; // the literal marker; the JSON line with the hash follows it
      if (info.plugin_set_hash !== expected) return this.stop("plugin_set_mismatch", false);
    }
    this.confirmed = true;
    this.spec.onStarted?.(info);
    this.timer(this.spec.timeouts.executionSeconds, () => this.stop("execution_timeout", true));
  }

  /** Ends the child: SIGTERM then SIGKILL after the grace (`graceful`), or SIGKILL at once. */
  private stop(end: ExecutorEnd, graceful: boolean): void {
    if (this.end !== null || this.exit !== null) return;
    this.end = end;
    const child = this.child;
    if (!child) return;
    if (!graceful) {
      this.forceKilled = child.kill("SIGKILL");
      return;
    }
    child.kill("SIGTERM");
    if (!this.spec.timeouts.forceKill) return;
    this.timer(this.spec.timeouts.cancelGraceSeconds, () => {
      if (this.exit === null) this.forceKilled = child.kill("SIGKILL");
    });
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.exit = { code, signal };
    this.end ??= "exited";
    if (this.openStreams === 0) return this.finish();
    // A grandchild may hold the pipes open: give the logs a bounded time to drain.
    this.timer(this.spec.timeouts.logCollectionSeconds, () => {
      this.logsIncomplete = true;
      this.finish();
    });
  }

  private streamClosed(stream: "stdout" | "stderr"): void {
    const rest = (stream === "stdout" ? this.stdoutLines : this.stderrLines).end();
    this.lines(rest, stream);
    this.openStreams -= 1;
    if (this.openStreams === 0 && this.exit !== null) this.finish();
  }

  private finishWithoutChild(end: ExecutorEnd): void {
    this.end = end;
    this.finish();
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.spec.signal.removeEventListener("abort", this.onAbort);
    const output = this.reader.snapshot();
    this.done({
      end: this.end ?? "exited", output, pid: this.child?.pid ?? null, exitCode: this.exit?.code ?? null, exitSignal: this.exit?.signal ?? null,
      forceKilled: this.forceKilled, stderrTail: this.stderrTail, spawnError: this.spawnError, logsIncomplete: this.logsIncomplete,
      reportedPluginSetHash: output.startInfo?.plugin_set_hash ?? null,
    });
  }
}
