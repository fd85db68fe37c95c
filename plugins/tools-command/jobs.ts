/**
 * Background jobs: processes started by one call and followed by later ones (status, output, kill). A job nobody
 * asked about for jobTtlSeconds is killed and removed, as is one running past jobMaxRuntimeSeconds, so a forgotten
 * job cannot run forever.
 */
import { randomUUID } from "node:crypto";
import { ArkError, type ProcessOutcome, type RunningProcess } from "../../core/plugin-api/index.js";

/** One job. */
export interface BackgroundJob {
  readonly id: string;
  readonly workspace: string;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly process: RunningProcess;
  readonly startedAt: number;
  lastTouchedAt: number;
  outcome: ProcessOutcome | null;
  /** Why the reaper ended it, when it did. */
  reapedFor: "ttl" | "max_runtime" | null;
}

/** The jobs of one kernel. */
export class JobRegistry {
  private readonly jobs = new Map<string, BackgroundJob>();

  constructor(private readonly max: number, private readonly ttlMs: number, private readonly maxRuntimeMs: number, private readonly now: () => number = Date.now) {}

  /** Throws ARK_COMMAND_LIMIT_REACHED when maxJobs are kept already. */
  checkRoom(): void {
    if (this.jobs.size >= this.max) {
      throw new ArkError("ARK_COMMAND_LIMIT_REACHED", `${this.max} background jobs are kept (maxJobs); kill or let old ones be reaped.`, { details: { limit: this.max, kind: "jobs" } });
    }
  }

  /** Records a started process as a job. */
  add(workspace: string, argv: readonly string[], cwd: string, process: RunningProcess): BackgroundJob {
    const at = this.now();
    const job: BackgroundJob = { id: randomUUID(), workspace, argv, cwd, process, startedAt: at, lastTouchedAt: at, outcome: null, reapedFor: null };
    this.jobs.set(job.id, job);
    void process.done.then((outcome) => {
      job.outcome = outcome;
    });
    return job;
  }

  /** The job `id` of `workspace` (marked touched); ARK_COMMAND_JOB_NOT_FOUND otherwise. */
  get(id: string, workspace: string): BackgroundJob {
    const job = this.jobs.get(id);
    if (!job || job.workspace !== workspace) throw new ArkError("ARK_COMMAND_JOB_NOT_FOUND", `No background job "${id}" in this workspace.`, { details: { job_id: id } });
    job.lastTouchedAt = this.now();
    return job;
  }

  /** Forgets a job (after kill with remove: true). */
  remove(id: string): void {
    this.jobs.delete(id);
  }

  /** Kills and removes forgotten jobs, kills jobs past their runtime; returns the ids it acted on. */
  reap(): string[] {
    const at = this.now();
    const acted: string[] = [];
    for (const job of [...this.jobs.values()]) {
      if (at - job.lastTouchedAt >= this.ttlMs) {
        job.reapedFor = "ttl";
        job.process.kill();
        this.jobs.delete(job.id);
        acted.push(job.id);
      } else if (job.process.running() && at - job.startedAt >= this.maxRuntimeMs) {
        job.reapedFor = "max_runtime";
        job.process.kill();
        acted.push(job.id);
      }
    }
    return acted;
  }

  /** Counts of kept and running jobs. */
  counts(): { kept: number; running: number } {
    const all = [...this.jobs.values()];
    return { kept: all.length, running: all.filter((j) => j.process.running()).length };
  }

  /** Kills every job and waits for them (plugin stop). */
  async stopAll(): Promise<void> {
    const all = [...this.jobs.values()];
    this.jobs.clear();
    for (const job of all) job.process.kill();
    await Promise.all(all.map((job) => job.process.done));
  }
}
