/**
 * The tool loop through the frontier executor against the OpenAI-compatible fake and a ToolHost running real
 * in-test tools: multi-cycle calls, error results fed back, the cycle cap, the sdk_tooling trace and idempotency keys.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { resolveMaxCycles } from "../../core/plugin-api/index.js";
import { FakeToolHost, addTool, failingTool, llmRequest, openAiReplies } from "../../test/fixtures/llm-fakes/index.js";
import { frontierHarness } from "./frontier-test-harness.js";

let tools: FakeToolHost;
const signal = () => new AbortController().signal;

const h = frontierHarness((url) => ({ providers: { openai: { baseUrl: url, apiKey: "sk-loop-test" } } }));
beforeEach(() => {
  tools = new FakeToolHost([addTool, failingTool]);
});

type Trace = { tool_call_count: number; provider: string; request_id?: string; tool_calls: Record<string, unknown>[] };

describe("tool loop", () => {
  it("runs tool calls over several cycles and records each call in sdk_tooling with its idempotency key", async () => {
    h.fake.enqueue(
      openAiReplies.toolCalls([{ id: "c1", name: "math__add", args: { a: 1, b: 2 } }]),
      openAiReplies.toolCalls([{ id: "c2", name: "math__add", args: { a: 3, b: 3 } }, { id: "c3", name: "math__add", args: { a: 0, b: 1 } }]),
      openAiReplies.text("{\"total\": 10}"),
    );
    const result = await h.executor.execute(llmRequest({ task_prompt: "sum" }), signal(), { tools });
    expect(result.status).toBe("success");
    expect(result.output_state.structured_output).toEqual({ total: 10 });
    expect(result.usage).toMatchObject({ input_tokens: 33, output_tokens: 21, cycles: 3 });
    expect(tools.calls.map((c) => [c.domain, c.operation, c.input, c.idempotencyKey])).toEqual([
      ["math", "add", { a: 1, b: 2 }, "node_run:nr-7:sdk_tool:cycle:1:call:1"],
      ["math", "add", { a: 3, b: 3 }, "node_run:nr-7:sdk_tool:cycle:2:call:1"],
      ["math", "add", { a: 0, b: 1 }, "node_run:nr-7:sdk_tool:cycle:2:call:2"],
    ]);
    expect(tools.calls[0]!.scope).toEqual({ node_run_id: "nr-7", node_id: "n1", flowchart_run_id: "run-3", execution_index: 1 });
    const trace = result.output_state.sdk_tooling as Trace;
    expect(trace).toMatchObject({ tool_call_count: 3, provider: "openai", request_id: "req-fake" });
    expect(trace.tool_calls[1]).toMatchObject({
      provider: "openai", cycle: 2, call_id: "c2", tool_name: "math__add", tool_domain: "math", operation: "add", is_error: false,
      execution_status: "success", fallback_used: false, warnings: [], warning_count: 0, replayed: false, idempotency_key: "node_run:nr-7:sdk_tool:cycle:2:call:1",
    });
  });

  it("replays recorded tool results when the same node run executes again (idempotency keys are deterministic)", async () => {
    const script = [openAiReplies.toolCalls([{ id: "c1", name: "math__add", args: { a: 1, b: 1 } }]), openAiReplies.text("2")];
    h.fake.enqueue(...script, ...script);
    await h.executor.execute(llmRequest({ task_prompt: "sum" }), signal(), { tools });
    const again = await h.executor.execute(llmRequest({ task_prompt: "sum" }), signal(), { tools });
    expect((again.output_state.sdk_tooling as Trace).tool_calls[0]).toMatchObject({ replayed: true });
  });

  it("feeds failures and unknown tools back to the model as error results and keeps going", async () => {
    h.fake.enqueue(openAiReplies.toolCalls([{ id: "f1", name: "notes__fail", args: {} }, { id: "u1", name: "shell__rm", args: { path: "/" } }]), openAiReplies.text("gave up"));
    const result = await h.executor.execute(llmRequest({ task_prompt: "try" }), signal(), { tools });
    expect(result.status).toBe("success");
    const sent = h.fake.requests[1]!.body.messages.filter((m: { role: string }) => m.role === "tool").map((m: { content: string }) => JSON.parse(m.content));
    expect(sent[0]).toEqual({ status: "failed", error: { code: "notes.failed", message: "disk full" } });
    expect(sent[1].error).toMatchObject({ code: "unsupported_tool_name", message: "Unsupported tool 'shell__rm'.", details: { available: ["math__add", "notes__fail"] } });
    const trace = (result.output_state.sdk_tooling as Trace).tool_calls;
    expect(trace.map((t) => [t.tool_name, t.is_error, t.error_code, t.tool_domain])).toEqual([["notes__fail", true, "notes.failed", "notes"], ["shell__rm", true, "unsupported_tool_name", null]]);
    expect(tools.calls).toHaveLength(1);
  });

  it("stops at the node's tool_loop_max_cycles with tool_loop_max_cycles_exceeded and keeps the trace", async () => {
    const call = openAiReplies.toolCalls([{ name: "math__add", args: { a: 1, b: 1 } }]);
    h.fake.enqueue(call, call, call);
    const result = await h.executor.execute(llmRequest({ task_prompt: "loop", model_config: { tool_loop_max_cycles: 2 } }), signal(), { tools });
    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ code: "tool_loop_max_cycles_exceeded", retryable: false, details: { max_cycles: 2, request_id: "req-1", correlation_id: "corr-1" } });
    expect(h.fake.requests).toHaveLength(2);
    expect((result.output_state.sdk_tooling as Trace).tool_call_count).toBe(2);
    expect(h.fake.pending).toBe(1);
  });

  it("resolves max cycles: default 24, unparseable or < 1 → default, capped at the hard cap (64 at most)", () => {
    expect(resolveMaxCycles(undefined)).toBe(24);
    expect(resolveMaxCycles("5")).toBe(5);
    expect(resolveMaxCycles(0)).toBe(24);
    expect(resolveMaxCycles("many")).toBe(24);
    expect(resolveMaxCycles(1000)).toBe(64);
    expect(resolveMaxCycles(1000, 24, 500)).toBe(64);
    expect(resolveMaxCycles(null, 3, 10)).toBe(3);
    expect(resolveMaxCycles(12, 3, 10)).toBe(10);
  });

  it("advertises only the node's tool_domains", async () => {
    h.fake.enqueue(openAiReplies.text("ok"));
    await h.executor.execute(llmRequest({ task_prompt: "x", tool_domains: ["notes"] }), signal(), { tools });
    expect(h.fake.requests[0]!.body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(["notes__fail"]);
  });

  it("fails with tool_dispatcher_unconfigured when the model calls tools and the run has no tool host", async () => {
    h.fake.enqueue(openAiReplies.toolCalls([{ name: "math__add", args: {} }]));
    const result = await h.executor.execute(llmRequest({ task_prompt: "x" }), signal());
    expect(h.fake.requests[0]!.body.tools).toBeUndefined();
    expect(result.error).toMatchObject({ code: "tool_dispatcher_unconfigured", details: { tool_call_count: 1 } });
  });

  it("ends the loop with tool_dispatch_failed when the tool host cannot be reached", async () => {
    tools.unreachable = new Error("connect ECONNREFUSED 127.0.0.1:1");
    h.fake.enqueue(openAiReplies.toolCalls([{ id: "c9", name: "math__add", args: { a: 1, b: 1 } }]));
    const result = await h.executor.execute(llmRequest({ task_prompt: "x" }), signal(), { tools });
    expect(result.error).toMatchObject({
      code: "tool_dispatch_failed", message: "Tool dispatch failed for math__add: connect ECONNREFUSED 127.0.0.1:1",
      details: { call_id: "c9", tool_name: "math__add", tool_domain: "math", operation: "add" },
    });
  });

  it("fails with tool_dispatch_failed before calling the model when the tool host cannot describe its tools", async () => {
    tools.describe = async () => {
      throw new Error("tool host returned 503");
    };
    const result = await h.executor.execute(llmRequest({ task_prompt: "x" }), signal(), { tools });
    expect(result.error).toMatchObject({ code: "tool_dispatch_failed", message: "Tool discovery failed: tool host returned 503" });
    expect(h.fake.requests).toHaveLength(0);
  });
});
