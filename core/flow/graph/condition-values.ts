/**
 * Value helpers the decision grammar shares with routing: dot-path lookup into JSON, the reference's stringification
 * and truthiness, and its canonical JSON (sorted keys, `", "` and `": "` separators, like Python's json.dumps with
 * sort_keys). ARK deviates in two documented places: booleans stringify as `true`/`false` (JSON spelling, not Python's
 * `True`), and non-ASCII text is not escaped, so a condition in any language can match serialised context.
 */
import { isJsonObject } from "./graph-model.js";

/**
 * Resolves a dot path (§6.1): segments are trimmed and empty ones skipped; object keys must exist; all-digit segments
 * index lists. Missing paths and JSON null both give undefined (the reference treats them alike).
 */
export function extractPathValue(payload: unknown, path: string): unknown {
  const cleaned = path.trim();
  if (cleaned === "") return undefined;
  let current: unknown = payload;
  for (const token of cleaned.split(".")) {
    const segment = token.trim();
    if (segment === "") continue;
    if (isJsonObject(current)) {
      if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
      current = current[segment];
    } else if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      const index = Number(segment);
      if (index >= current.length) return undefined;
      current = current[index];
    } else {
      return undefined;
    }
  }
  return current === null ? undefined : current;
}

/** Canonical JSON: object keys sorted, `", "` between items and `": "` after keys. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}: ${canonicalJson(item)}`).join(", ")}}`;
  }
  return JSON.stringify(String(value));
}

/** How a resolved value is compared as text: strings as they are, objects and lists as canonical JSON, null as "". */
export function stringifyConditionValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object") return canonicalJson(value);
  return String(value);
}

/** Truthiness of a resolved value: booleans as-is; strings only "1", "true", "yes", "on"; else non-zero / non-empty. */
export function coerceBool(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") return ["1", "true", "yes", "on"].includes(value.trim().toLowerCase());
  if (typeof value === "number") return value !== 0 && !Number.isNaN(value);
  if (Array.isArray(value)) return value.length > 0;
  if (isJsonObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** A routing key from any value: null/absent → "", otherwise its text, trimmed. */
export function routeKeyText(value: unknown): string {
  return stringifyConditionValue(value).trim();
}
