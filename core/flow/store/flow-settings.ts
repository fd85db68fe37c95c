/**
 * Run settings a flowchart carries (reference §1.1): how many node executions a run may make, how long it may run,
 * how many ready nodes run at once. Stored on the flowchart, snapshotted into each run when it starts.
 */
import { ArkError } from "../../errors/index.js";
import { isJsonObject, MAX_FLOW_SETTING, type FlowSettings } from "../graph/index.js";

/** No run may execute more nodes than this, whatever its settings say (reference §4.4). */
export const HARD_MAX_NODE_EXECUTIONS = 10_000;

/** Settings of a flowchart that has none. */
export const DEFAULT_FLOW_SETTINGS: FlowSettings = Object.freeze({ max_node_executions: null, max_runtime_minutes: null, max_parallel_nodes: 1 });

const KEYS = ["max_node_executions", "max_runtime_minutes", "max_parallel_nodes"] as const;

function positiveInteger(value: unknown): number | null {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1 && value <= MAX_FLOW_SETTING ? value : null;
}

/** Every problem with a settings patch, one message per key; empty when valid. */
export function flowSettingsProblems(input: unknown): string[] {
  if (!isJsonObject(input)) return ["settings must be a JSON object."];
  const problems: string[] = [];
  for (const key of Object.keys(input)) {
    if (!(KEYS as readonly string[]).includes(key)) problems.push(`settings.${key} is not a flowchart setting (known: ${KEYS.join(", ")}).`);
  }
  const executions = input.max_node_executions;
  if (executions !== undefined && executions !== null && (positiveInteger(executions) === null || (executions as number) > HARD_MAX_NODE_EXECUTIONS)) {
    problems.push(`settings.max_node_executions must be an integer from 1 to ${HARD_MAX_NODE_EXECUTIONS}, or null.`);
  }
  const minutes = input.max_runtime_minutes;
  if (minutes !== undefined && minutes !== null && positiveInteger(minutes) === null) {
    problems.push(`settings.max_runtime_minutes must be an integer from 1 to ${MAX_FLOW_SETTING}, or null.`);
  }
  const parallel = input.max_parallel_nodes;
  if (parallel !== undefined && positiveInteger(parallel) === null) problems.push(`settings.max_parallel_nodes must be an integer from 1 to ${MAX_FLOW_SETTING}.`);
  return problems;
}

/** `base` with `patch` applied; throws ARK_FLOW_SETTINGS_INVALID listing every problem. */
export function mergeFlowSettings(base: FlowSettings, patch: unknown): FlowSettings {
  if (patch === undefined || patch === null) return base;
  const problems = flowSettingsProblems(patch);
  if (problems.length > 0) {
    throw new ArkError("ARK_FLOW_SETTINGS_INVALID", `Flowchart settings are invalid: ${problems.join(" ")}`, { details: { problems } });
  }
  const input = patch as Record<string, unknown>;
  return {
    max_node_executions: input.max_node_executions === undefined ? base.max_node_executions : (input.max_node_executions as number | null),
    max_runtime_minutes: input.max_runtime_minutes === undefined ? base.max_runtime_minutes : (input.max_runtime_minutes as number | null),
    max_parallel_nodes: input.max_parallel_nodes === undefined ? base.max_parallel_nodes : (input.max_parallel_nodes as number),
  };
}

/** Stored settings read leniently: a bad or missing value takes its default. */
export function readFlowSettings(stored: unknown): FlowSettings {
  const input = isJsonObject(stored) ? stored : {};
  const executions = positiveInteger(input.max_node_executions);
  return {
    max_node_executions: executions === null ? null : Math.min(executions, HARD_MAX_NODE_EXECUTIONS),
    max_runtime_minutes: positiveInteger(input.max_runtime_minutes),
    max_parallel_nodes: positiveInteger(input.max_parallel_nodes) ?? 1,
  };
}
