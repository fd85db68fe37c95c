/** The task node's output contract: output_schema with repair retries, route_key routing, complete() JSON mode, bad configs. */
import { describe, expect, it } from "vitest";
import { llmRequest, openAiReplies } from "../../test/fixtures/llm-fakes/index.js";
import { frontierHarness } from "./frontier-test-harness.js";

const schema = { type: "object", properties: { route_key: { type: "string", enum: ["yes", "no"] }, reason: { type: "string" } }, required: ["route_key"] };
const signal = () => new AbortController().signal;

const h = frontierHarness((url) => ({ providers: { openai: { baseUrl: url, apiKey: "sk-out-test" } } }));

describe("task output", () => {
  it("asks for JSON, repairs an answer that breaks output_schema, and routes by route_key", async () => {
    h.fake.enqueue(openAiReplies.text("{\"route_key\": \"maybe\"}"), openAiReplies.text("```json\n{\"route_key\": \"yes\", \"reason\": \"ok\"}\n```"));
    const result = await h.executor.execute(llmRequest({ task_prompt: "Decide.", output_schema: schema }), signal());
    expect(result.status).toBe("success");
    expect(result.output_state.structured_output).toEqual({ route_key: "yes", reason: "ok" });
    expect(result.routing_state).toEqual({ route_key: "yes" });
    expect(h.fake.requests[0]!.body.response_format).toEqual({ type: "json_object" });
    const repair = h.fake.requests[1]!.body.messages.at(-1);
    expect(repair.role).toBe("user");
    expect(repair.content).toMatch(/^Task output schema repair instructions:/);
    expect(repair.content).toContain("\"validation_error\":\"the answer does not match output_schema: /route_key must be equal to one of the allowed values\"");
    expect(result.usage).toMatchObject({ input_tokens: 22, output_tokens: 14 });
  });

  it("fails with task_schema_validation_failed after task_schema_retry_attempts", async () => {
    h.fake.enqueue(openAiReplies.text("no json"), openAiReplies.text("[1]"), openAiReplies.text("still no"));
    const result = await h.executor.execute(llmRequest({ task_prompt: "Decide.", output_schema: schema, task_schema_retry_attempts: 2 }), signal());
    expect(result.error).toMatchObject({
      code: "task_schema_validation_failed", message: "Task node schema validation failed after 2 attempt(s): the answer is JSON but not a JSON object",
    });
    expect(h.fake.requests).toHaveLength(2);
  });

  it("refuses a missing task_prompt and an invalid output_schema before calling the provider", async () => {
    const noPrompt = await h.executor.execute(llmRequest({ task_prompt: "  " }), signal());
    expect(noPrompt.error).toMatchObject({ code: "config_error", message: "Node n1 (task) requires config.task_prompt." });
    const badSchema = await h.executor.execute(llmRequest({ task_prompt: "x", output_schema: { type: "nonsense" } }), signal());
    expect(badSchema.error?.code).toBe("config_error");
    expect(badSchema.error?.message).toMatch(/^Node n1 has an invalid output_schema: /);
    expect(h.fake.requests).toHaveLength(0);
  });

  it("complete() sends a plain JSON-mode completion without tools", async () => {
    h.fake.enqueue(openAiReplies.text(" {\"patch\": {}} "));
    const answer = await h.executor.complete({ messages: [{ role: "system", content: "S" }, { role: "user", content: "U" }], json: true, model: "gpt-mini", temperature: 0 });
    expect(answer).toEqual({ text: "{\"patch\":{}}", provider: "openai", model: "gpt-fake", usage: { inputTokens: 11, outputTokens: 7 } });
    expect(h.fake.requests[0]!.body).toEqual({ model: "gpt-mini", messages: [{ role: "system", content: "S" }, { role: "user", content: "U" }], response_format: { type: "json_object" }, temperature: 0 });
  });

  it("complete() throws a typed error for a provider failure", async () => {
    h.fake.enqueue(openAiReplies.error(401, "nope"));
    await expect(h.executor.complete({ messages: [{ role: "user", content: "U" }] })).rejects.toMatchObject({ code: "ARK_LLM_AUTH", kind: "auth" });
  });
});
