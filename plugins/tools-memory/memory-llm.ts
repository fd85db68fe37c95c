/**
 * The `llm_guided` memory actions (reference §3.5): the executor's model (ctx.llm) turns the instructions and context
 * into a strict JSON decision — what to store, or what to look for — and the deterministic action carries it out.
 * Deviation (quirk §9.12): an add that skips the model (no instructions, only context) appends by default, like the
 * deterministic mode, instead of replacing.
 */
import { llmExcerpt, parseLlmJsonObject, toolError, type LlmMessage, type Queryable, type ToolCallContext } from "../../core/plugin-api/index.js";
import { addMemory, retrieveMemories, type ActionOutcome } from "./memory-actions.js";

/** What an llm_guided action gets from the operation's input. */
export interface LlmActionInput {
  readonly instructions: string;
  readonly contextText: string;
  readonly text?: string;
  readonly memoryId?: number;
  readonly storeMode?: "append" | "replace";
  readonly limit: number;
  readonly allowEmpty: boolean;
  readonly provider?: string;
  readonly model?: string;
}

const ADD_TEMPLATE = "Decide what to store as a memory. Answer with exactly one JSON object: " +
  '{"text": "<the memory text>", "store_mode": "append" | "replace", "confidence": <0..1>}.';
const RETRIEVE_TEMPLATE = "Decide which memories to retrieve. Answer with exactly one JSON object: " +
  '{"query_text": "<words to search for, or empty for the most recent>", "memory_id": <a known id, or null>, "limit": <1..50>, "confidence": <0..1>}.';

/** The fixed prompt template of an action (`action_prompt_template`). */
export function actionTemplate(action: "add" | "retrieve"): string {
  return action === "add" ? ADD_TEMPLATE : RETRIEVE_TEMPLATE;
}

function messages(template: string, input: LlmActionInput): LlmMessage[] {
  const parts = [input.instructions && `Instructions:\n${input.instructions}`, input.text && `Text:\n${input.text}`, input.contextText && `Context:\n${input.contextText}`];
  return [{ role: "system", content: template }, { role: "user", content: parts.filter(Boolean).join("\n\n") || "(no instructions)" }];
}

async function complete(ctx: ToolCallContext, template: string, input: LlmActionInput): Promise<{ payload: Record<string, unknown>; meta: Record<string, unknown> }> {
  if (!ctx.llm) throw toolError("memory.llm_unavailable", "llm_guided mode needs an enabled executor with a model (complete()); none is enabled.", {}, { retryable: false });
  let answer;
  try {
    answer = await ctx.llm({ messages: messages(template, input), json: true, signal: ctx.signal, ...(input.provider ? { provider: input.provider } : {}), ...(input.model ? { model: input.model } : {}) });
  } catch (err) {
    throw toolError("memory.llm_failed", `The model call failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const payload = parseLlmJsonObject(answer.text, "memory");
  return { payload, meta: { provider: answer.provider, model: answer.model, raw_output: llmExcerpt(answer.text) } };
}

function confidenceOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : undefined;
}

/** llm_guided add: the model writes the memory text (skipped when there are no instructions but context exists). */
export async function llmAdd(db: Queryable, ctx: ToolCallContext, input: LlmActionInput): Promise<ActionOutcome> {
  if (input.instructions === "" && !input.text && input.contextText !== "") {
    const storeMode = input.storeMode ?? "append";
    const out = await addMemory(db, { text: input.contextText, storeMode, ...(input.memoryId ? { memoryId: input.memoryId } : {}) });
    const skipped = { provider: null, model: null, inference_payload: { text: input.contextText, store_mode: storeMode }, raw_output: "(skipped llm inference; used connector context)" };
    return { ...out, extra: { llm_guided_add: skipped } };
  }
  const { payload, meta } = await complete(ctx, ADD_TEMPLATE, input);
  const text = typeof payload.text === "string" ? payload.text.trim() : "";
  if (text === "") throw toolError("memory.llm_invalid_output", "The model's answer has no non-empty `text`.", { raw_output: meta.raw_output });
  const storeMode = input.storeMode ?? (payload.store_mode === "replace" ? "replace" : "append");
  const confidence = confidenceOf(payload.confidence);
  const out = await addMemory(db, { text, storeMode, ...(input.memoryId ? { memoryId: input.memoryId } : {}) });
  const inference = { text, store_mode: storeMode, ...(confidence !== undefined ? { confidence } : {}) };
  return { ...out, extra: { llm_guided_add: { ...meta, inference_payload: inference } } };
}

/** llm_guided retrieve: the model picks a memory id or a query (and a limit); the deterministic retrieve runs it. */
export async function llmRetrieve(db: Queryable, ctx: ToolCallContext, input: LlmActionInput): Promise<ActionOutcome> {
  const { payload, meta } = await complete(ctx, RETRIEVE_TEMPLATE, input);
  const limitRaw = typeof payload.limit === "number" && Number.isInteger(payload.limit) ? payload.limit : input.limit;
  const limit = Math.min(50, Math.max(1, limitRaw));
  const inferredId = typeof payload.memory_id === "number" && Number.isSafeInteger(payload.memory_id) && payload.memory_id >= 1 ? payload.memory_id : undefined;
  const queryText = typeof payload.query_text === "string" ? payload.query_text : "";
  const memoryId = input.memoryId ?? inferredId;
  const resolution = input.memoryId !== undefined ? "node_ref_id" : inferredId !== undefined ? "inferred_memory_id" : "query";
  const out = await retrieveMemories(db, { query: queryText, limit, allowEmpty: input.allowEmpty, ...(memoryId !== undefined ? { memoryId } : {}) });
  const confidence = confidenceOf(payload.confidence);
  const inference = { limit, query_text: queryText, memory_id: inferredId ?? null, ...(confidence !== undefined ? { confidence } : {}) };
  return { ...out, extra: { llm_guided_retrieve: { ...meta, inference_payload: inference, retrieval_resolution: resolution, resolved_memory_id: memoryId ?? null } } };
}
