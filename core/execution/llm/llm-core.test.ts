/** The provider-independent pieces of the LLM loop: argument normalisation, tool naming, error kinds, redaction. */
import { describe, expect, it } from "vitest";
import { normaliseToolArguments } from "./chat-model.js";
import { kindOfStatus, LlmError, redactSecrets } from "./llm-errors.js";
import { openAiApiRoot } from "./openai-compatible-client.js";
import { ToolCatalog, toolNameFor } from "./tool-catalog.js";
import { sdkToolingEvidence } from "./tool-trace.js";

describe("tool-call arguments (§9.5)", () => {
  it("normalises every shape a model sends to an object", () => {
    expect(normaliseToolArguments({ a: 1 })).toEqual({ a: 1 });
    expect(normaliseToolArguments(" {\"a\": 1} ")).toEqual({ a: 1 });
    expect(normaliseToolArguments("")).toEqual({});
    expect(normaliseToolArguments(null)).toEqual({});
    expect(normaliseToolArguments("[1,2]")).toEqual({ value: [1, 2] });
    expect(normaliseToolArguments("not json")).toEqual({ value: "not json" });
    expect(normaliseToolArguments(7)).toEqual({ value: 7 });
  });
});

describe("tool catalog", () => {
  it("names tools <domain>__<operation> within every provider's name rules and maps them back", () => {
    expect(toolNameFor("workspace", "read")).toBe("workspace__read");
    expect(toolNameFor("9p.x", "op name")).toBe("_9p_x__op_name");
    expect(toolNameFor("d", "o".repeat(100))).toHaveLength(64);
    const catalog = new ToolCatalog([
      { domain: "git", operation: "commit", input: { type: "object" } },
      { domain: "rag", operation: "query", description: "Search.", input: { type: "string" } },
    ]);
    expect(catalog.tools().map((t) => [t.name, t.description])).toEqual([["git__commit", "git commit"], ["rag__query", "Search."]]);
    const wrapped = catalog.resolve("rag__query")!;
    expect(wrapped.tool.parameters).toEqual({ type: "object", properties: { value: { type: "string" } }, required: ["value"] });
    expect(ToolCatalog.inputFor(wrapped, { value: "q" })).toBe("q");
    expect(catalog.resolve("git__push")).toBeUndefined();
    expect(new ToolCatalog([{ domain: "git", operation: "commit", input: {} }], ["rag"]).size).toBe(0);
  });
});

describe("errors", () => {
  it("maps HTTP statuses to kinds, with retryability by kind", () => {
    expect([401, 403, 429, 408, 504, 500, 529, 400, 404].map(kindOfStatus)).toEqual([
      "auth", "auth", "rate_limit", "timeout", "timeout", "provider_error", "provider_error", "bad_request", "bad_request",
    ]);
    expect(new LlmError("provider_error", "x", { provider: "p", status: 503 }).retryable).toBe(true);
    expect(new LlmError("bad_request", "x", { provider: "p", status: 400 }).retryable).toBe(false);
    expect(new LlmError("rate_limit", "x", { provider: "p" }).envelope()).toEqual({ code: "rate_limit", message: "x", details: { provider: "p" }, retryable: true });
  });

  it("redacts secrets from quoted text", () => {
    expect(redactSecrets("key sk-abcdef used twice: sk-abcdef", ["sk-abcdef", undefined, "ab"])).toBe("key [REDACTED] used twice: [REDACTED]");
  });
});

describe("misc", () => {
  it("appends /v1 to an OpenAI-compatible base URL only when missing", () => {
    expect(openAiApiRoot("http://h:8000")).toBe("http://h:8000/v1");
    expect(openAiApiRoot("http://h:8000/v1/")).toBe("http://h:8000/v1");
  });

  it("leaves sdk_tooling out when no tool was called", () => {
    expect(sdkToolingEvidence([], "openai")).toBeNull();
  });
});
