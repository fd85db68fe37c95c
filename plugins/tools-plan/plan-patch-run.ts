/**
 * Running a plan patch operation (reference §3.3 "Retry and mode fallback"): the primary mode up to 1 + retry_count
 * times, then — when fallback is enabled — the other mode once. Each attempt applies its patches in one transaction,
 * so a failed attempt leaves no row behind. Model calls happen before the transaction: no lock is held while a model
 * thinks. Caller mistakes (unknown plan, bad config, a malformed or ambiguous deterministic patch) fail at once.
 */
import { ArkError, errorMessage, extractPathValue, isArkError, type Store, type ToolCallContext } from "../../core/plugin-api/index.js";
import { complete, excerpt, parseStrictPatch, parseTransform, patchPrompt, transformPrompt } from "./plan-llm.js";
import { applyPatch, type StoreMode } from "./plan-patch-modes.js";
import { PatchSession, type OperationCounts, type PlanWarning, type TouchedItems } from "./plan-patch-session.js";
import { loadPlan, requirePlan, type PlanView } from "./plan-rows.js";

/** How the patch is obtained: given (deterministic) or asked of the model (llm_guided). */
export type PlanMode = "deterministic" | "llm_guided";

/** Input of the append / replace / update operations. */
export interface PlanPatchInput {
  readonly plan_id: number;
  readonly mode?: PlanMode;
  readonly patch?: Record<string, unknown>;
  readonly patches?: readonly Record<string, unknown>[];
  /** The run's input context: where `patch_source_path` is resolved, and what the model is shown. */
  readonly context?: Record<string, unknown>;
  readonly patch_source_path?: string;
  readonly additive_prompt?: string;
  readonly transform_with_llm?: boolean;
  readonly transform_prompt?: string;
  readonly retry_count?: number;
  readonly fallback_enabled?: boolean;
  readonly model?: string;
  readonly provider?: string;
}

/** What a patch operation answers (the plan node's output keys, minus the node's own). */
export interface PlanPatchOutput {
  readonly mode: PlanMode;
  readonly store_mode: StoreMode;
  readonly additive_prompt: string;
  readonly action_results: string[];
  readonly operation_counts: OperationCounts;
  readonly touched: TouchedItems;
  readonly warnings: PlanWarning[];
  readonly errors: never[];
  readonly plan: PlanView;
  readonly llm_transform_summary: string | null;
  readonly mode_fallback_used: boolean;
  readonly failed_mode: PlanMode | null;
  readonly fallback_mode: PlanMode | null;
  readonly fallback_reason: string | null;
  readonly execution_status?: "success_with_warning";
  readonly fallback_used?: boolean;
  readonly llm_guided?: { provider: string; model: string; raw_output: string };
}

/** Patches obtained before the transaction, with what obtaining them reported. */
interface Prepared {
  readonly patches: readonly Record<string, unknown>[];
  readonly warnings: PlanWarning[];
  readonly summary: string | null;
  readonly llm?: { provider: string; model: string; raw_output: string };
}

const CALLER_ERRORS = new Set(["ARK_PLAN_NOT_FOUND", "ARK_PLAN_CONFIG_INVALID", "ARK_TOOL_CANCELLED"]);
const PATCH_ERRORS = new Set(["ARK_PLAN_PATCH_INVALID", "ARK_PLAN_TARGET_AMBIGUOUS"]);

/** Whether an error ends the operation at once (no retry, no fallback): the caller's own input is at fault. */
function isCallerError(err: unknown, mode: PlanMode): boolean {
  if (!isArkError(err)) return false;
  return CALLER_ERRORS.has(err.code) || (mode === "deterministic" && PATCH_ERRORS.has(err.code));
}

/** The reference's fallback reason for the last primary error. */
function fallbackReason(mode: PlanMode, err: unknown): string {
  if (mode === "deterministic") return "primary_runtime_error";
  const code = isArkError(err) ? err.code : "";
  return code === "ARK_PLAN_LLM_OUTPUT_INVALID" || PATCH_ERRORS.has(code) ? "llm_validation_error" : "llm_inference_error";
}

function describe(err: unknown): Record<string, unknown> {
  return { code: isArkError(err) ? err.code : "ARK_INTERNAL", message: errorMessage(err) };
}

async function prepareDeterministic(plan: PlanView, input: PlanPatchInput, ctx: ToolCallContext): Promise<Prepared> {
  let patches: Record<string, unknown>[] = [...(input.patch ? [input.patch] : []), ...(input.patches ?? [])];
  const warnings: PlanWarning[] = [];
  if (input.patch_source_path) {
    const source = extractPathValue(input.context ?? {}, input.patch_source_path);
    if (source === undefined) {
      warnings.push({ code: "missing_patch_source", message: `Nothing at patch_source_path '${input.patch_source_path}'; no patch taken from the context.`, details: { patch_source_path: input.patch_source_path } });
    } else if (typeof source !== "object" || Array.isArray(source)) {
      throw new ArkError("ARK_PLAN_PATCH_INVALID", `patch_source_path '${input.patch_source_path}' does not hold a JSON object.`, { details: { path: "patch_source_path", value: source } });
    } else {
      patches.push(source as Record<string, unknown>);
    }
  }
  let summary: string | null = null;
  if (input.transform_with_llm && input.transform_prompt) {
    const answer = await complete(ctx, { messages: transformPrompt({ plan, transformPrompt: input.transform_prompt, patches }), json: true, model: input.model, provider: input.provider });
    const transformed = parseTransform(answer.text);
    summary = transformed.summary;
    if (transformed.patch) patches = [transformed.patch];
  }
  return { patches, warnings, summary };
}

async function prepareLlmGuided(plan: PlanView, storeMode: StoreMode, input: PlanPatchInput, ctx: ToolCallContext): Promise<Prepared> {
  const messages = patchPrompt({ plan, storeMode, additivePrompt: input.additive_prompt ?? "", context: input.context });
  const answer = await complete(ctx, { messages, json: true, model: input.model, provider: input.provider });
  return { patches: [parseStrictPatch(answer.text)], warnings: [], summary: null, llm: { provider: answer.provider, model: answer.model, raw_output: excerpt(answer.text) } };
}

/** One attempt in one mode: obtain the patches, then apply them all in one transaction. */
async function attempt(store: Store, storeMode: StoreMode, mode: PlanMode, input: PlanPatchInput, ctx: ToolCallContext): Promise<PlanPatchOutput> {
  const current = await requirePlan(store, input.plan_id);
  const prepared = mode === "llm_guided" ? await prepareLlmGuided(current, storeMode, input, ctx) : await prepareDeterministic(current, input, ctx);
  if (ctx.signal.aborted) throw new ArkError("ARK_TOOL_CANCELLED", "The plan patch was cancelled before it was applied.");
  return store.transaction(async (tx) => {
    const session = new PatchSession(tx, await requirePlan(tx, input.plan_id, { lock: true }));
    session.warnings.push(...prepared.warnings);
    if (prepared.patches.length === 0) session.actionResults.push("No plan patch supplied.");
    for (const [i, patch] of prepared.patches.entries()) await applyPatch(session, patch, storeMode, prepared.patches.length === 1 ? "patch" : `patches[${i}]`);
    if (input.additive_prompt) session.actionResults.push("Captured additive prompt instructions.");
    return {
      mode, store_mode: storeMode, additive_prompt: input.additive_prompt ?? "", action_results: session.actionResults, operation_counts: session.counts,
      touched: session.touched(), warnings: session.warnings, errors: [], plan: (await loadPlan(tx, input.plan_id))!, llm_transform_summary: prepared.summary,
      mode_fallback_used: false, failed_mode: null, fallback_mode: null, fallback_reason: null, ...(prepared.llm ? { llm_guided: prepared.llm } : {}),
    };
  });
}

/** Runs an append / replace / update operation with retries and the single mode fallback. */
export async function runPlanPatch(store: Store, storeMode: StoreMode, input: PlanPatchInput, ctx: ToolCallContext): Promise<PlanPatchOutput> {
  const mode: PlanMode = input.mode ?? "deterministic";
  const attempts = 1 + Math.min(5, Math.max(0, input.retry_count ?? 1));
  let lastError: unknown;
  for (let i = 0; i < attempts; i += 1) {
    try {
      return await attempt(store, storeMode, mode, input, ctx);
    } catch (err) {
      if (isCallerError(err, mode) || ctx.signal.aborted) throw err;
      lastError = err;
      if (isArkError(err, "ARK_TOOL_LLM_UNAVAILABLE")) break; // no model now means no model on the next attempt either
    }
  }
  if (input.fallback_enabled === false) throw lastError;
  const reason = fallbackReason(mode, lastError);
  const fallbackMode: PlanMode = mode === "llm_guided" ? "deterministic" : "llm_guided";
  let out: PlanPatchOutput;
  try {
    out = await attempt(store, storeMode, fallbackMode, input, ctx);
  } catch (err) {
    throw new ArkError("ARK_PLAN_FALLBACK_FAILED", `Plan fallback failed after primary mode '${mode}' exhausted (${reason}); fallback_runtime_error.`, {
      details: { failed_mode: mode, fallback_mode: fallbackMode, fallback_reason: reason, primary_error: describe(lastError), fallback_error: describe(err) },
      cause: err,
    });
  }
  const warning = { code: "mode_fallback", message: `Primary plan mode '${mode}' failed (${reason}); applied the '${fallbackMode}' fallback.`, details: { primary_error: describe(lastError) } };
  return {
    ...out, execution_status: "success_with_warning", fallback_used: true, mode_fallback_used: true, failed_mode: mode, fallback_mode: fallbackMode, fallback_reason: reason,
    action_results: [...out.action_results, "Primary plan mode failed; succeeded via single-attempt fallback mode."], warnings: [...out.warnings, warning],
  };
}
