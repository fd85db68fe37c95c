/** JSON Schemas of the `memory` tool domain's operations. */
import type { JSONSchema } from "../../core/plugin-api/index.js";

const memory: JSONSchema = {
  type: "object",
  required: ["id", "description", "created_at", "updated_at"],
  properties: { id: { type: "integer", minimum: 1 }, description: { type: "string" }, created_at: { type: "string" }, updated_at: { type: "string" }, score: { type: "number" } },
};

/** Fields shared by add and retrieve: the mode, its retries and fallback, the prompt material, the model. */
const modeFields = {
  mode: { enum: ["deterministic", "llm_guided"], default: "deterministic", description: "llm_guided asks the executor's model (ctx.llm) first." },
  retry_count: { type: "integer", minimum: 0, maximum: 5, default: 1, description: "Extra attempts of the primary mode (1 + retry_count in total)." },
  fallback_enabled: { type: "boolean", default: true, description: "After the primary mode is exhausted, try the other mode once." },
  additive_prompt: { type: "string", maxLength: 20000, description: "Instructions for the action (the node's additive prompt)." },
  context_text: { type: "string", maxLength: 20000, description: "Text inferred from upstream context; used when there is no additive prompt." },
  provider: { type: "string", maxLength: 64 },
  model: { type: "string", maxLength: 256 },
} as const;

/** `memory.add` input. */
export const addInputSchema: JSONSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    text: { type: "string", maxLength: 100000, description: "The text to store (deterministic); default: additive_prompt, else context_text." },
    memory_id: { type: "integer", minimum: 1, description: "Write into this memory instead of creating one." },
    store_mode: { enum: ["append", "replace"], description: "With memory_id: append (default) or replace the text." },
    ...modeFields,
  },
};

/** `memory.retrieve` input. */
export const retrieveInputSchema: JSONSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    query: { type: "string", maxLength: 20000, description: "What to look for (deterministic); default: additive_prompt, else context_text; empty = most recent." },
    memory_id: { type: "integer", minimum: 1, description: "Retrieve exactly this memory." },
    limit: { type: "integer", minimum: 1, maximum: 50, default: 10 },
    allow_empty: { type: "boolean", default: false, description: "Answer an empty list instead of failing with memory.empty_result (which drives retries and the mode fallback)." },
    ...modeFields,
  },
};

/** The output of add and retrieve. */
export const actionOutputSchema: JSONSchema = {
  type: "object",
  required: ["action", "mode", "requested_mode", "stored_memory", "retrieved_memories", "memory_id", "action_results", "mode_fallback_used"],
  properties: {
    action: { enum: ["add", "retrieve"] },
    mode: { enum: ["deterministic", "llm_guided"] },
    requested_mode: { enum: ["deterministic", "llm_guided"] },
    stored_memory: { anyOf: [{ type: "null" }, memory] },
    retrieved_memories: { type: "array", items: memory },
    memory_id: { anyOf: [{ type: "null" }, { type: "integer", minimum: 1 }] },
    action_results: { type: "array", items: { type: "string" } },
    effective_prompt: { type: "string" },
    mode_fallback_used: { type: "boolean" },
    failed_mode: { anyOf: [{ type: "null" }, { type: "string" }] },
    fallback_mode: { anyOf: [{ type: "null" }, { type: "string" }] },
    fallback_reason: { anyOf: [{ type: "null" }, { type: "string" }] },
    execution_status: { enum: ["success", "success_with_warning"] },
    fallback_used: { type: "boolean" },
    warnings: { type: "array" },
    llm_guided_add: { type: "object" },
    llm_guided_retrieve: { type: "object" },
  },
};

/** `memory.get` / `memory.delete` input. */
export const idInputSchema: JSONSchema = {
  type: "object", additionalProperties: false, required: ["memory_id"], properties: { memory_id: { type: "integer", minimum: 1 } },
};

/** `memory.get` output. */
export const getOutputSchema: JSONSchema = { type: "object", required: ["memory"], properties: { memory } };

/** `memory.delete` output. */
export const deleteOutputSchema: JSONSchema = { type: "object", required: ["deleted"], properties: { deleted: { type: "boolean" } } };

/** `memory.list` input and output. */
export const listInputSchema: JSONSchema = {
  type: "object", additionalProperties: false,
  properties: { limit: { type: "integer", minimum: 1, maximum: 500, default: 50 }, offset: { type: "integer", minimum: 0, default: 0 } },
};
export const listOutputSchema: JSONSchema = {
  type: "object", required: ["items", "total_count"],
  properties: { items: { type: "array", items: memory }, total_count: { type: "integer" } },
};
