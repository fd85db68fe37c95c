/**
 * ARK's additions to the one-time transform for the special nodes (reference tools-and-migration §3.1, §3.3–§3.5):
 * the defaults the predecessor applied silently at run time are written into the config, so a migrated flowchart
 * means exactly what it meant before and the unified runtime needs no legacy fallbacks:
 * - memory: `action` aliases → add|retrieve (blank → retrieve), `mode` → deterministic|llm_guided, `store_mode` for
 *   add made explicit (an `append` action keeps appending; otherwise deterministic appends and llm_guided replaces,
 *   quirk Q12 made visible);
 * - plan: `mode` (default deterministic), `store_mode` from the legacy `action` (which is removed);
 * - milestone: `action` aliases → create_or_update|mark_complete;
 * - failure controls (decision, plan, milestone, memory): `tool_retry_attempts` ≥ 1, `tool_retry_backoff_ms` ≥ 0,
 *   `tool_fallback_mode` disabled|all|conflict_only (from the legacy `tool_fallback_enabled`), and for plan and memory
 *   `retry_count` 0..5 and `fallback_enabled`.
 */
import { toolFallbackModeWord, type SnapshotNode } from "../../core/plugin-api/index.js";
import { issue, type IssueSink } from "./migration-issues.js";
import { pythonInt } from "./routing-config-transform.js";

const lower = (value: unknown): string => (value === undefined || value === null ? "" : String(value)).trim().toLowerCase();

const MEMORY_ACTIONS: Readonly<Record<string, "add" | "retrieve">> = {
  add: "add", store: "add", upsert: "add", append: "add", create: "add", create_or_update: "add",
  retrieve: "retrieve", fetch: "retrieve", read: "retrieve", query: "retrieve", search: "retrieve", list: "retrieve",
};
const MILESTONE_ACTIONS: Readonly<Record<string, "create_or_update" | "mark_complete">> = {
  update: "create_or_update", checkpoint: "create_or_update", read: "create_or_update", create: "create_or_update",
  create_or_update: "create_or_update", "create/update": "create_or_update",
  complete: "mark_complete", mark_complete: "mark_complete", "mark milestone complete": "mark_complete",
};

/** The reference's plan store_mode table (anything unknown appends). */
export function planStoreMode(value: unknown): "append" | "replace" | "update" {
  const mode = lower(value);
  if (["replace", "overwrite", "set"].includes(mode)) return "replace";
  if (["update", "patch", "mutate"].includes(mode)) return "update";
  return "append";
}

/** Sets `key` to `value`; reports `code` when that changes what was stored. */
function settle(node: SnapshotNode, key: string, value: unknown, code: string, sink: IssueSink): void {
  const before = node.config[key];
  if (before === value) return;
  node.config[key] = value;
  sink(issue(code, `Node ${node.id} (${node.node_type}) ${key} ${before === undefined ? "was unset" : `was ${JSON.stringify(before)}`}; set to ${JSON.stringify(value)}.`, "warning", { nodeId: node.id }));
}

function migrateMemory(node: SnapshotNode, sink: IssueSink): void {
  const legacyAction = lower(node.config.action);
  const action = legacyAction === "" ? "retrieve" : MEMORY_ACTIONS[legacyAction];
  if (action === undefined) {
    sink(issue("transform.invalid_memory_action", `Memory node ${node.id} action ${JSON.stringify(node.config.action)} is not add or retrieve (or one of their aliases).`, "error", { nodeId: node.id }));
    return;
  }
  settle(node, "action", action, "transform.normalized_memory_action", sink);
  const mode = lower(node.config.mode) === "deterministic" ? "deterministic" : "llm_guided";
  settle(node, "mode", mode, "transform.defaulted_memory_mode", sink);
  if (action !== "add") return;
  const stored = lower(node.config.store_mode);
  const storeMode = stored !== "" ? (stored === "replace" ? "replace" : "append") : legacyAction === "append" || mode === "deterministic" ? "append" : "replace";
  settle(node, "store_mode", storeMode, "transform.migrated_memory_store_mode", sink);
}

function migratePlan(node: SnapshotNode, sink: IssueSink): void {
  const rawMode = lower(node.config.mode).replace("-", "_");
  if (rawMode !== "" && rawMode !== "deterministic" && rawMode !== "llm_guided") {
    sink(issue("transform.invalid_plan_mode", `Plan node ${node.id} mode ${JSON.stringify(node.config.mode)} is not llm_guided or deterministic.`, "error", { nodeId: node.id }));
  } else {
    settle(node, "mode", rawMode === "" ? "deterministic" : rawMode, "transform.defaulted_plan_mode", sink);
  }
  const source = lower(node.config.store_mode) !== "" ? node.config.store_mode : node.config.action;
  settle(node, "store_mode", planStoreMode(source), "transform.migrated_plan_store_mode", sink);
  if ("action" in node.config) {
    delete node.config.action;
    sink(issue("transform.removed_legacy_plan_action", `Plan node ${node.id} legacy action was removed (store_mode says what the node does).`, "warning", { nodeId: node.id }));
  }
}

function migrateMilestone(node: SnapshotNode, sink: IssueSink): void {
  const action = MILESTONE_ACTIONS[lower(node.config.action)];
  if (action === undefined) {
    sink(issue("transform.invalid_milestone_action", `Milestone node ${node.id} action ${JSON.stringify(node.config.action ?? null)} is not create_or_update or mark_complete.`, "error", { nodeId: node.id }));
    return;
  }
  settle(node, "action", action, "transform.normalized_milestone_action", sink);
}

function toolFallbackMode(config: Record<string, unknown>): "disabled" | "all" | "conflict_only" {
  // The runtime's word table; unlike the runtime, a word outside it is legacy noise that falls to the default here.
  const mode = toolFallbackModeWord(lower(config.tool_fallback_mode));
  if (mode) return mode;
  if ("tool_fallback_enabled" in config) return ["1", "true", "yes", "on"].includes(lower(config.tool_fallback_enabled)) || config.tool_fallback_enabled === true ? "all" : "disabled";
  return "disabled";
}

function failureControls(node: SnapshotNode, sink: IssueSink): void {
  const code = "transform.defaulted_failure_controls";
  settle(node, "tool_fallback_mode", toolFallbackMode(node.config), code, sink);
  if ("tool_fallback_enabled" in node.config) {
    delete node.config.tool_fallback_enabled;
    sink(issue("transform.removed_legacy_tool_fallback_enabled", `Node ${node.id} tool_fallback_enabled was folded into tool_fallback_mode.`, "warning", { nodeId: node.id }));
  }
  settle(node, "tool_retry_attempts", Math.max(1, pythonInt(node.config.tool_retry_attempts) ?? 1), code, sink);
  settle(node, "tool_retry_backoff_ms", Math.max(0, pythonInt(node.config.tool_retry_backoff_ms) ?? 0), code, sink);
  if (node.node_type === "plan" || node.node_type === "memory") {
    settle(node, "retry_count", Math.min(5, Math.max(0, pythonInt(node.config.retry_count) ?? 1)), code, sink);
    const fallback = node.config.fallback_enabled;
    settle(node, "fallback_enabled", fallback === undefined || fallback === null ? true : fallback === true || ["1", "true", "yes", "on"].includes(lower(fallback)), code, sink);
  }
}

/** Node types whose runtime defaults the transform makes explicit. */
export const SPECIAL_NODE_TYPES: ReadonlySet<string> = new Set(["decision", "plan", "milestone", "memory"]);

/** Applies the special-node migration to one node in place. */
export function migrateSpecialNode(node: SnapshotNode, sink: IssueSink): void {
  if (node.node_type === "memory") migrateMemory(node, sink);
  else if (node.node_type === "plan") migratePlan(node, sink);
  else if (node.node_type === "milestone") migrateMilestone(node, sink);
  if (SPECIAL_NODE_TYPES.has(node.node_type)) failureControls(node, sink);
}
