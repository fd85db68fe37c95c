/** run: one command to its end, under the policy, with a timeout and output caps. A non-zero exit is a result, not an error. */
import { ArkError, type ProcessOutcome, type SettingsSlot, type ToolOperation } from "../../core/plugin-api/index.js";
import type { CommandRuntime } from "./command-runtime.js";
import { outputCapOf, prepareCommand, timeoutOf } from "./prepared-command.js";

/** Input properties shared by run and background_start. */
export const commandInputProperties = {
  command: { anyOf: [{ type: "string", minLength: 1 }, { type: "array", minItems: 1, items: { type: "string" } }], description: "argv array (preferred), or a plain string; shell syntax needs the policy's shell." },
  shell: { type: "boolean" },
  cwd: { type: "string", description: "Working folder inside the workspace (relative to the session's folder when session_id is given)." },
  env: { type: "object", additionalProperties: { type: "string" } },
  session_id: { type: "string", minLength: 1 },
  timeout_seconds: { type: "integer", minimum: 1 },
  max_output_bytes: { type: "integer", minimum: 1 },
  stdin: { type: "string" },
} as const;

/** The result fields of a finished process. */
export function outcomeView(outcome: ProcessOutcome): Record<string, unknown> {
  return {
    exit_code: outcome.exitCode, signal: outcome.signal, stdout: outcome.stdout, stderr: outcome.stderr,
    stdout_bytes: outcome.stdoutBytes, stderr_bytes: outcome.stderrBytes, stdout_truncated: outcome.stdoutTruncated, stderr_truncated: outcome.stderrTruncated,
    duration_ms: outcome.durationMs,
  };
}

/** `run`: `{command, cwd?, env?, session_id?, timeout_seconds?, max_output_bytes?, stdin?, shell?}`. */
export function runOperation(slot: SettingsSlot<CommandRuntime>): ToolOperation {
  return {
    description: "Run a command in the workspace and wait for it: argv form without a shell, scrubbed environment, timeout (kills the process tree), capped output.",
    input: { type: "object", required: ["command"], additionalProperties: false, properties: commandInputProperties },
    async handler(raw, ctx) {
      const prepared = await prepareCommand(slot, raw, ctx);
      const { policy } = prepared.runtime;
      const timeoutMs = timeoutOf(prepared, policy.defaultTimeoutMs, policy.maxTimeoutMs);
      const stdin = prepared.input.optionalString("stdin");
      const started = await prepared.runtime.start({
        file: prepared.file, args: prepared.args, cwd: prepared.cwd, env: prepared.env, timeoutMs, maxOutputBytes: outputCapOf(prepared), signal: ctx.signal,
        ...(stdin !== null ? { stdin } : {}),
      });
      const outcome = await started.done;
      const view = { command: prepared.argv, shell: prepared.shell, cwd: prepared.cwdRelative, ...outcomeView(outcome) };
      if (outcome.timedOut) {
        throw new ArkError("ARK_COMMAND_TIMEOUT", `The command ran longer than ${timeoutMs / 1000} s; its process tree was killed.`, { details: { ...view, timeout_seconds: timeoutMs / 1000 } });
      }
      return view;
    },
  };
}
