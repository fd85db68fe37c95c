/**
 * The state of the command domain in one kernel: the policy, the process slots (maxConcurrent), sessions, jobs and
 * the reaper that removes idle sessions and forgotten jobs.
 */
import { ArkError, startProcess, type RunningProcess, type ProcessSpec } from "../../core/plugin-api/index.js";
import type { CommandPolicy } from "./config.js";
import { JobRegistry } from "./jobs.js";
import { SessionRegistry } from "./sessions.js";

/** Runtime of the command domain, bound at init and stopped at plugin stop. */
export class CommandRuntime {
  readonly sessions: SessionRegistry;
  readonly jobs: JobRegistry;
  private running = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly policy: CommandPolicy, now: () => number = Date.now) {
    this.sessions = new SessionRegistry(policy.maxSessions, policy.sessionTtlMs, now);
    this.jobs = new JobRegistry(policy.maxJobs, policy.jobTtlMs, policy.jobMaxRuntimeMs, now);
  }

  /** Starts a process in a free slot (ARK_COMMAND_LIMIT_REACHED when maxConcurrent are running); the slot frees when it ends. */
  async start(spec: ProcessSpec): Promise<RunningProcess> {
    if (this.running >= this.policy.maxConcurrent) {
      throw new ArkError("ARK_COMMAND_LIMIT_REACHED", `${this.policy.maxConcurrent} commands are running (maxConcurrent).`, { details: { limit: this.policy.maxConcurrent, kind: "processes" } });
    }
    this.running += 1;
    let started: RunningProcess;
    try {
      started = await startProcess(spec);
    } catch (err) {
      this.running -= 1;
      throw err;
    }
    void started.done.finally(() => {
      this.running -= 1;
    });
    return started;
  }

  /** Processes running now. */
  get runningCount(): number {
    return this.running;
  }

  /** One reaper pass; returns what it removed. */
  reap(): { sessions: string[]; jobs: string[] } {
    return { sessions: this.sessions.reap(), jobs: this.jobs.reap() };
  }

  /** Starts the periodic reaper (unref'd: it never keeps the process alive). */
  startReaper(onReap?: (reaped: { sessions: string[]; jobs: string[] }) => void): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      const reaped = this.reap();
      if (reaped.sessions.length + reaped.jobs.length > 0) onReap?.(reaped);
    }, this.policy.reapIntervalMs);
    this.timer.unref();
  }

  /** Stops the reaper, kills every job, forgets every session. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sessions.clear();
    await this.jobs.stopAll();
  }
}
