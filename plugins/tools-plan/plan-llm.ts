/**
 * The model side of plan patches: the prompt of `llm_guided` mode and of the deterministic mode's optional transform,
 * and reading the answer. `llm_guided` demands one strict JSON object (raw, or alone in a ```json fence); anything
 * else is ARK_PLAN_LLM_OUTPUT_INVALID. The transform is lenient, as the reference's is: prose becomes a summary.
 */
import { ArkError, type LlmCompletionRequest, type LlmMessage, type ToolCallContext } from "../../core/plugin-api/index.js";
import { isObject } from "./plan-patch-modes.js";
import type { PlanView } from "./plan-rows.js";

/** Keys that make an object a plan patch. */
export const PATCH_KEYS = ["name", "description", "completed", "stages", "tasks"] as const;

/** Most characters of the run context and of a raw answer kept in prompts and error details. */
const CONTEXT_LIMIT = 8000;
const EXCERPT_LIMIT = 2000;

/** The model's answer, shortened for outputs and error details. */
export function excerpt(text: string): string {
  return text.length <= EXCERPT_LIMIT ? text : `${text.slice(0, EXCERPT_LIMIT)}...(truncated)`;
}

const SHAPE = `A patch is {"name"?, "description"?, "completed"?, "stages"?: [{"stage_id"?, "stage_key"?, "name"?, "description"?, "position"?, "completed"?, "tasks"?: [{"task_id"?, "task_key"?, "name"?, "description"?, "position"?, "completed"?}]}], "tasks"?: [...]}.`;

const MODE_RULES: Readonly<Record<string, string>> = {
  append: "Store mode append: only new stages and tasks are created; name each new item.",
  replace: "Store mode replace: the stages you return replace the whole structure; give every stage and task a name; no top-level tasks.",
  update: "Store mode update: name each target by stage_id/task_id (preferred) or stage_key/task_key and give only the fields to change.",
};

/** The messages asking for a strict JSON patch of `plan` (llm_guided mode). */
export function patchPrompt(input: { plan: PlanView; storeMode: string; additivePrompt: string; context: unknown }): LlmMessage[] {
  const context = input.context === undefined ? "" : JSON.stringify(input.context).slice(0, CONTEXT_LIMIT);
  return [
    { role: "system", content: `You maintain a project plan. Answer with exactly one JSON object, the patch to apply, and nothing else. ${SHAPE} ${MODE_RULES[input.storeMode] ?? ""}` },
    {
      role: "user",
      content: [`Current plan:\n${JSON.stringify(input.plan)}`, input.additivePrompt ? `Instructions:\n${input.additivePrompt}` : "", context ? `Run context:\n${context}` : ""]
        .filter((part) => part !== "")
        .join("\n\n"),
    },
  ];
}

/** The messages of the deterministic mode's transform (`transform_with_llm`). */
export function transformPrompt(input: { plan: PlanView; transformPrompt: string; patches: readonly unknown[] }): LlmMessage[] {
  return [
    { role: "system", content: `You rewrite plan patches. Answer with a JSON object {"patch": <patch>, "summary": "<one sentence>"}. ${SHAPE}` },
    { role: "user", content: `Plan:\n${JSON.stringify(input.plan)}\n\nPatches so far:\n${JSON.stringify(input.patches)}\n\nInstructions:\n${input.transformPrompt}` },
  ];
}

/** One completion through the executor model the envelope gives the call; no model is ARK_TOOL_LLM_UNAVAILABLE. */
export async function complete(ctx: ToolCallContext, request: LlmCompletionRequest): Promise<{ text: string; provider: string; model: string }> {
  if (!ctx.llm) {
    throw new ArkError("ARK_TOOL_LLM_UNAVAILABLE", "The plan's llm_guided mode needs an executor with complete(); none is enabled.", { details: { domain: ctx.domain, operation: ctx.operation } });
  }
  const answer = await ctx.llm({ ...request, signal: request.signal ?? ctx.signal });
  return { text: answer.text, provider: answer.provider, model: answer.model };
}

function fencedBody(text: string): string {
  const fence = /^```[a-zA-Z]*\s*\n([\s\S]*?)\n?```$/.exec(text);
  return fence ? fence[1]!.trim() : text;
}

function patchOf(value: Record<string, unknown>): Record<string, unknown> | null {
  const patch = isObject(value.patch) ? value.patch : value;
  return PATCH_KEYS.some((key) => key in patch) ? patch : null;
}

/** The patch of a strict-JSON answer, or ARK_PLAN_LLM_OUTPUT_INVALID. */
export function parseStrictPatch(text: string): Record<string, unknown> {
  const body = fencedBody(text.trim());
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const patch = isObject(parsed) ? patchOf(parsed) : null;
  if (!patch) {
    throw new ArkError("ARK_PLAN_LLM_OUTPUT_INVALID", "LLM-guided plan mode must return a strict JSON object patch.", { details: { raw_output: excerpt(text) } });
  }
  return patch;
}

/** A transform answer read leniently: the patch when there is one, and a summary (from prose or a summary key). */
export function parseTransform(text: string): { patch: Record<string, unknown> | null; summary: string | null } {
  const body = fencedBody(text.trim());
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const start = body.indexOf("{");
    const end = body.lastIndexOf("}");
    try {
      parsed = start >= 0 && end > start ? JSON.parse(body.slice(start, end + 1)) : body;
    } catch {
      parsed = body;
    }
  }
  if (typeof parsed === "string") return { patch: null, summary: parsed.trim() || null };
  if (!isObject(parsed)) return { patch: null, summary: null };
  const summary = [parsed.summary, parsed.human_summary, parsed.text].find((v): v is string => typeof v === "string" && v.trim() !== "");
  return { patch: patchOf(parsed), summary: summary?.trim() ?? null };
}
