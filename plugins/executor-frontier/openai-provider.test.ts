/** The `openai` provider over the shared OpenAI-compatible client, against a local fake of /v1/chat/completions. */
import { describe, expect, it } from "vitest";
import { FakeToolHost, addTool, llmRequest, openAiReplies } from "../../test/fixtures/llm-fakes/index.js";
import { frontierHarness } from "./frontier-test-harness.js";
import { FrontierExecutor } from "./frontier-executor.js";

const KEY = "sk-test-openai-secret-1234";

const h = frontierHarness((url) => ({ providers: { openai: { baseUrl: url, apiKey: KEY, model: "gpt-test" } } }));

describe("openai provider: request shape", () => {
  it("posts chat completions with bearer auth, the model, the prompt with input context, and real tool schemas", async () => {
    h.fake.enqueue(openAiReplies.text("done"));
    const tools = new FakeToolHost([addTool]);
    const result = await h.executor.execute(llmRequest({ task_prompt: "Add things.", system_prompt: "Be terse.", max_tokens: 99 }, { upstream: 1 }), new AbortController().signal, { tools });
    expect(result.status).toBe("success");
    const [req] = h.fake.requests;
    expect(req!.method).toBe("POST");
    expect(req!.path).toBe("/v1/chat/completions");
    expect(req!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req!.headers["content-type"]).toBe("application/json");
    expect(req!.body.model).toBe("gpt-test");
    expect(req!.body.max_completion_tokens).toBe(99);
    expect(req!.body.messages[0]).toEqual({ role: "system", content: "Be terse." });
    expect(req!.body.messages[1].role).toBe("user");
    expect(req!.body.messages[1].content).toContain("Add things.\n\nInput context (JSON):\n{\n  \"upstream\": 1\n}");
    expect(req!.body.tools).toEqual([{ type: "function", function: { name: "math__add", description: "Adds two numbers.", parameters: addTool.descriptor.input } }]);
  });

  it("sends the tool results back as role=tool messages after the assistant's tool_calls", async () => {
    h.fake.enqueue(openAiReplies.toolCalls([{ id: "call_a", name: "math__add", args: { a: 2, b: 3 } }]), openAiReplies.text("5"));
    const tools = new FakeToolHost([addTool]);
    const result = await h.executor.execute(llmRequest({ task_prompt: "2+3?" }), new AbortController().signal, { tools });
    expect(result.status).toBe("success");
    const second = h.fake.requests[1]!.body.messages;
    expect(second[1]).toEqual({ role: "assistant", content: null, tool_calls: [{ id: "call_a", type: "function", function: { name: "math__add", arguments: "{\"a\":2,\"b\":3}" } }] });
    expect(second[2].role).toBe("tool");
    expect(second[2].tool_call_id).toBe("call_a");
    expect(JSON.parse(second[2].content)).toEqual({ status: "success", output: { sum: 5 }, warnings: [] });
  });
});

describe("openai provider: responses and errors", () => {
  it("parses text, model and usage", async () => {
    h.fake.enqueue(openAiReplies.text("hello", "gpt-test-2025"));
    const result = await h.executor.execute(llmRequest({ task_prompt: "hi" }), new AbortController().signal);
    expect(result.output_state).toMatchObject({ node_type: "task", provider: "openai", model: "gpt-test-2025", raw_output: "hello", structured_output: { text: "hello" } });
    expect(result.usage).toMatchObject({ input_tokens: 11, output_tokens: 7, total_tokens: 18, cycles: 1 });
  });

  it("maps 401 to auth and never echoes the key", async () => {
    h.fake.enqueue(openAiReplies.error(401, `Incorrect API key provided: ${KEY}`));
    const result = await h.executor.execute(llmRequest({ task_prompt: "hi" }), new AbortController().signal);
    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ code: "auth", retryable: false, details: { provider: "openai", status: 401 } });
    expect(JSON.stringify(result)).not.toContain(KEY);
  });

  it("maps 400 to bad_request with the provider's reason", async () => {
    h.fake.enqueue(openAiReplies.error(400, "Unsupported parameter: 'temperature'"));
    const result = await h.executor.execute(llmRequest({ task_prompt: "hi" }), new AbortController().signal);
    expect(result.error).toMatchObject({ code: "bad_request", message: "openai answered HTTP 400: Unsupported parameter: 'temperature'" });
  });

  it("treats a body that is not chat completions JSON as a malformed provider_error", async () => {
    h.fake.enqueue({ raw: "<html>gateway</html>" }, { json: { choices: [] } });
    const html = await h.executor.execute(llmRequest({ task_prompt: "hi" }), new AbortController().signal);
    expect(html.error).toMatchObject({ code: "provider_error", retryable: false, details: { reason: "malformed_response" } });
    const empty = await h.executor.execute(llmRequest({ task_prompt: "hi" }), new AbortController().signal);
    expect(empty.error?.message).toBe("openai returned a malformed response: choices[0].message is missing.");
  });

  it("fails with auth before any HTTP call when no key is configured", async () => {
    const keyless = new FrontierExecutor();
    keyless.configure({ providers: { openai: { baseUrl: h.fake.url } } }, { env: {} });
    const result = await keyless.execute(llmRequest({ task_prompt: "hi" }), new AbortController().signal);
    expect(result.error).toMatchObject({ code: "auth", message: "OpenAI requires an API key: set OPENAI_API_KEY or CODEX_API_KEY (or providers.openai.apiKey)." });
    expect(h.fake.requests).toHaveLength(0);
  });

  it("reads the key from the environment when the config has none", async () => {
    const fromEnv = new FrontierExecutor();
    fromEnv.configure({ providers: { openai: { baseUrl: h.fake.url } } }, { env: { CODEX_API_KEY: "sk-from-env-9876" } });
    h.fake.enqueue(openAiReplies.text("ok"));
    await fromEnv.execute(llmRequest({ task_prompt: "hi" }), new AbortController().signal);
    expect(h.fake.requests[0]!.headers.authorization).toBe("Bearer sk-from-env-9876");
  });
});
