/**
 * Retries and the mode fallback of memory actions (reference §3.5, same structure as plan): the primary mode runs
 * 1 + retry_count times; when all fail and the fallback is enabled, the other mode runs once. A fallback success is
 * `success_with_warning` with the markers `fallback_used`, `mode_fallback_used`, `failed_mode`, `fallback_mode`,
 * `fallback_reason` and one `mode_fallback` warning; a failed fallback is `memory.fallback_failed` naming both errors.
 */
import { isToolError, toolError } from "../../core/plugin-api/index.js";
import type { ActionOutcome, MemoryMode } from "./memory-actions.js";

/** Why the primary mode failed (the reference's reason words). */
export type FailureReason = "primary_empty_result" | "primary_invalid_result" | "llm_validation_error" | "llm_inference_error" | "primary_runtime_error";

/** An action outcome with the mode it ran in and the fallback markers. */
export interface ModeOutcome extends ActionOutcome {
  readonly mode: MemoryMode;
  readonly mode_fallback_used: boolean;
  readonly failed_mode: MemoryMode | null;
  readonly fallback_mode: MemoryMode | null;
  readonly fallback_reason: FailureReason | null;
  readonly warning?: { code: string; message: string; details: Record<string, unknown> };
}

/** The reason word of a primary failure. */
export function failureReason(mode: MemoryMode, err: unknown): FailureReason {
  const code = isToolError(err) ? err.code : "";
  if (code === "memory.empty_result") return "primary_empty_result";
  if (code === "memory.invalid_result") return "primary_invalid_result";
  if (mode === "llm_guided" && code === "memory.llm_invalid_output") return "llm_validation_error";
  if (mode === "llm_guided" && (code === "memory.llm_unavailable" || code === "memory.llm_failed")) return "llm_inference_error";
  return "primary_runtime_error";
}

function describe(err: unknown): Record<string, unknown> {
  return isToolError(err) ? { code: err.code, message: err.message } : { code: "error", message: err instanceof Error ? err.message : String(err) };
}

/** Errors no other attempt or mode can fix (a missing memory, nothing to store, cancelled): re-raised at once. */
const FINAL_CODES = new Set(["memory.not_found", "memory.empty_text", "memory.cancelled"]);

/** Runs `run(mode)` with retries and the single fallback hop. */
export async function runWithModes(
  primary: MemoryMode,
  options: { retryCount: number; fallbackEnabled: boolean; signal: AbortSignal },
  run: (mode: MemoryMode) => Promise<ActionOutcome>,
): Promise<ModeOutcome> {
  let lastError: unknown;
  for (let attempt = 0; attempt <= options.retryCount; attempt++) {
    if (options.signal.aborted) throw toolError("memory.cancelled", "The memory action was cancelled.", {}, { retryable: false });
    try {
      return { ...(await run(primary)), mode: primary, mode_fallback_used: false, failed_mode: null, fallback_mode: null, fallback_reason: null };
    } catch (err) {
      if (isToolError(err) && FINAL_CODES.has(err.code)) throw err;
      lastError = err;
      // The same mode cannot do better (no model configured): go straight to the fallback.
      if (isToolError(err) && err.retryable === false) break;
    }
  }
  if (!options.fallbackEnabled) throw lastError;
  const reason = failureReason(primary, lastError);
  const other: MemoryMode = primary === "llm_guided" ? "deterministic" : "llm_guided";
  let outcome: ActionOutcome;
  try {
    outcome = await run(other);
  } catch (err) {
    throw toolError("memory.fallback_failed", `Memory node fallback failed after primary mode '${primary}' exhausted (${reason}); fallback_runtime_error.`, {
      failed_mode: primary, fallback_mode: other, fallback_reason: reason, primary_error: describe(lastError), fallback_error: describe(err),
    }, { retryable: false });
  }
  const warning = {
    code: "mode_fallback",
    message: `Primary memory mode '${primary}' failed (${reason}); applied the '${other}' fallback.`,
    details: { primary_error: describe(lastError) },
  };
  return {
    ...outcome,
    action_results: [...outcome.action_results, "Primary memory mode failed; succeeded via single-attempt fallback mode."],
    mode: other, mode_fallback_used: true, failed_mode: primary, fallback_mode: other, fallback_reason: reason, warning,
  };
}
