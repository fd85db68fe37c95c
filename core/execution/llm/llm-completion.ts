/**
 * `ExecutorContribution.complete` on a chat adapter: one plain completion (no tools) for `llm_guided` tool modes,
 * native JSON mode where the provider has one, retried like a tool-loop cycle. Failures throw LlmError.
 */
import type { LlmCompletion, LlmCompletionRequest } from "../../plugin-api/contributions.js";
import type { ChatAdapter, ChatMessage } from "./chat-model.js";
import { withRetries, type RetryPolicy } from "./llm-retry.js";
import { parseJsonObject } from "./task-output.js";

/** Runs one completion; with `json` the text is the JSON object itself (a code fence around it is removed). */
export async function completeWith(adapter: ChatAdapter, request: LlmCompletionRequest, retry: RetryPolicy): Promise<LlmCompletion> {
  const system = request.messages.filter((m) => m.role === "system").map((m) => m.content.trim()).filter((t) => t !== "").join("\n\n");
  const messages: ChatMessage[] = request.messages
    .filter((m) => m.role !== "system")
    .map((m) => (m.role === "user" ? { role: "user", content: m.content } : { role: "assistant", content: m.content }));
  const response = await withRetries(
    () => adapter.chat({
      messages,
      ...(system ? { system } : {}), ...(request.model ? { model: request.model } : {}), ...(request.json ? { json: true } : {}),
      ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}), ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    }, request.signal),
    { policy: retry, provider: adapter.provider, ...(request.signal ? { signal: request.signal } : {}) },
  );
  let text = response.text;
  if (request.json) {
    const parsed = parseJsonObject(text);
    if ("value" in parsed) text = JSON.stringify(parsed.value);
  }
  return { text, provider: adapter.provider, model: response.model, usage: { inputTokens: response.usage.inputTokens, outputTokens: response.usage.outputTokens } };
}
