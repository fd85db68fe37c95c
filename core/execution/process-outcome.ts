/**
 * How an executor child's end maps to a v1 result and the dispatch state machine (execution-plane §4.15, with Q3
 * fixed): a start marker confirms the dispatch; anything that ends before it is `dispatch_failed`; a child that exits
 * without a readable result line is ambiguous and fails closed (`dispatch_uncertain=true`, not retryable, no fallback).
 */
import type { ExecutionResult } from "../plugin-api/contributions.js";
import type { ExecutorChildOutcome, ExecutorTimeouts } from "./executor-child.js";
import { failedResult } from "./execution-results.js";

/** What the mapping needs besides the outcome. */
export interface OutcomeContext {
  readonly timeouts: ExecutorTimeouts;
  readonly expectedPluginSetHash: string | null;
  readonly workspace: string;
  readonly command: readonly string[];
}

function withMetadata(result: ExecutionResult, metadata: Record<string, unknown>, stderrTail: string): ExecutionResult {
  const failed = result.status !== "success";
  return {
    ...result,
    ...(failed && stderrTail && !result.stderr ? { stderr: stderrTail } : {}),
    run_metadata: { ...((result.run_metadata as Record<string, unknown> | undefined) ?? {}), ...metadata },
  };
}

function exitText(outcome: ExecutorChildOutcome): string {
  return outcome.exitSignal ? `signal ${outcome.exitSignal}` : `code ${outcome.exitCode}`;
}

/** The result for an executor that ended before confirming (spawn failure, dispatch timeout, plugin-set mismatch). */
function unconfirmedResult(outcome: ExecutorChildOutcome, context: OutcomeContext): { result: ExecutionResult; fallbackReason: string } | null {
  if (outcome.end === "spawn_failed") {
    return {
      result: failedResult("dispatch_error", `Cannot start the executor: ${outcome.spawnError ?? "unknown error"}.`, {
        details: { ark_code: "ARK_EXECUTOR_SPAWN_FAILED", command: context.command },
      }),
      fallbackReason: "create_failed",
    };
  }
  if (outcome.end === "plugin_set_mismatch") {
    return {
      result: failedResult("ARK_EXECUTOR_PLUGIN_SET_MISMATCH", `The executor reports plugin set ${outcome.reportedPluginSetHash ?? "(none)"}, expected ${context.expectedPluginSetHash}; it was stopped before running the node.`, {
        retryable: false, details: { expected: context.expectedPluginSetHash, reported: outcome.reportedPluginSetHash },
      }),
      fallbackReason: "config_error",
    };
  }
  if (outcome.end === "dispatch_timeout") {
    return {
      result: failedResult("dispatch_error", `The executor did not start within ${context.timeouts.dispatchSeconds} s (dispatch timeout).`, {
        details: { timeout: "dispatch", timeout_seconds: context.timeouts.dispatchSeconds },
      }),
      fallbackReason: "dispatch_timeout",
    };
  }
  return null;
}

/** The executor's own result, or the one the end implies. */
function endedResult(outcome: ExecutorChildOutcome, context: OutcomeContext): { result: ExecutionResult; uncertain: boolean } {
  const reported = outcome.output.result;
  if (outcome.end === "cancelled") {
    return { result: reported?.status === "cancelled" ? reported : failedResult("cancelled", "Node execution was cancelled.", { status: "cancelled" }), uncertain: false };
  }
  if (outcome.end === "execution_timeout") {
    const message = `Execution timed out after ${context.timeouts.executionSeconds} seconds.`;
    return {
      result: reported?.status === "timeout" ? reported : failedResult("timeout", message, { status: "timeout", details: { timeout: "execution", timeout_seconds: context.timeouts.executionSeconds } }),
      uncertain: false,
    };
  }
  if (reported) return { result: reported, uncertain: false };
  const problem = outcome.output.problem;
  const when = outcome.output.started ? "after its start marker" : "before its start marker";
  return {
    result: failedResult("dispatch_error", `The executor exited (${exitText(outcome)}) ${when} without a readable result (${problem?.code ?? "result_missing"}); the node's work may or may not have happened.`, {
      retryable: false,
      details: { problem: problem?.code ?? "result_missing", problem_message: problem?.message ?? null, exit_code: outcome.exitCode, exit_signal: outcome.exitSignal, logs_incomplete: outcome.logsIncomplete },
    }),
    uncertain: true,
  };
}

/** Maps a finished executor child to the dispatcher's v1 result with its run metadata. */
export function resultOfOutcome(outcome: ExecutorChildOutcome, context: OutcomeContext): ExecutionResult {
  const common = {
    provider_dispatch_id: outcome.pid === null ? null : `process:${outcome.pid}`,
    process_exit_code: outcome.exitCode, process_exit_signal: outcome.exitSignal, force_killed: outcome.forceKilled,
    terminal_reason: outcome.end, plugin_set_hash: outcome.reportedPluginSetHash, workspace: context.workspace,
    ...(outcome.logsIncomplete ? { logs_incomplete: true } : {}),
  };
  const unconfirmed = unconfirmedResult(outcome, context);
  if (unconfirmed) {
    return withMetadata(unconfirmed.result, { ...common, dispatch_status: "dispatch_failed", dispatch_uncertain: false, fallback_reason: unconfirmed.fallbackReason }, outcome.stderrTail);
  }
  const { result, uncertain } = endedResult(outcome, context);
  const dispatchStatus = uncertain || !outcome.output.started ? "dispatch_failed" : "dispatch_confirmed";
  return withMetadata(result, { ...common, dispatch_status: dispatchStatus, dispatch_uncertain: uncertain }, outcome.stderrTail);
}
