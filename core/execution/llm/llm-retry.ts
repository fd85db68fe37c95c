/**
 * Retries inside one provider cycle (execution-plane §9.3, generalised): rate limits, timeouts, unreachable hosts and
 * 5xx answers are retried with exponential backoff, honouring the provider's Retry-After; anything else fails at once.
 * The wait is cancelled with the caller's signal.
 */
import { LlmError, isLlmError } from "./llm-errors.js";

/** Retry policy of one provider call. */
export interface RetryPolicy {
  /** Total attempts including the first (1 = no retry). */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** The default: 3 attempts, 500 ms doubling, at most 30 s per wait. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 30_000 });

/** What a retry hook hears before each wait. */
export interface RetryNotice {
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: LlmError;
}

/** The wait before attempt `attempt + 1`: the provider's Retry-After when given, else base × 2^(attempt-1); capped. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, error: LlmError): number {
  const backoff = policy.baseDelayMs * 2 ** (attempt - 1);
  return Math.min(policy.maxDelayMs, error.retryAfterMs ?? backoff);
}

/** Runs `call` until it succeeds, fails with a non-retryable error, or the attempts are used up. */
export async function withRetries<T>(
  call: (attempt: number) => Promise<T>,
  options: { policy: RetryPolicy; signal?: AbortSignal; provider: string; onRetry?: (notice: RetryNotice) => void },
): Promise<T> {
  const attempts = Math.max(1, Math.floor(options.policy.maxAttempts));
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (err) {
      if (!isLlmError(err) || !err.retryable || attempt >= attempts || options.signal?.aborted) throw err;
      const delayMs = retryDelayMs(options.policy, attempt, err);
      options.onRetry?.({ attempt, delayMs, error: err });
      await sleep(delayMs, options.signal, options.provider);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined, provider: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled(provider));
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled(provider));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function cancelled(provider: string): LlmError {
  return new LlmError("cancelled", `${provider} call was cancelled while waiting to retry.`, { provider });
}
