/** Value parsing shared by settings load (lenient, reference semantics) and save (strict). */

const TRUE_WORDS = new Set(["1", "true", "yes", "on"]);
const FALSE_WORDS = new Set(["0", "false", "no", "off"]);

/**
 * Parses a boolean flag: booleans as they are; `1/true/yes/on` and `0/false/no/off` (any case, trimmed); the numbers
 * 1 and 0. Anything else is `undefined`, so the caller decides between a default (load) and an error (save).
 */
export function parseBoolFlag(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value !== "string") return undefined;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/** Stored form of a boolean setting. */
export function boolText(value: boolean): "true" | "false" {
  return value ? "true" : "false";
}

/**
 * Parses an integer the way the reference's `int()` does on load: trimmed, optional sign, digits with single
 * underscores between them (`3_600`). Returns undefined when it is not one.
 */
export function parseLenientInteger(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (!/^[+-]?\d+(?:_\d+)*$/.test(text)) return undefined;
  const parsed = Number(text.replace(/_/g, ""));
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

/** Parses an integer an operator wrote: a JSON integer or a plain decimal string (no underscores, no fraction). */
export function parseStrictInteger(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== "string" || !/^\s*[+-]?\d+\s*$/.test(value)) return undefined;
  const parsed = Number(value.trim());
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

/** Bounds `value` to [min, max]. */
export function clampInteger(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
