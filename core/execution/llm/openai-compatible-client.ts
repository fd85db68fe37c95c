/**
 * The OpenAI-compatible chat completions client (`POST {base}/v1/chat/completions` with `tools` / `tool_calls`),
 * shared by the frontier executor's `openai` provider and the vLLM executor. `GET {base}/v1/models` is the health
 * probe vLLM servers answer.
 */
import type { ChatAdapter, ChatMessage, ChatRequest, ChatResponse, ChatTool, ChatToolCall } from "./chat-model.js";
import { normaliseToolArguments, tokenCount } from "./chat-model.js";
import { LlmError } from "./llm-errors.js";
import { malformedResponse, requestJson } from "./llm-http.js";

/** How to reach one OpenAI-compatible endpoint. */
export interface OpenAiCompatibleOptions {
  /** Provider key in results and traces (`openai`, `vllm`). */
  readonly provider: string;
  /** Server root, with or without a trailing `/v1` (`https://api.openai.com`, `http://vllm:8000/v1`). */
  readonly baseUrl: string;
  readonly model: string;
  /** Sent as `Authorization: Bearer <key>` when set. */
  readonly apiKey?: string;
  readonly timeoutMs: number;
  /** OpenAI's newer models take `max_completion_tokens`; vLLM and older servers `max_tokens`. */
  readonly maxTokensField?: "max_tokens" | "max_completion_tokens";
  /** Extra headers (organisation, project, gateway keys). */
  readonly headers?: Readonly<Record<string, string>>;
}

type Json = Record<string, unknown>;

/** The `/v1` root of a base URL (appended when missing, as the reference's vLLM client does). */
export function openAiApiRoot(baseUrl: string): string {
  const trimmed = baseUrl.trim().replace(/\/+$/, "");
  return /\/v1$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
}

/** A tool as `tools[]` of a chat completions request. */
export function openAiTool(tool: ChatTool): Json {
  return { type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters } };
}

function wireMessage(message: ChatMessage): Json {
  if (message.role === "user") return { role: "user", content: message.content };
  if (message.role === "tool") return { role: "tool", tool_call_id: message.callId, content: message.content };
  const calls = message.toolCalls ?? [];
  return {
    role: "assistant",
    content: message.content === "" && calls.length > 0 ? null : message.content,
    ...(calls.length > 0 ? { tool_calls: calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) } : {}),
  };
}

/** The request body of one chat completions call. */
export function openAiRequestBody(request: ChatRequest, options: OpenAiCompatibleOptions): Json {
  const messages = [...(request.system ? [{ role: "system", content: request.system }] : []), ...request.messages.map(wireMessage)];
  const body: Json = { model: request.model ?? options.model, messages };
  if (request.tools && request.tools.length > 0) body.tools = request.tools.map(openAiTool);
  if (request.json) body.response_format = { type: "json_object" };
  if (request.maxTokens !== undefined) body[options.maxTokensField ?? "max_tokens"] = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  return body;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (typeof part === "string" ? part : typeof part?.text === "string" ? part.text : "")).join("");
  return "";
}

/** Parses a chat completions answer (text, tool calls, usage); MALFORMED when `choices[0].message` is missing. */
export function parseOpenAiResponse(provider: string, body: Json, requestedModel: string): ChatResponse {
  const choice = Array.isArray(body.choices) ? (body.choices[0] as Json | undefined) : undefined;
  const message = choice?.message as Json | undefined;
  if (!message || typeof message !== "object") throw malformedResponse(provider, "choices[0].message is missing");
  const rawCalls = Array.isArray(message.tool_calls) ? (message.tool_calls as Json[]) : [];
  const toolCalls: ChatToolCall[] = [];
  rawCalls.forEach((call) => {
    const fn = (call?.function ?? {}) as Json;
    const name = typeof fn.name === "string" ? fn.name.trim() : "";
    if (name === "") return;
    toolCalls.push({ id: typeof call.id === "string" && call.id !== "" ? call.id : `${provider}-call-${toolCalls.length + 1}`, name, arguments: normaliseToolArguments(fn.arguments) });
  });
  const usage = (body.usage ?? {}) as Json;
  return {
    text: textOf(message.content),
    toolCalls,
    usage: { inputTokens: tokenCount(usage.prompt_tokens), outputTokens: tokenCount(usage.completion_tokens) },
    model: typeof body.model === "string" ? body.model : requestedModel,
    finishReason: typeof choice?.finish_reason === "string" ? choice.finish_reason : null,
  };
}

/** A ChatAdapter over any OpenAI-compatible chat completions endpoint (OpenAI, vLLM, gateways). */
export class OpenAiCompatibleClient implements ChatAdapter {
  readonly provider: string;
  readonly defaultModel: string;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    if (!options.baseUrl?.trim()) throw new LlmError("config_error", `${options.provider} base URL is not configured.`, { provider: options.provider });
    this.provider = options.provider;
    this.defaultModel = options.model;
  }

  private headers(): Record<string, string> {
    return { ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}), ...this.options.headers };
  }

  /** One chat completions call. */
  async chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    const model = request.model ?? this.options.model;
    if (!model) throw new LlmError("config_error", `${this.provider} model is not configured.`, { provider: this.provider });
    const body = await requestJson({
      provider: this.provider, url: `${openAiApiRoot(this.options.baseUrl)}/chat/completions`, headers: this.headers(),
      body: openAiRequestBody({ ...request, model }, this.options), timeoutMs: this.options.timeoutMs, secrets: [this.options.apiKey],
      ...(signal ? { signal } : {}),
    });
    return parseOpenAiResponse(this.provider, body, model);
  }

  /** The model ids the server serves (`GET /v1/models`); the vLLM health probe. */
  async listModels(signal?: AbortSignal): Promise<string[]> {
    const body = await requestJson({
      provider: this.provider, url: `${openAiApiRoot(this.options.baseUrl)}/models`, method: "GET", headers: this.headers(),
      timeoutMs: this.options.timeoutMs, secrets: [this.options.apiKey], ...(signal ? { signal } : {}),
    });
    if (!Array.isArray(body.data)) throw malformedResponse(this.provider, "data[] is missing from /v1/models");
    return (body.data as Json[]).map((m) => String(m?.id ?? "")).filter((id) => id !== "");
  }
}
