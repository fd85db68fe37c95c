/**
 * Anthropic Messages API (`POST {base}/v1/messages`): `x-api-key` + `anthropic-version` headers, tools as
 * `{name, description, input_schema}`, the model's calls as `tool_use` blocks and our answers as `tool_result`
 * blocks in the next user turn. Anthropic has no JSON mode: a JSON request adds a system instruction instead.
 */
import {
  LlmError,
  malformedResponse,
  normaliseToolArguments,
  requestJson,
  tokenCount,
  type ChatAdapter,
  type ChatMessage,
  type ChatRequest,
  type ChatResponse,
  type ChatToolCall,
} from "../../core/plugin-api/index.js";
import type { ProviderSettings } from "./provider-settings.js";

type Json = Record<string, unknown>;

/** The API version header value this adapter speaks. */
export const ANTHROPIC_VERSION = "2023-06-01";
const JSON_INSTRUCTION = "Answer with one JSON object only: no prose, no code fence.";

/** Anthropic's messages: consecutive tool results are merged into one user turn, as the API requires. */
export function anthropicMessages(messages: readonly ChatMessage[]): Json[] {
  const out: Json[] = [];
  for (const m of messages) {
    if (m.role === "tool") {
      const block = { type: "tool_result", tool_use_id: m.callId, content: m.content, ...(m.isError ? { is_error: true } : {}) };
      const last = out[out.length - 1];
      if (last?.role === "user" && Array.isArray(last.content)) (last.content as Json[]).push(block);
      else out.push({ role: "user", content: [block] });
    } else if (m.role === "assistant") {
      const blocks: Json[] = m.content ? [{ type: "text", text: m.content }] : [];
      for (const c of m.toolCalls ?? []) blocks.push({ type: "tool_use", id: c.id, name: c.name, input: c.arguments });
      // An empty answer cannot be sent back (content must be non-empty); the API merges the user turns around it.
      if (blocks.length > 0) out.push({ role: "assistant", content: blocks });
    } else {
      out.push({ role: "user", content: m.content });
    }
  }
  return out;
}

/** The request body of one Messages call. */
export function anthropicRequestBody(request: ChatRequest, model: string, defaultMaxTokens: number): Json {
  const system = [request.system, request.json ? JSON_INSTRUCTION : undefined].filter((s): s is string => !!s).join("\n\n");
  return {
    model,
    max_tokens: request.maxTokens ?? defaultMaxTokens,
    messages: anthropicMessages(request.messages),
    ...(system ? { system } : {}),
    ...(request.tools && request.tools.length > 0 ? { tools: request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })) } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
  };
}

/** Parses a Messages answer: text blocks joined, `tool_use` blocks as calls. */
export function parseAnthropicResponse(body: Json, requestedModel: string): ChatResponse {
  if (!Array.isArray(body.content)) throw malformedResponse("anthropic", "content[] is missing");
  const texts: string[] = [];
  const toolCalls: ChatToolCall[] = [];
  for (const block of body.content as Json[]) {
    if (block?.type === "text" && typeof block.text === "string") texts.push(block.text);
    if (block?.type === "tool_use" && typeof block.name === "string" && block.name.trim() !== "") {
      toolCalls.push({ id: typeof block.id === "string" ? block.id : `claude-call-${toolCalls.length + 1}`, name: block.name.trim(), arguments: normaliseToolArguments(block.input) });
    }
  }
  const usage = (body.usage ?? {}) as Json;
  return {
    text: texts.join("\n"), toolCalls,
    usage: { inputTokens: tokenCount(usage.input_tokens), outputTokens: tokenCount(usage.output_tokens) },
    model: typeof body.model === "string" ? body.model : requestedModel,
    finishReason: typeof body.stop_reason === "string" ? body.stop_reason : null,
  };
}

/** The Anthropic ChatAdapter. */
export class AnthropicAdapter implements ChatAdapter {
  readonly provider = "anthropic";
  readonly defaultModel: string;

  constructor(private readonly settings: ProviderSettings) {
    this.defaultModel = settings.model;
  }

  async chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    const key = this.settings.apiKey;
    if (!key) throw new LlmError("auth", `Anthropic requires an API key: set ${this.settings.apiKeyEnv.join(" or ")} (or providers.anthropic.apiKey).`, { provider: this.provider });
    const model = request.model ?? this.settings.model;
    const body = await requestJson({
      provider: this.provider, url: `${this.settings.baseUrl}/v1/messages`,
      headers: { "x-api-key": key, "anthropic-version": this.settings.apiVersion ?? ANTHROPIC_VERSION, ...this.settings.headers },
      body: anthropicRequestBody(request, model, this.settings.maxTokens), timeoutMs: this.settings.timeoutMs, secrets: [key], ...(signal ? { signal } : {}),
    });
    return parseAnthropicResponse(body, model);
  }
}
