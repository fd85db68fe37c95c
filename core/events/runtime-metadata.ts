/** The normalised runtime metadata an event envelope carries (orchestration-and-events §13.1): exactly these 12 keys. */
export interface EventRuntimeMetadata {
  readonly selected_provider: string | null;
  readonly final_provider: string | null;
  readonly provider_dispatch_id: string | null;
  readonly workspace_identity: string | null;
  readonly dispatch_status: string | null;
  readonly execution_mode: string | null;
  readonly fallback_reason: string | null;
  readonly api_failure_category: string | null;
  readonly fallback_attempted: boolean;
  readonly dispatch_uncertain: boolean;
  readonly cli_fallback_used: boolean;
  readonly cli_preflight_passed: boolean | null;
}

const TEXT_KEYS = [
  "selected_provider",
  "final_provider",
  "provider_dispatch_id",
  "workspace_identity",
  "dispatch_status",
  "execution_mode",
  "fallback_reason",
  "api_failure_category",
] as const;

const FLAG_KEYS = ["fallback_attempted", "dispatch_uncertain", "cli_fallback_used"] as const;

// `0/false/no/off` and every other word are false, so only the true words need listing.
const TRUE_WORDS = new Set(["1", "true", "yes", "on"]);

/** Trimmed text, or null when missing or blank. Numbers and booleans are written out, other shapes are not text. */
function metadataText(value: unknown): string | null {
  if (typeof value === "string") {
    const text = value.trim();
    return text === "" ? null : text;
  }
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  return null;
}

/**
 * The reference's lenient flag: a boolean as is, numbers true when non-zero, `1/true/yes/on` true and
 * `0/false/no/off` false (trimmed, any case); anything else (missing, blank, unknown words) is false.
 */
export function metadataFlag(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0 && !Number.isNaN(value);
  if (typeof value === "bigint") return value !== 0n;
  if (typeof value !== "string") return false;
  return TRUE_WORDS.has(value.trim().toLowerCase());
}

/** True for a plain JSON-style object (not an array, not a class instance such as Date). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Normalises producer runtime metadata to the 12 envelope keys: null when it is not an object; every other key
 * (k8s_*, request ids, ...) is dropped. `cli_preflight_passed` keeps null (unknown) apart from false.
 */
export function normaliseRuntimeMetadata(runtime: unknown): EventRuntimeMetadata | null {
  if (!isPlainObject(runtime)) return null;
  const normalised: Record<string, string | boolean | null> = {};
  for (const key of TEXT_KEYS) normalised[key] = metadataText(runtime[key]);
  for (const key of FLAG_KEYS) normalised[key] = metadataFlag(runtime[key]);
  const preflight = runtime.cli_preflight_passed;
  normalised.cli_preflight_passed = preflight === null || preflight === undefined ? null : metadataFlag(preflight);
  return normalised as unknown as EventRuntimeMetadata;
}
