/** The Anthropic Messages adapter against a local fake of /v1/messages (headers, tool_use / tool_result, errors). */
import { describe, expect, it } from "vitest";
import { FakeToolHost, addTool, anthropicReplies, llmRequest } from "../../test/fixtures/llm-fakes/index.js";
import { frontierHarness } from "./frontier-test-harness.js";
import { ANTHROPIC_VERSION, anthropicMessages } from "./anthropic-adapter.js";

const KEY = "sk-ant-test-secret-5678";

const h = frontierHarness((url) => ({ defaultProvider: "anthropic", providers: { anthropic: { baseUrl: url, apiKey: KEY, model: "claude-test" } } }));

describe("anthropic adapter", () => {
  it("posts /v1/messages with x-api-key, anthropic-version, max_tokens, system and input_schema tools", async () => {
    h.fake.enqueue(anthropicReplies.text("fine"));
    const result = await h.executor.execute(llmRequest({ task_prompt: "Go.", system_prompt: "Sys." }), new AbortController().signal, { tools: new FakeToolHost([addTool]) });
    expect(result.status).toBe("success");
    const req = h.fake.requests[0]!;
    expect(req.path).toBe("/v1/messages");
    expect(req.headers["x-api-key"]).toBe(KEY);
    expect(req.headers["anthropic-version"]).toBe(ANTHROPIC_VERSION);
    expect(req.headers.authorization).toBeUndefined();
    expect(req.body).toMatchObject({ model: "claude-test", max_tokens: 4096, system: "Sys.", messages: [{ role: "user", content: "Go." }] });
    expect(req.body.tools).toEqual([{ name: "math__add", description: "Adds two numbers.", input_schema: addTool.descriptor.input }]);
    expect(result.output_state).toMatchObject({ provider: "anthropic", model: "claude-fake", raw_output: "fine" });
  });

  it("answers tool_use blocks with tool_result blocks in one user turn", async () => {
    h.fake.enqueue(
      anthropicReplies.toolUse([{ id: "toolu_1", name: "math__add", args: { a: 1, b: 1 } }, { id: "toolu_2", name: "nope__x", args: {} }], "Let me add."),
      anthropicReplies.text("2"),
    );
    const result = await h.executor.execute(llmRequest({ task_prompt: "1+1" }), new AbortController().signal, { tools: new FakeToolHost([addTool]) });
    expect(result.status).toBe("success");
    const messages = h.fake.requests[1]!.body.messages;
    expect(messages[1]).toEqual({
      role: "assistant",
      content: [{ type: "text", text: "Let me add." }, { type: "tool_use", id: "toolu_1", name: "math__add", input: { a: 1, b: 1 } }, { type: "tool_use", id: "toolu_2", name: "nope__x", input: {} }],
    });
    expect(messages[2].role).toBe("user");
    expect(messages[2].content.map((b: { type: string; tool_use_id: string; is_error?: boolean }) => [b.type, b.tool_use_id, b.is_error ?? false])).toEqual([
      ["tool_result", "toolu_1", false], ["tool_result", "toolu_2", true],
    ]);
    expect(JSON.parse(messages[2].content[1].content).error.code).toBe("unsupported_tool_name");
  });

  it("asks for JSON through the system prompt (no native JSON mode) in complete()", async () => {
    h.fake.enqueue(anthropicReplies.text("```json\n{\"ok\": true}\n```"));
    const answer = await h.executor.complete({ messages: [{ role: "system", content: "Judge." }, { role: "user", content: "Is it?" }], json: true });
    expect(answer).toMatchObject({ text: "{\"ok\":true}", provider: "anthropic", usage: { inputTokens: 11, outputTokens: 7 } });
    expect(h.fake.requests[0]!.body.system).toBe("Judge.\n\nAnswer with one JSON object only: no prose, no code fence.");
  });

  it("maps Anthropic errors: 429 rate_limit, 529 overloaded provider_error, missing content malformed", async () => {
    h.fake.enqueue(anthropicReplies.error(429, "slow down"), anthropicReplies.error(529, "Overloaded"), { json: { type: "message" } });
    const limited = await h.executor.execute(llmRequest({ task_prompt: "x" }), new AbortController().signal);
    expect(limited.error).toMatchObject({ code: "rate_limit", retryable: true, message: "anthropic answered HTTP 429: slow down" });
    const overloaded = await h.executor.execute(llmRequest({ task_prompt: "x" }), new AbortController().signal);
    expect(overloaded.error).toMatchObject({ code: "provider_error", retryable: true, details: { status: 529 } });
    const malformed = await h.executor.execute(llmRequest({ task_prompt: "x" }), new AbortController().signal);
    expect(malformed.error?.message).toBe("anthropic returned a malformed response: content[] is missing.");
  });

  it("leaves an empty assistant answer out of the conversation (the API refuses empty content)", () => {
    expect(anthropicMessages([{ role: "user", content: "a" }, { role: "assistant", content: "" }, { role: "user", content: "b" }])).toEqual([
      { role: "user", content: "a" }, { role: "user", content: "b" },
    ]);
  });
});
