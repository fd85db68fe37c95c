/** The vLLM executor against a local fake of vLLM's OpenAI-compatible server (§9.9 vllm_remote, with the tool loop). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeToolHost, addTool, llmRequest, openAiReplies, startFakeLlmServer, type FakeLlmServer } from "../../test/fixtures/llm-fakes/index.js";
import { vllmHealthCheck } from "./health-check.js";
import { VllmExecutor } from "./vllm-executor.js";

let fake: FakeLlmServer;
const signal = () => new AbortController().signal;

function executor(config: Record<string, unknown> = {}, env: Record<string, string> = {}): VllmExecutor {
  const e = new VllmExecutor();
  e.configure({ baseUrl: `${fake.url}/v1/`, model: "qwen-test", retry: { maxAttempts: 2, baseDelayMs: 1 }, ...config }, { env });
  return e;
}

beforeAll(async () => {
  fake = await startFakeLlmServer();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

describe("vllm executor", () => {
  it("posts /v1/chat/completions with the reference defaults (temperature 0.2, max_tokens 4096) and no auth without a key", async () => {
    fake.enqueue(openAiReplies.text("hi", "qwen-test"));
    const result = await executor().execute(llmRequest({ provider: "vllm_remote", task_prompt: "Hello" }), signal());
    expect(result.status).toBe("success");
    const req = fake.requests[0]!;
    expect(req.path).toBe("/v1/chat/completions");
    expect(req.headers.authorization).toBeUndefined();
    expect(req.body).toEqual({ model: "qwen-test", messages: [{ role: "user", content: "Hello" }], max_tokens: 4096, temperature: 0.2 });
    expect(result.output_state).toMatchObject({ provider: "vllm", model: "qwen-test", raw_output: "hi" });
    expect(result.usage).toMatchObject({ provider: "vllm", input_tokens: 11, output_tokens: 7 });
  });

  it("runs the tool loop with the node's model and a bearer key from the environment", async () => {
    fake.enqueue(openAiReplies.toolCalls([{ id: "t1", name: "math__add", args: { a: 20, b: 22 } }]), openAiReplies.text("42"));
    const tools = new FakeToolHost([addTool]);
    const result = await executor({}, { VLLM_API_KEY: "vllm-token-abc" }).execute(llmRequest({ provider: "vllm", task_prompt: "add", model: "llama-x" }), signal(), { tools });
    expect(result.status).toBe("success");
    expect(fake.requests.map((r) => [r.body.model, r.headers.authorization])).toEqual([["llama-x", "Bearer vllm-token-abc"], ["llama-x", "Bearer vllm-token-abc"]]);
    expect(fake.requests[0]!.body.tools[0].function.name).toBe("math__add");
    expect(tools.calls[0]!.idempotencyKey).toBe("node_run:nr-7:sdk_tool:cycle:1:call:1");
    expect(result.output_state.sdk_tooling).toMatchObject({ tool_call_count: 1, provider: "vllm" });
  });

  it("retries a 500 once and then succeeds", async () => {
    fake.enqueue(openAiReplies.error(500, "upstream 500"), openAiReplies.text("ok"));
    const result = await executor().execute(llmRequest({ task_prompt: "x" }), signal());
    expect(result.status).toBe("success");
    expect(fake.requests).toHaveLength(2);
  });

  it("answers complete() in JSON mode", async () => {
    fake.enqueue(openAiReplies.text("{\"a\":1}"));
    const answer = await executor().complete({ messages: [{ role: "user", content: "json please" }], json: true });
    expect(answer).toMatchObject({ text: "{\"a\":1}", provider: "vllm" });
    expect(fake.requests[0]!.body).toMatchObject({ response_format: { type: "json_object" }, max_tokens: 4096, temperature: 0.2 });
  });

  it("reads the endpoint from VLLM_BASE_URL / VLLM_MODEL when the config has none", async () => {
    fake.enqueue(openAiReplies.text("ok"));
    const e = new VllmExecutor();
    e.configure({}, { env: { VLLM_BASE_URL: fake.url, VLLM_MODEL: "env-model" } });
    await e.execute(llmRequest({ task_prompt: "x" }), signal());
    expect(fake.requests[0]!.body.model).toBe("env-model");
  });

  it("fails with config_error when the base URL or the model is missing", async () => {
    const noUrl = new VllmExecutor();
    noUrl.configure({ model: "m" }, { env: {} });
    expect((await noUrl.execute(llmRequest({ task_prompt: "x" }), signal())).error).toMatchObject({
      code: "config_error", message: "vLLM base URL is not configured: set baseUrl in the executor-vllm config or VLLM_BASE_URL.",
    });
    const noModel = new VllmExecutor();
    noModel.configure({ baseUrl: fake.url }, { env: {} });
    expect((await noModel.execute(llmRequest({ task_prompt: "x" }), signal())).error?.message).toBe("vLLM model is not configured: set model in the executor-vllm config or VLLM_MODEL.");
    await expect(noModel.complete({ messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ code: "ARK_LLM_NOT_CONFIGURED" });
  });
});

describe("vllm health check", () => {
  it("is ok when /v1/models lists the model, fails when it does not or the server is down, warns when unconfigured", async () => {
    fake.route("GET /v1/models", { json: { object: "list", data: [{ id: "qwen-test", object: "model" }] } });
    expect(await vllmHealthCheck(executor()).run(signal())).toEqual({ status: "ok", detail: "serves qwen-test (1 model(s))" });
    expect(await vllmHealthCheck(executor({ model: "other" })).run(signal())).toMatchObject({ status: "fail", detail: "the server does not serve 'other' (it serves: qwen-test)" });
    const down = new VllmExecutor();
    down.configure({ baseUrl: "http://127.0.0.1:9", model: "m" }, { env: {} });
    expect(await vllmHealthCheck(down).run(signal())).toMatchObject({ status: "fail", hint: "Check that the vLLM server runs and executor-vllm baseUrl points at it." });
    const unconfigured = new VllmExecutor();
    unconfigured.configure({}, { env: {} });
    expect(await vllmHealthCheck(unconfigured).run(signal())).toMatchObject({ status: "warn" });
  });
});
