/**
 * The node-level tool fallback of the special nodes (reference tools-and-migration §3.1: fallback mode, fallback
 * payloads). `tool_fallback_mode` in node config says what a node does when its tool call failed: `disabled` (the
 * default) fails the node run; `all` answers the node type's fallback payload as `success_with_warning`;
 * `conflict_only` does so only for conflicts. It runs in the node type after the tool host answered `failed`, never
 * as a `ToolCall.fallback` closure: a closure cannot travel over the HTTP tool host that process and Kubernetes
 * executors call, and a call the envelope's own domain fallback rescued never comes back `failed`, so nothing is
 * applied twice.
 */
import { ArkError, errorMessage } from "../errors/index.js";
import { successResult } from "../execution/execution-results.js";
import type { JSONSchema } from "../contracts/json-schema.js";
import type { ExecutionRequest, ExecutionResult, ToolInvocationResult } from "../plugin-api/contributions.js";
import { degradedRunMetadata } from "./degraded-markers.js";
import { fallbackPayloadOf } from "./node-fallback-payloads.js";
import { failedNodeResultOf } from "./node-tool-call.js";
import { DEFAULT_FALLBACK_WARNING_CODE, type ToolWarning } from "./tool-call.js";
import { attachToolTrace } from "./trace-envelope.js";
import { toolFailureOf } from "./tool-error.js";

/** What a node does with a failed tool call. */
export type NodeToolFallbackMode = "disabled" | "all" | "conflict_only";

/** The accepted `tool_fallback_mode` words (lower case) and what each means; `""` means unset. */
export const TOOL_FALLBACK_MODE_WORDS: Readonly<Record<string, NodeToolFallbackMode | null>> = {
  "": null,
  strict: "disabled", disabled: "disabled", off: "disabled", none: "disabled",
  enabled: "all", all: "all", fallback: "all", on: "all",
  conflict: "conflict_only", conflict_only: "conflict_only", conflicts_only: "conflict_only",
};

/** The failure-control config keys (fallback mode, retries) a node type's configSchema declares so bad values are refused when the graph is saved. */
export const NODE_TOOL_FALLBACK_CONFIG_PROPERTIES: Readonly<Record<string, JSONSchema>> = {
  tool_fallback_mode: {
    enum: Object.keys(TOOL_FALLBACK_MODE_WORDS),
    description: "What the node does when its tool call fails: disabled (default; the node run fails), all (answer the fallback payload as success_with_warning), conflict_only (only for conflicts). Aliases: strict/off/none, enabled/fallback/on, conflict/conflicts_only.",
  },
  tool_fallback_enabled: { type: ["boolean", "string", "integer"], description: "Legacy switch, read only when tool_fallback_mode is unset: truthy = all." },
  tool_retry_attempts: { type: "integer", minimum: 1, description: "Attempts of the node's tool call in total (default 1 = no retry; capped at the envelope's maximum); only idempotent operations are retried." },
  tool_retry_backoff_ms: { type: "integer", minimum: 0, description: "Pause between attempts in ms (default 0, capped at 30000)." },
};

const TRUTHY = new Set(["1", "true", "yes", "on"]);

/** The mode a `tool_fallback_mode` word (trimmed, lower case) names: null for unset, undefined for no word of the table. */
export function toolFallbackModeWord(word: string): NodeToolFallbackMode | null | undefined {
  // Own keys only: "constructor" or "toString" must not resolve to Object.prototype's members.
  return Object.hasOwn(TOOL_FALLBACK_MODE_WORDS, word) ? TOOL_FALLBACK_MODE_WORDS[word] : undefined;
}

/**
 * The node's fallback mode (reference `_resolve_special_node_tool_fallback_mode`): `tool_fallback_mode` by the
 * table above, else the legacy `tool_fallback_enabled` by truthiness, else `disabled`. A word outside the table is
 * ARK_TOOL_FALLBACK_MODE_INVALID (the reference silently used the default; ARK refuses it on save and at run time).
 */
export function resolveNodeToolFallbackMode(config: Readonly<Record<string, unknown>>): NodeToolFallbackMode {
  const raw = config.tool_fallback_mode;
  const word = raw === undefined || raw === null ? "" : typeof raw === "string" ? raw.trim().toLowerCase() : undefined;
  const mode = word === undefined ? undefined : toolFallbackModeWord(word);
  if (mode === undefined) {
    throw new ArkError("ARK_TOOL_FALLBACK_MODE_INVALID", `tool_fallback_mode ${JSON.stringify(raw)} is not one of: ${Object.keys(TOOL_FALLBACK_MODE_WORDS).filter(Boolean).join(", ")}.`, {
      details: { field: "tool_fallback_mode", value: raw },
    });
  }
  if (mode !== null) return mode;
  if ("tool_fallback_enabled" in config) {
    const legacy = config.tool_fallback_enabled;
    return legacy === true || TRUTHY.has(String(legacy ?? "").trim().toLowerCase()) ? "all" : "disabled";
  }
  return "disabled";
}

/** Error codes that are conflicts whatever their message: idempotency conflicts, ambiguous targets, existing targets. */
export const CONFLICT_ERROR_CODES: ReadonlySet<string> = new Set([
  "ARK_TOOL_IDEMPOTENCY_CONFLICT", "ARK_TOOL_IN_PROGRESS", "ARK_PLAN_TARGET_AMBIGUOUS", "ARK_WORKSPACE_CONFLICT",
]);

/** A domain code whose reason names a conflict (`git.merge_conflict`, `memory.duplicate_key`, `x.already_exists`). */
const CONFLICT_CODE_REASON = /(^|[._])(conflicts?|duplicates?|duplicated|already_exists|already_has|ambiguous)(?=$|[._])/i;
/** The reference's message keywords (`_is_special_node_tool_conflict_error`), for errors without a telling code. */
const CONFLICT_MESSAGE = /conflict|duplicate|already exists|already has|idempotency|ambiguous/i;

/** True when a failed tool call was a conflict: by its stable code first, else by the reference's message keywords. */
export function isToolConflictFailure(error: { readonly code?: string; readonly message?: string } | null | undefined): boolean {
  if (!error) return false;
  const code = error.code ?? "";
  if (CONFLICT_ERROR_CODES.has(code) || CONFLICT_CODE_REASON.test(code.replace(/^ARK_/, ""))) return true;
  return CONFLICT_MESSAGE.test(error.message ?? "");
}

/** A cancelled call is the node run being stopped, never something to paper over. */
function isCancellation(code: string): boolean {
  return code === "ARK_TOOL_CANCELLED" || /(^|[._])cancell?ed$/i.test(code);
}

/** What the node type tells the fallback besides its request. */
export interface NodeToolFallbackSpec {
  /** The operation that failed (traced and put in the warning's details). */
  readonly operation: string;
  /** The domain called (default: the node type). */
  readonly domain?: string;
  /** Values only the node type knows, used by the payload: memory/milestone `action`, plan `mode` and `store_mode`. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** The warning every node-level fallback carries: the reference's code, the failure's message, who and what failed. */
export const NODE_TOOL_FALLBACK_WARNING_CODE = DEFAULT_FALLBACK_WARNING_CODE;

/**
 * The fallback result of a failed call when the node's mode covers it, else null. The output is the node type's
 * payload with the trace attached (`execution_status: success_with_warning`, `fallback_used: true`, the warning once),
 * and the degraded markers in `run_metadata`.
 */
export function nodeToolFallbackResult(request: ExecutionRequest, failed: Pick<ToolInvocationResult, "error" | "trace">, spec: NodeToolFallbackSpec): ExecutionResult | null {
  let mode: NodeToolFallbackMode;
  try {
    mode = resolveNodeToolFallbackMode(request.node_config);
  } catch {
    return null; // an invalid mode falls back to nothing; the node types refuse it before calling (assertNodeToolFallbackMode)
  }
  const error = failed.error ?? { code: "ARK_TOOL_HANDLER_FAILED", message: "The tool call failed." };
  if (mode === "disabled" || isCancellation(error.code)) return null;
  if (mode === "conflict_only" && !isToolConflictFailure(error)) return null;
  const domain = spec.domain ?? request.node_type;
  const warning: ToolWarning = {
    code: NODE_TOOL_FALLBACK_WARNING_CODE,
    message: error.message || "Deterministic tool invocation failed.",
    details: { node_type: request.node_type, operation: spec.operation || "unknown", error_code: error.code, tool_fallback_mode: mode },
  };
  const payload = fallbackPayloadOf({ request, operation: spec.operation, warning, fields: spec.fields ?? {} });
  const trace = {
    contract_version: "v1", node_type: request.node_type, tool_name: `deterministic.${domain}`, domain, operation: spec.operation,
    ...failed.trace,
    execution_status: "success_with_warning", fallback_used: true, warnings: [warning], node_fallback: { mode, error_code: error.code },
  };
  const states = attachToolTrace(payload.output_state, payload.routing_state, { status: "success_with_warning", warnings: [warning], trace });
  return successResult(states.output_state, states.routing_state, { run_metadata: degradedRunMetadata(states.output_state, states.routing_state) });
}

/** The node result of a failed call: the fallback when the node's mode covers it, else the failed node result. */
export function failedOrFallbackNodeResult(request: ExecutionRequest, failed: ToolInvocationResult, spec: NodeToolFallbackSpec): ExecutionResult {
  return nodeToolFallbackResult(request, failed, spec) ?? failedNodeResultOf(failed);
}

/** The same for an error thrown by a node that evaluates in process (the built-in decision): a failed result shape. */
export function failedToolResultOf(err: unknown): Pick<ToolInvocationResult, "error" | "trace"> {
  const failure = toolFailureOf(err);
  return { error: { code: failure.code, message: failure.message || errorMessage(err), ...(Object.keys(failure.details).length ? { details: failure.details } : {}) }, trace: {} };
}

/** Throws ARK_TOOL_FALLBACK_MODE_INVALID for a bad mode, so a node refuses it before any side effect. */
export function assertNodeToolFallbackMode(request: ExecutionRequest): void {
  resolveNodeToolFallbackMode(request.node_config);
}
