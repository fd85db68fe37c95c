/** The Gemini generateContent adapter against a local fake (functionDeclarations, functionCall/Response, JSON mode). */
import { describe, expect, it } from "vitest";
import { FakeToolHost, addTool, failingTool, geminiReplies, llmRequest } from "../../test/fixtures/llm-fakes/index.js";
import { frontierHarness } from "./frontier-test-harness.js";
import { geminiContents, geminiSchema } from "./gemini-adapter.js";

const KEY = "AIza-test-gemini-secret";

const h = frontierHarness((url) => ({ providers: { gemini: { baseUrl: url, apiKey: KEY, model: "gemini-test" } } }));

describe("gemini adapter", () => {
  it("posts generateContent with x-goog-api-key, systemInstruction and functionDeclarations (no parameters for an empty object)", async () => {
    h.fake.enqueue(geminiReplies.text("ok"));
    const result = await h.executor.execute(llmRequest({ provider: "gemini", task_prompt: "Go.", system_prompt: "Sys.", temperature: 0.5 }), new AbortController().signal, {
      tools: new FakeToolHost([addTool, failingTool]),
    });
    expect(result.status).toBe("success");
    const req = h.fake.requests[0]!;
    expect(req.path).toBe("/v1beta/models/gemini-test:generateContent");
    expect(req.headers["x-goog-api-key"]).toBe(KEY);
    expect(req.body.contents).toEqual([{ role: "user", parts: [{ text: "Go." }] }]);
    expect(req.body.systemInstruction).toEqual({ parts: [{ text: "Sys." }] });
    expect(req.body.generationConfig).toEqual({ temperature: 0.5 });
    expect(req.body.tools).toEqual([{
      functionDeclarations: [
        { name: "math__add", description: "Adds two numbers.", parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] } },
        { name: "notes__fail", description: "Always fails." },
      ],
    }]);
  });

  it("answers functionCall parts with functionResponse parts (ids echoed only when Gemini sent them)", async () => {
    h.fake.enqueue(geminiReplies.functionCalls([{ name: "math__add", args: { a: 4, b: 5 } }, { id: "fc-2", name: "math__add", args: { a: 1, b: 0 } }]), geminiReplies.text("9 and 1"));
    const tools = new FakeToolHost([addTool]);
    const result = await h.executor.execute(llmRequest({ provider: "google", task_prompt: "sums" }), new AbortController().signal, { tools });
    expect(result.status).toBe("success");
    const contents = h.fake.requests[1]!.body.contents;
    expect(contents[1]).toEqual({ role: "model", parts: [{ functionCall: { name: "math__add", args: { a: 4, b: 5 } } }, { functionCall: { id: "fc-2", name: "math__add", args: { a: 1, b: 0 } } }] });
    expect(contents[2]).toEqual({
      role: "user",
      parts: [
        { functionResponse: { name: "math__add", response: { status: "success", output: { sum: 9 }, warnings: [] } } },
        { functionResponse: { id: "fc-2", name: "math__add", response: { status: "success", output: { sum: 1 }, warnings: [] } } },
      ],
    });
    expect((result.output_state.sdk_tooling as { tool_calls: { call_id: string }[] }).tool_calls.map((c) => c.call_id)).toEqual(["gemini-call-1", "fc-2"]);
  });

  it("uses responseMimeType application/json for JSON completions", async () => {
    h.fake.enqueue(geminiReplies.text("{\"route\":\"a\"}"));
    const answer = await h.executor.complete({ provider: "gemini", messages: [{ role: "user", content: "route?" }], json: true, maxTokens: 50 });
    expect(answer.text).toBe("{\"route\":\"a\"}");
    expect(h.fake.requests[0]!.body.generationConfig).toEqual({ maxOutputTokens: 50, responseMimeType: "application/json" });
  });

  it("reduces JSON Schema to Gemini's subset", () => {
    expect(geminiSchema({ $schema: "x", type: "object", additionalProperties: false, properties: { p: { type: ["string", "null"], const: "a" }, l: { type: "array", items: { type: "integer", examples: [1] } } } })).toEqual({
      type: "object", properties: { p: { type: "string", nullable: true, enum: ["a"] }, l: { type: "array", items: { type: "integer" } } },
    });
  });

  it("reports a blocked prompt as bad_request, a body without candidates as malformed, 403 as auth", async () => {
    h.fake.enqueue({ json: { promptFeedback: { blockReason: "SAFETY" } } }, { json: { usageMetadata: {} } }, geminiReplies.error(403, "API key not valid"));
    const run = () => h.executor.execute(llmRequest({ provider: "gemini", task_prompt: "x" }), new AbortController().signal);
    expect((await run()).error).toMatchObject({ code: "bad_request", message: "Gemini blocked the prompt: SAFETY." });
    expect((await run()).error).toMatchObject({ code: "provider_error", details: { reason: "malformed_response" } });
    expect((await run()).error).toMatchObject({ code: "auth", details: { status: 403 } });
  });

  it("rejects an unknown provider name as config_error", async () => {
    const result = await h.executor.execute(llmRequest({ provider: "mistral", task_prompt: "x" }), new AbortController().signal);
    expect(result.error).toMatchObject({ code: "config_error", message: "Unknown frontier provider 'mistral'." });
  });

  it("leaves an empty model answer out of the contents (Gemini refuses a turn without parts)", () => {
    expect(geminiContents([{ role: "user", content: "a" }, { role: "assistant", content: "" }])).toEqual([{ role: "user", parts: [{ text: "a" }] }]);
  });
});
