/** resource_limits: the policy a caller runs under and what is in use now. */
import { cpus, totalmem } from "node:os";
import type { SettingsSlot, ToolOperation } from "../../core/plugin-api/index.js";
import type { CommandRuntime } from "./command-runtime.js";

/** `resource_limits`: `{}` → policy limits, current use, and the machine's CPU count and memory. */
export function resourceLimitsOperation(slot: SettingsSlot<CommandRuntime>): ToolOperation {
  return {
    description: "The command policy's limits (timeouts, output cap, concurrency, sessions, jobs) and current use.",
    idempotent: true,
    input: { type: "object", additionalProperties: false, properties: {} },
    async handler() {
      const runtime = slot.get();
      const { policy } = runtime;
      const jobs = runtime.jobs.counts();
      return {
        timeout_seconds: { default: policy.defaultTimeoutMs / 1000, max: policy.maxTimeoutMs / 1000 },
        max_output_bytes: policy.maxOutputBytes,
        processes: { running: runtime.runningCount, max: policy.maxConcurrent },
        sessions: { open: runtime.sessions.size, max: policy.maxSessions, ttl_seconds: policy.sessionTtlMs / 1000 },
        jobs: { kept: jobs.kept, running: jobs.running, max: policy.maxJobs, ttl_seconds: policy.jobTtlMs / 1000, max_runtime_seconds: policy.jobMaxRuntimeMs / 1000 },
        policy: { shell: policy.shell, allow: [...policy.allow], deny: [...policy.deny], env_passthrough: [...policy.envPassthrough], confine_arguments: policy.confineArguments },
        machine: { cpu_count: cpus().length, memory_total_bytes: totalmem() },
      };
    },
  };
}
