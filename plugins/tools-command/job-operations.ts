/** background_start, background_status, background_output, background_kill: jobs followed across calls. */
import { ToolInput, workspaceKeyOf, type SettingsSlot, type ToolOperation } from "../../core/plugin-api/index.js";
import type { CommandRuntime } from "./command-runtime.js";
import type { BackgroundJob } from "./jobs.js";
import { outputCapOf, prepareCommand, timeoutOf } from "./prepared-command.js";
import { commandInputProperties } from "./run-operation.js";

const jobIdInput = (extra: Record<string, unknown> = {}) => ({
  type: "object", required: ["job_id"], additionalProperties: false, properties: { job_id: { type: "string", minLength: 1 }, ...extra },
});

function statusView(job: BackgroundJob, now: number): Record<string, unknown> {
  const { stdout, stderr } = job.process.snapshot();
  return {
    job_id: job.id, pid: job.process.pid, command: job.argv, running: job.process.running(),
    exit_code: job.outcome?.exitCode ?? null, signal: job.outcome?.signal ?? null, timed_out: job.outcome?.timedOut ?? false,
    elapsed_ms: (job.outcome ? job.startedAt + job.outcome.durationMs : now) - job.startedAt,
    stdout_bytes: stdout.total, stderr_bytes: stderr.total, reaped_for: job.reapedFor,
  };
}

function jobOf(slot: SettingsSlot<CommandRuntime>, raw: unknown, scope: Readonly<Record<string, unknown>>): { job: BackgroundJob; input: ToolInput; runtime: CommandRuntime } {
  const input = new ToolInput(raw);
  const runtime = slot.get();
  return { job: runtime.jobs.get(input.requiredString("job_id"), workspaceKeyOf(scope)), input, runtime };
}

/** `background_start`: same input as run (without stdin) → `{job_id, pid, command, cwd}`. */
export function backgroundStartOperation(slot: SettingsSlot<CommandRuntime>): ToolOperation {
  const { stdin: _stdin, ...properties } = commandInputProperties;
  return {
    description: "Start a command in the background (same policy as run); follow it with background_status/output, end it with background_kill.",
    input: { type: "object", required: ["command"], additionalProperties: false, properties },
    async handler(raw, ctx) {
      const prepared = await prepareCommand(slot, raw, ctx);
      const { runtime } = prepared;
      runtime.jobs.checkRoom();
      const started = await runtime.start({
        file: prepared.file, args: prepared.args, cwd: prepared.cwd, env: prepared.env, maxOutputBytes: outputCapOf(prepared),
        timeoutMs: timeoutOf(prepared, runtime.policy.jobMaxRuntimeMs, runtime.policy.jobMaxRuntimeMs),
      });
      const job = runtime.jobs.add(prepared.workspace, prepared.argv, prepared.cwdRelative, started);
      return { job_id: job.id, pid: started.pid, command: prepared.argv, cwd: prepared.cwdRelative };
    },
  };
}

/** `background_status`: `{job_id}` → `{running, exit_code, signal, elapsed_ms, stdout_bytes, ...}`. */
export function backgroundStatusOperation(slot: SettingsSlot<CommandRuntime>): ToolOperation {
  return {
    description: "Whether a background job still runs, and how it ended.",
    idempotent: true,
    input: jobIdInput(),
    async handler(raw, ctx) {
      const { job } = jobOf(slot, raw, ctx.scope);
      return statusView(job, Date.now());
    },
  };
}

/** `background_output`: `{job_id, offset?, wait_seconds?}` → `{stdout, stderr, running, ...}` (output kept so far, from byte `offset`). */
export function backgroundOutputOperation(slot: SettingsSlot<CommandRuntime>): ToolOperation {
  return {
    description: "The output a background job produced so far (capped like run); wait_seconds waits for the job to end first.",
    idempotent: true,
    input: jobIdInput({ offset: { type: "integer", minimum: 0 }, wait_seconds: { type: "integer", minimum: 0, maximum: 600 } }),
    async handler(raw, ctx) {
      const { job, input } = jobOf(slot, raw, ctx.scope);
      const waitMs = input.integer("wait_seconds", 0, 0, 600) * 1000;
      if (waitMs > 0 && job.process.running()) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([job.process.done, new Promise((resolve) => { timer = setTimeout(resolve, waitMs); })]);
        clearTimeout(timer);
      }
      const offset = input.integer("offset", 0, 0, Number.MAX_SAFE_INTEGER);
      const { stdout, stderr } = job.process.snapshot();
      return { ...statusView(job, Date.now()), stdout: stdout.text(offset), stderr: stderr.text(offset), stdout_truncated: stdout.truncated, stderr_truncated: stderr.truncated };
    },
  };
}

/** `background_kill`: `{job_id, remove?}` → `{job_id, killed, exit_code, signal}`; kills the job's whole process tree. */
export function backgroundKillOperation(slot: SettingsSlot<CommandRuntime>): ToolOperation {
  return {
    description: "Kill a background job's process tree (and forget the job with remove: true).",
    idempotent: true,
    input: jobIdInput({ remove: { type: "boolean" } }),
    async handler(raw, ctx) {
      const { job, input, runtime } = jobOf(slot, raw, ctx.scope);
      const wasRunning = job.process.running();
      job.process.kill();
      const outcome = await job.process.done;
      if (input.boolean("remove", false)) runtime.jobs.remove(job.id);
      return { job_id: job.id, killed: wasRunning, exit_code: outcome.exitCode, signal: outcome.signal };
    },
  };
}
