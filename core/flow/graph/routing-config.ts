/**
 * The routing section of a node's config (orchestration-and-events §2.3 rule 1): `fan_in_mode`,
 * `fan_in_custom_count`, `no_match_policy`, `fallback_condition_key`. Strict parsers for validation and the lenient
 * runtime readings of §5.2 / §6 live side by side so the two cannot drift apart.
 */

/** How a node gates on its solid parents. */
export type FanInMode = "all" | "any" | "custom";

/** What a decision does when nothing matched: "" (unset: use the fallback when configured), fail, fallback. */
export type NoMatchPolicy = "" | "fail" | "fallback";

/** A problem with the routing config, phrased after `Node {id} ({type}) `. */
export interface RoutingConfigProblem {
  readonly code: string;
  readonly message: string;
}

function cleaned(value: unknown): string {
  return value === undefined || value === null ? "" : String(value).trim().toLowerCase();
}

/** Strict: `all` (also blank), `any`, `custom` (aliases `custom_n`, `custom-n`); null for anything else. */
export function parseFanInMode(value: unknown): FanInMode | null {
  const mode = cleaned(value);
  if (mode === "" || mode === "all") return "all";
  if (mode === "any") return "any";
  if (mode === "custom" || mode === "custom_n" || mode === "custom-n") return "custom";
  return null;
}

/** Runtime reading (§5.2): an unknown mode counts as `all`. */
export function fanInModeOf(config: Readonly<Record<string, unknown>>): FanInMode {
  return parseFanInMode(config.fan_in_mode) ?? "all";
}

/**
 * Strict custom count: an integer ≥ 1 (or a string holding one). `null` when absent or blank, `"invalid"` for
 * anything else (0, -1, 1.5, "two", true).
 */
export function parseFanInCustomCount(value: unknown): number | null | "invalid" {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) return null;
  const number = typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : value;
  return typeof number === "number" && Number.isSafeInteger(number) && number >= 1 ? number : "invalid";
}

/** Strict: "", `fail`, `fallback` (case-insensitive); null for anything else. */
export function parseNoMatchPolicy(value: unknown): NoMatchPolicy | null {
  const policy = cleaned(value);
  return policy === "" || policy === "fail" || policy === "fallback" ? policy : null;
}

/** The configured fallback connector key, trimmed; null when blank. */
export function fallbackConditionKeyOf(config: Readonly<Record<string, unknown>>): string | null {
  const raw = config.fallback_condition_key;
  const key = raw === undefined || raw === null ? "" : String(raw).trim();
  return key === "" ? null : key;
}

/**
 * Every problem of the routing section (§2.3 rule 1), with the reference's field prefix (`nodes[{id}].config`).
 * The fan-in count and the fallback key are judged against the graph elsewhere (rules 10 and 12).
 */
export function routingConfigProblems(config: Readonly<Record<string, unknown>>, prefix: string): RoutingConfigProblem[] {
  const problems: RoutingConfigProblem[] = [];
  const mode = parseFanInMode(config.fan_in_mode);
  if (mode === null) {
    problems.push({ code: "fan_in_mode_invalid", message: `${prefix}.fan_in_mode must be one of: all, any, custom.` });
  }
  if (mode === "custom" && parseFanInCustomCount(config.fan_in_custom_count) === "invalid") {
    problems.push({ code: "fan_in_custom_count_invalid", message: `${prefix}.fan_in_custom_count must be an integer >= 1.` });
  }
  if (parseNoMatchPolicy(config.no_match_policy) === null) {
    problems.push({ code: "no_match_policy_invalid", message: `${prefix}.no_match_policy must be one of: fail, fallback.` });
  }
  return problems;
}
