/**
 * The provider-neutral conversation every chat adapter speaks: messages with native tool calls and tool results,
 * tools as JSON Schemas, and one answer per call. Adapters translate it to and from their wire format.
 */
import type { JSONSchema } from "../../contracts/json-schema.js";

/** A tool call the model asked for, arguments already normalised to an object. */
export interface ChatToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: Record<string, unknown>;
  /** An opaque token the provider wants back with this call (Gemini's `thoughtSignature`). */
  readonly signature?: string;
}

/** One message of a conversation. */
export type ChatMessage =
  | { readonly role: "user"; readonly content: string }
  | { readonly role: "assistant"; readonly content: string; readonly toolCalls?: readonly ChatToolCall[] }
  | { readonly role: "tool"; readonly callId: string; readonly name: string; readonly content: string; readonly isError: boolean };

/** A tool advertised to the model. */
export interface ChatTool {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments object. */
  readonly parameters: JSONSchema;
}

/** Token counts of one call (or summed over a loop). */
export interface ChatUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** One chat call. */
export interface ChatRequest {
  readonly system?: string;
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ChatTool[];
  /** Ask for a strict JSON object answer (native JSON mode where the provider has one). */
  readonly json?: boolean;
  readonly maxTokens?: number;
  readonly temperature?: number;
  /** Overrides the adapter's default model. */
  readonly model?: string;
}

/** The model's answer to one call. */
export interface ChatResponse {
  readonly text: string;
  readonly toolCalls: readonly ChatToolCall[];
  readonly usage: ChatUsage;
  readonly model: string;
  readonly finishReason: string | null;
}

/** A provider's chat API (OpenAI-compatible, Anthropic, Gemini, vLLM). */
export interface ChatAdapter {
  /** Provider key as results and traces name it (`openai`, `anthropic`, `gemini`, `vllm`). */
  readonly provider: string;
  /** The model used when a request names none. */
  readonly defaultModel: string;
  chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse>;
}

/**
 * Tool-call arguments as a model sent them, made an object (execution-plane §9.5): object → copy; "" / null → {};
 * a JSON object string → it; other JSON → {value}; invalid JSON → {value: text}; anything else → {value}.
 */
export function normaliseToolArguments(raw: unknown): Record<string, unknown> {
  if (raw === null || raw === undefined) return {};
  if (typeof raw === "object" && !Array.isArray(raw)) return { ...(raw as Record<string, unknown>) };
  if (typeof raw !== "string") return { value: raw };
  const text = raw.trim();
  if (text === "") return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
  } catch {
    return { value: text };
  }
}

/** Adds two usages. */
export function addUsage(a: ChatUsage, b: ChatUsage): ChatUsage {
  return { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
}

/** A non-negative integer token count, or 0. */
export function tokenCount(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}
