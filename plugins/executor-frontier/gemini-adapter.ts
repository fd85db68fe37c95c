/**
 * Gemini generateContent (`POST {base}/v1beta/models/{model}:generateContent`, `x-goog-api-key`): tools as
 * `functionDeclarations` (JSON Schema reduced to the OpenAPI subset Gemini accepts), the model's calls as
 * `functionCall` parts, our answers as `functionResponse` parts; JSON mode through `responseMimeType`.
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
  type ChatTool,
  type ChatToolCall,
  type JSONSchema,
} from "../../core/plugin-api/index.js";
import type { ProviderSettings } from "./provider-settings.js";

type Json = Record<string, unknown>;

const SYNTHETIC_ID = "gemini-call-";
const SCHEMA_KEYS = new Set(["type", "format", "description", "nullable", "enum", "items", "properties", "required", "minItems", "maxItems", "minimum", "maximum", "minLength", "maxLength", "pattern", "anyOf", "title", "default"]);

/** A JSON Schema reduced to Gemini's Schema object: unknown keywords dropped, `["x","null"]` → nullable, const → enum. */
export function geminiSchema(schema: JSONSchema): Json {
  if (typeof schema !== "object") return {};
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "const") out.enum = [value];
    else if (key === "type" && Array.isArray(value)) {
      const types = value.filter((t) => t !== "null");
      out.type = types[0] ?? "string";
      if (types.length < value.length) out.nullable = true;
    } else if (key === "properties" && typeof value === "object" && value !== null) {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, JSONSchema>).map(([k, v]) => [k, geminiSchema(v)]));
    } else if (key === "items") out.items = geminiSchema(value as JSONSchema);
    else if (key === "anyOf" && Array.isArray(value)) out.anyOf = value.map((v) => geminiSchema(v as JSONSchema));
    else if (SCHEMA_KEYS.has(key)) out[key] = value;
  }
  return out;
}

function responseObject(content: string): Json {
  try {
    const parsed: unknown = JSON.parse(content);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Json) : { result: parsed };
  } catch {
    return { result: content };
  }
}

function callPart(c: ChatToolCall): Json {
  const id = c.id.startsWith(SYNTHETIC_ID) ? {} : { id: c.id };
  return { functionCall: { ...id, name: c.name, args: c.arguments }, ...(c.signature ? { thoughtSignature: c.signature } : {}) };
}

/** Gemini's contents: assistant turns are `model`, consecutive tool results share one `user` turn. */
export function geminiContents(messages: readonly ChatMessage[]): Json[] {
  const out: Json[] = [];
  for (const m of messages) {
    if (m.role === "tool") {
      const id = m.callId.startsWith(SYNTHETIC_ID) ? {} : { id: m.callId };
      const part = { functionResponse: { ...id, name: m.name, response: responseObject(m.content) } };
      const last = out[out.length - 1];
      const lastParts = last?.parts as Json[] | undefined;
      if (last?.role === "user" && lastParts?.every((p) => "functionResponse" in p)) lastParts.push(part);
      else out.push({ role: "user", parts: [part] });
    } else if (m.role === "assistant") {
      const parts = [...(m.content ? [{ text: m.content }] : []), ...(m.toolCalls ?? []).map(callPart)];
      // Gemini refuses a turn without parts: an empty answer is left out.
      if (parts.length > 0) out.push({ role: "model", parts });
    } else {
      out.push({ role: "user", parts: [{ text: m.content }] });
    }
  }
  return out;
}

/** A tool as a function declaration; Gemini refuses an object schema without properties, so none is sent then. */
function functionDeclaration(tool: ChatTool): Json {
  const parameters = geminiSchema(tool.parameters);
  const empty = parameters.type === "object" && Object.keys((parameters.properties as Json | undefined) ?? {}).length === 0;
  return { name: tool.name, description: tool.description, ...(empty ? {} : { parameters }) };
}

/** The request body of one generateContent call. */
export function geminiRequestBody(request: ChatRequest): Json {
  const generationConfig: Json = {
    ...(request.maxTokens !== undefined ? { maxOutputTokens: request.maxTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.json ? { responseMimeType: "application/json" } : {}),
  };
  return {
    contents: geminiContents(request.messages),
    ...(request.system ? { systemInstruction: { parts: [{ text: request.system }] } } : {}),
    ...(request.tools && request.tools.length > 0
      ? { tools: [{ functionDeclarations: request.tools.map(functionDeclaration) }] }
      : {}),
    ...(Object.keys(generationConfig).length > 0 ? { generationConfig } : {}),
  };
}

/** Parses a generateContent answer: text parts (thoughts excluded) and functionCall parts of the first candidate. */
export function parseGeminiResponse(body: Json, requestedModel: string): ChatResponse {
  const candidates = body.candidates;
  if (!Array.isArray(candidates) || candidates.length === 0) {
    const blocked = (body.promptFeedback as Json | undefined)?.blockReason;
    if (typeof blocked === "string") throw new LlmError("bad_request", `Gemini blocked the prompt: ${blocked}.`, { provider: "gemini", details: { block_reason: blocked } });
    throw malformedResponse("gemini", "candidates[] is missing");
  }
  const candidate = candidates[0] as Json;
  const parts = Array.isArray((candidate?.content as Json | undefined)?.parts) ? ((candidate.content as Json).parts as Json[]) : [];
  const texts: string[] = [];
  const toolCalls: ChatToolCall[] = [];
  for (const part of parts) {
    if (typeof part?.text === "string" && part.thought !== true) texts.push(part.text);
    const call = part?.functionCall as Json | undefined;
    if (call && typeof call.name === "string" && call.name.trim() !== "") {
      const id = typeof call.id === "string" && call.id !== "" ? call.id : `${SYNTHETIC_ID}${toolCalls.length + 1}`;
      toolCalls.push({ id, name: call.name.trim(), arguments: normaliseToolArguments(call.args), ...(typeof part.thoughtSignature === "string" ? { signature: part.thoughtSignature } : {}) });
    }
  }
  const usage = (body.usageMetadata ?? {}) as Json;
  return {
    text: texts.join(""), toolCalls,
    usage: { inputTokens: tokenCount(usage.promptTokenCount), outputTokens: tokenCount(usage.candidatesTokenCount) + tokenCount(usage.thoughtsTokenCount) },
    model: typeof body.modelVersion === "string" ? body.modelVersion : requestedModel,
    finishReason: typeof candidate?.finishReason === "string" ? candidate.finishReason : null,
  };
}

/** The Gemini (Developer API) ChatAdapter. */
export class GeminiAdapter implements ChatAdapter {
  readonly provider = "gemini";
  readonly defaultModel: string;

  constructor(private readonly settings: ProviderSettings) {
    this.defaultModel = settings.model;
  }

  async chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    const key = this.settings.apiKey;
    if (!key) throw new LlmError("auth", `Gemini requires an API key: set ${this.settings.apiKeyEnv.join(" or ")} (or providers.gemini.apiKey).`, { provider: this.provider });
    const model = (request.model ?? this.settings.model).replace(/^models\//, "");
    const body = await requestJson({
      provider: this.provider, url: `${this.settings.baseUrl}/v1beta/models/${encodeURIComponent(model)}:generateContent`,
      headers: { "x-goog-api-key": key, ...this.settings.headers }, body: geminiRequestBody(request),
      timeoutMs: this.settings.timeoutMs, secrets: [key], ...(signal ? { signal } : {}),
    });
    return parseGeminiResponse(body, model);
  }
}
