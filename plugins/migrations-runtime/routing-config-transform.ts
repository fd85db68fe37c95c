/**
 * The generic routing-config normalisation every node gets (reference tools-and-migration §6.2, first list):
 * `fan_in_mode` / `fan_in_custom_count`, `fallback_condition_key`, `no_match_policy`.
 */
import { issue, type IssueSink } from "./migration-issues.js";

const text = (value: unknown): string => (value === undefined || value === null ? "" : String(value)).trim();

/** Python's int() for what a config can hold: ints, floats (truncated), bools, integer strings; null otherwise. */
export function pythonInt(value: unknown): number | null {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : null;
  if (typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value.trim());
  return null;
}

function normaliseFanIn(config: Record<string, unknown>, nodeId: string, sink: IssueSink): void {
  const mode = text(config.fan_in_mode).toLowerCase();
  if (mode === "" || mode === "all") {
    delete config.fan_in_mode;
    delete config.fan_in_custom_count;
  } else if (mode === "any") {
    config.fan_in_mode = "any";
    delete config.fan_in_custom_count;
  } else if (mode === "custom" || mode === "custom_n" || mode === "custom-n") {
    config.fan_in_mode = "custom";
    const count = pythonInt(config.fan_in_custom_count);
    if (count === null || count <= 0) {
      sink(issue("transform.invalid_fan_in_custom_count", `Node ${nodeId} fan_in_custom_count must be a positive integer (found ${JSON.stringify(config.fan_in_custom_count ?? null)}); set to 1.`, "error", { nodeId }));
      config.fan_in_custom_count = 1;
    } else {
      config.fan_in_custom_count = count;
    }
  } else {
    sink(issue("transform.invalid_fan_in_mode", `Node ${nodeId} fan_in_mode ${JSON.stringify(config.fan_in_mode)} is not one of all, any, custom.`, "error", { nodeId }));
  }
}

function normaliseNoMatch(config: Record<string, unknown>, nodeId: string, sink: IssueSink): void {
  if ("fallback_condition_key" in config) {
    const key = text(config.fallback_condition_key);
    if (key === "") delete config.fallback_condition_key;
    else config.fallback_condition_key = key;
  }
  const policy = text(config.no_match_policy).toLowerCase();
  if (policy === "") {
    if ("fallback_condition_key" in config) {
      config.no_match_policy = "fallback";
      sink(issue("transform.inferred_no_match_policy", `Node ${nodeId} has a fallback_condition_key without no_match_policy; set no_match_policy to fallback.`, "warning", { nodeId }));
    } else {
      delete config.no_match_policy;
    }
  } else if (policy === "fail" || policy === "fallback") {
    config.no_match_policy = policy;
  } else {
    sink(issue("transform.invalid_no_match_policy", `Node ${nodeId} no_match_policy ${JSON.stringify(config.no_match_policy)} is not one of fail, fallback.`, "error", { nodeId }));
  }
}

/** Normalises the routing section of `config` in place. */
export function normaliseRoutingConfig(config: Record<string, unknown>, nodeId: string, sink: IssueSink): void {
  normaliseFanIn(config, nodeId, sink);
  normaliseNoMatch(config, nodeId, sink);
}
