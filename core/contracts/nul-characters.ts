/**
 * PostgreSQL `text` and `jsonb` cannot hold U+0000 (NUL): a statement carrying one fails with SQLSTATE 22021 or
 * 22P05. Callers' input that contains one is refused where it enters (API, tool input) with the path of the value;
 * output ARK produces (a command that printed a NUL byte, a model's answer) keeps its text with each NUL replaced by
 * U+FFFD, the character decoders already use for bytes they cannot read, and says how many were replaced.
 */

/** The message every refusal of a NUL character gives, after the value's path. */
export const NUL_CHARACTER_MESSAGE = "must not contain a NUL character (U+0000)";

/** What a NUL character becomes in output that must be stored. */
export const NUL_REPLACEMENT = "\uFFFD";

const NUL = "\u0000";

/** Whether `value` holds a NUL in any string or key; walks without allocating (it runs on every tool call). */
export function containsNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes(NUL);
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) {
    for (const item of value) if (containsNul(item)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    if (key.includes(NUL) || containsNul(record[key])) return true;
  }
  return false;
}

function pointerSegment(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

/**
 * JSON Pointers (`/items/0/name`) of the strings and object keys in `value` that contain NUL, at most `limit` of
 * them; empty when there are none. A key's own pointer names it (`/bad<NUL>key`).
 */
export function nulCharacterPaths(value: unknown, limit = 10): string[] {
  if (!containsNul(value)) return [];
  const found: string[] = [];
  const visit = (node: unknown, pointer: string): void => {
    if (found.length >= limit) return;
    if (typeof node === "string") {
      if (node.includes(NUL)) found.push(pointer);
      return;
    }
    if (node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${pointer}/${index}`));
      return;
    }
    for (const [key, item] of Object.entries(node as Record<string, unknown>)) {
      const child = `${pointer}/${pointerSegment(key)}`;
      if (key.includes(NUL) && found.length < limit) found.push(child);
      visit(item, child);
    }
  };
  visit(value, "");
  return found;
}

/** `value` with every NUL in its strings and keys replaced by U+FFFD, and how many were replaced (0: the same value). */
export function replaceNulCharacters<T>(value: T): { value: T; replaced: number } {
  if (!containsNul(value)) return { value, replaced: 0 };
  let replaced = 0;
  const clean = (text: string): string => {
    if (!text.includes(NUL)) return text;
    const parts = text.split(NUL);
    replaced += parts.length - 1;
    return parts.join(NUL_REPLACEMENT);
  };
  // Containers are copied only on the way to a replaced string, so an output without NUL is returned as it is.
  const visit = (node: unknown): unknown => {
    if (typeof node === "string") return clean(node);
    if (node === null || typeof node !== "object") return node;
    if (Array.isArray(node)) {
      const items = node.map(visit);
      return items.some((item, index) => item !== node[index]) ? items : node;
    }
    const entries = Object.entries(node as Record<string, unknown>);
    const cleaned = entries.map(([key, item]) => [clean(key), visit(item)] as const);
    const changed = cleaned.some(([key, item], index) => key !== entries[index]![0] || item !== entries[index]![1]);
    return changed ? Object.fromEntries(cleaned) : node;
  };
  const result = visit(value) as T;
  return { value: result, replaced };
}
