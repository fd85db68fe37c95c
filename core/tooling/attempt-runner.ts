/**
 * The attempt loop of the envelope (reference §1.4 step 5): run the handler, validate its output, retry with
 * exponential backoff while attempts remain and the failure may pass, record one call trace per attempt.
 */
import { ArkError } from "../errors/index.js";
import type { CallTrace } from "./trace-envelope.js";
import { toolFailureOf, type ToolFailure } from "./tool-error.js";

/** The longest pause between two attempts. */
export const MAX_BACKOFF_MS = 30_000;
/** The most attempts a call may ask for. */
export const MAX_ATTEMPTS = 20;

/** How to run the attempts of one call. */
export interface AttemptPlan {
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly backoffFactor: number;
  readonly signal: AbortSignal;
  /** Runs the handler for one attempt (given its 1-based number). */
  run(attempt: number): Promise<unknown>;
  /** Output problems (schema issues) or null when valid. */
  checkOutput(output: unknown): ArkError | null;
}

/** What the attempts produced. */
export type AttemptOutcome =
  | { readonly ok: true; readonly output: unknown; readonly calls: CallTrace[] }
  | { readonly ok: false; readonly failure: ToolFailure; readonly calls: CallTrace[]; readonly cancelled: boolean };

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

function cancelledFailure(): ToolFailure {
  return { code: "ARK_TOOL_CANCELLED", message: "The tool call was aborted by its caller.", details: {}, retryable: false, errorType: "AbortError" };
}

/** Runs the attempts; never throws. */
export async function runAttempts(plan: AttemptPlan): Promise<AttemptOutcome> {
  const calls: CallTrace[] = [];
  let pause = plan.backoffMs;
  for (let attempt = 1; ; attempt++) {
    if (plan.signal.aborted) return { ok: false, failure: cancelledFailure(), calls, cancelled: true };
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    let failure: ToolFailure;
    try {
      const output = await plan.run(attempt);
      const invalid = plan.checkOutput(output);
      if (invalid) throw invalid;
      calls.push({ attempt, status: "succeeded", started_at: startedAt, finished_at: new Date().toISOString(), duration_ms: Date.now() - started });
      return { ok: true, output, calls };
    } catch (err) {
      failure = plan.signal.aborted ? cancelledFailure() : toolFailureOf(err);
    }
    calls.push({
      attempt, status: "failed", started_at: startedAt, finished_at: new Date().toISOString(), duration_ms: Date.now() - started,
      error_type: failure.errorType, error: failure.message, error_code: failure.code,
    });
    if (plan.signal.aborted) return { ok: false, failure, calls, cancelled: true };
    if (attempt >= plan.maxAttempts || !failure.retryable) return { ok: false, failure, calls, cancelled: false };
    await sleep(Math.min(pause, MAX_BACKOFF_MS), plan.signal);
    pause = pause * plan.backoffFactor;
  }
}
