/**
 * Provider failures inside one cycle: retries on 429 / 5xx with backoff honouring Retry-After, no retry for
 * malformed answers, timeouts, and cancellation (the in-flight HTTP request and a pending retry wait are both cut).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LlmError, retryAfterOf, retryDelayMs, type RetryNotice } from "../../core/plugin-api/index.js";
import { llmRequest, openAiReplies, startFakeLlmServer, type FakeLlmServer } from "../../test/fixtures/llm-fakes/index.js";
import { FrontierExecutor } from "./frontier-executor.js";

let fake: FakeLlmServer;
const retries: RetryNotice[] = [];

function executorWith(retry: { maxAttempts: number; baseDelayMs?: number; maxDelayMs?: number }, timeoutMs = 10_000): FrontierExecutor {
  const executor = new FrontierExecutor();
  executor.configure({ providers: { openai: { baseUrl: fake.url, apiKey: "sk-fail-test", timeoutMs } }, retry }, { env: {}, onRetry: (n) => retries.push(n) });
  return executor;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

beforeAll(async () => {
  fake = await startFakeLlmServer();
});
afterAll(async () => fake.close());
beforeEach(() => {
  fake.reset();
  retries.length = 0;
});

describe("retries inside a cycle", () => {
  it("retries a 429 after the provider's retry-after-ms, then succeeds", async () => {
    fake.enqueue(openAiReplies.error(429, "Rate limit reached", { "retry-after-ms": "7" }), openAiReplies.text("ok"));
    const result = await executorWith({ maxAttempts: 3, baseDelayMs: 1000 }).execute(llmRequest({ task_prompt: "x" }), new AbortController().signal);
    expect(result.status).toBe("success");
    expect(fake.requests).toHaveLength(2);
    expect(retries.map((r) => [r.attempt, r.delayMs, r.error.kind])).toEqual([[1, 7, "rate_limit"]]);
  });

  it("retries 5xx with exponential backoff and gives up with provider_error after maxAttempts", async () => {
    fake.enqueue(openAiReplies.error(500, "boom"), openAiReplies.error(502, "bad gateway"), openAiReplies.error(503, "unavailable"));
    const result = await executorWith({ maxAttempts: 3, baseDelayMs: 2 }).execute(llmRequest({ task_prompt: "x" }), new AbortController().signal);
    expect(result.error).toMatchObject({ code: "provider_error", retryable: true, details: { status: 503 } });
    expect(fake.requests).toHaveLength(3);
    expect(retries.map((r) => r.delayMs)).toEqual([2, 4]);
  });

  it("does not retry a malformed answer or a 400", async () => {
    fake.enqueue({ raw: "{not json" }, openAiReplies.error(400, "bad"));
    const executor = executorWith({ maxAttempts: 3, baseDelayMs: 1 });
    expect((await executor.execute(llmRequest({ task_prompt: "x" }), new AbortController().signal)).error?.code).toBe("provider_error");
    expect((await executor.execute(llmRequest({ task_prompt: "x" }), new AbortController().signal)).error?.code).toBe("bad_request");
    expect(fake.requests).toHaveLength(2);
    expect(retries).toEqual([]);
  });

  it("reads Retry-After in seconds or as a date and caps the wait at maxDelayMs", () => {
    expect(retryAfterOf(new Headers({ "retry-after": "2" }))).toBe(2000);
    expect(retryAfterOf(new Headers({ "retry-after-ms": "15", "retry-after": "2" }))).toBe(15);
    expect(retryAfterOf(new Headers({ "retry-after": new Date(Date.now() - 5000).toUTCString() }))).toBe(0);
    expect(retryAfterOf(new Headers({}))).toBeUndefined();
    const limited = new LlmError("rate_limit", "slow", { provider: "p", retryAfterMs: 120_000 });
    expect(retryDelayMs({ maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 30_000 }, 1, limited)).toBe(30_000);
  });
});

describe("timeouts and cancellation", () => {
  it("maps a provider that does not answer in timeoutMs to a retryable timeout", async () => {
    fake.enqueue({ hang: true });
    const result = await executorWith({ maxAttempts: 1 }, 150).execute(llmRequest({ task_prompt: "x" }), new AbortController().signal);
    expect(result.error).toMatchObject({ code: "timeout", retryable: true, details: { timeout_ms: 150 } });
  });

  it("cancels the in-flight HTTP request when the node run is aborted", async () => {
    fake.enqueue({ hang: true });
    const controller = new AbortController();
    const running = executorWith({ maxAttempts: 3 }).execute(llmRequest({ task_prompt: "x" }), controller.signal);
    await fake.received(1);
    controller.abort();
    const result = await running;
    expect(result.status).toBe("cancelled");
    expect(result.error?.code).toBe("cancelled");
    expect(fake.requests).toHaveLength(1);
    await until(() => fake.requests[0]!.aborted);
  });

  it("cancels a pending retry wait", async () => {
    fake.enqueue(openAiReplies.error(429, "later", { "retry-after": "60" }));
    const controller = new AbortController();
    const running = executorWith({ maxAttempts: 3, maxDelayMs: 60_000 }).execute(llmRequest({ task_prompt: "x" }), controller.signal);
    await until(() => retries.length === 1);
    controller.abort();
    const result = await running;
    expect(result.status).toBe("cancelled");
    expect(retries[0]!.delayMs).toBe(60_000);
    expect(fake.requests).toHaveLength(1);
  });
});
