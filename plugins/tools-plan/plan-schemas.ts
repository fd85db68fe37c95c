/**
 * JSON Schemas of the plan operations. Patches are only checked to be objects here: their contents are checked by
 * the store modes, which name the exact path of a problem (ARK_PLAN_PATCH_INVALID) the way an operator reads it.
 */
import type { JSONSchema } from "../../core/plugin-api/index.js";

const planId: JSONSchema = { type: "integer", minimum: 1, description: "The plan's id." };
const text = (description: string): JSONSchema => ({ type: "string", maxLength: 20_000, description });
const object = (description: string): JSONSchema => ({ type: "object", description });

/** A plan with its stages and tasks. */
export const planViewSchema: JSONSchema = {
  type: "object",
  required: ["id", "name", "stages"],
  properties: {
    id: { type: "integer" }, name: { type: "string" }, description: { type: ["string", "null"] }, completed_at: { type: ["string", "null"] },
    stages: { type: "array", items: { type: "object", required: ["id", "name", "position", "tasks"], properties: { tasks: { type: "array" } } } },
  },
};

const counts: JSONSchema = {
  type: "object",
  required: ["created", "updated", "replaced", "skipped_missing"],
  properties: { created: { type: "integer" }, updated: { type: "integer" }, replaced: { type: "integer" }, skipped_missing: { type: "integer" } },
};

const warnings: JSONSchema = { type: "array", items: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" } } } };

/** Input of append / replace / update. */
export const patchInputSchema: JSONSchema = {
  type: "object",
  required: ["plan_id"],
  additionalProperties: false,
  properties: {
    plan_id: planId,
    mode: { enum: ["deterministic", "llm_guided"], description: "deterministic: apply the given patches; llm_guided: the model writes one strict-JSON patch." },
    patch: object("A plan patch: name, description, completed, stages[], tasks[]."),
    patches: { type: "array", maxItems: 100, items: { type: "object" }, description: "Several patches, applied in order in one transaction." },
    context: object("The run context: where patch_source_path is looked up, and what the model is shown."),
    patch_source_path: { type: "string", minLength: 1, maxLength: 512, description: "Dot path into context of one more patch." },
    additive_prompt: text("Extra instructions (for the model in llm_guided mode)."),
    transform_with_llm: { type: "boolean", description: "Deterministic mode: let the model rewrite the patches first (with transform_prompt)." },
    transform_prompt: text("Instructions of the transform."),
    retry_count: { type: "integer", minimum: 0, maximum: 5, description: "Extra attempts of the primary mode (default 1)." },
    fallback_enabled: { type: "boolean", description: "Try the other mode once when the primary mode failed (default true)." },
    model: { type: "string", minLength: 1, maxLength: 200 },
    provider: { type: "string", minLength: 1, maxLength: 100 },
  },
};

/** Output of append / replace / update. */
export const patchOutputSchema: JSONSchema = {
  type: "object",
  required: ["mode", "store_mode", "action_results", "operation_counts", "touched", "warnings", "errors", "plan", "mode_fallback_used"],
  properties: {
    mode: { enum: ["deterministic", "llm_guided"] }, store_mode: { enum: ["append", "replace", "update"] }, action_results: { type: "array", items: { type: "string" } },
    operation_counts: counts, touched: { type: "object", required: ["stage_ids", "task_ids", "stages", "tasks"] }, warnings, errors: { type: "array" }, plan: planViewSchema,
    mode_fallback_used: { type: "boolean" }, execution_status: { enum: ["success_with_warning"] }, fallback_used: { type: "boolean" },
  },
};

/** Input of create. */
export const createInputSchema: JSONSchema = {
  type: "object",
  required: ["name"],
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1, maxLength: 500, pattern: "\\S" },
    description: { type: ["string", "null"], maxLength: 20_000 },
    completed: { type: "boolean" },
    stages: { type: "array", maxItems: 500, items: { type: "object" }, description: "Stages with nested tasks, as a replace patch takes them." },
    origin_key: { type: "string", minLength: 1, maxLength: 500, description: "Create once per key: a key already used answers its plan unchanged (`created: false`)." },
  },
};

/** Output of create and complete_task. */
export const changeOutputSchema: JSONSchema = {
  type: "object",
  required: ["plan", "operation_counts", "touched", "action_results"],
  properties: { plan: planViewSchema, operation_counts: counts, touched: { type: "object" }, action_results: { type: "array" }, created: { type: "boolean" } },
};

/** Input of read. */
export const readInputSchema: JSONSchema = { type: "object", required: ["plan_id"], additionalProperties: false, properties: { plan_id: planId } };

/** Input of list. */
export const listInputSchema: JSONSchema = {
  type: "object",
  additionalProperties: false,
  properties: { limit: { type: "integer", minimum: 1, maximum: 500 }, offset: { type: "integer", minimum: 0 } },
};

/** Input of complete_task. */
export const completeTaskInputSchema: JSONSchema = {
  type: "object",
  required: ["plan_id"],
  additionalProperties: false,
  properties: {
    plan_id: planId,
    task_id: { type: "integer", minimum: 1 },
    task_key: { type: "string", minLength: 1, maxLength: 500 },
    stage_id: { type: "integer", minimum: 1 },
    stage_key: { type: "string", minLength: 1, maxLength: 500 },
    completed: { type: "boolean", description: "false reopens the task (default true)." },
  },
};
