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

/**
 * Whether `value` holds a NUL in any string or key. Iterative (a request body may nest arrays thousands deep) and
 * allocation-light (it runs on every tool call).
 */
export function containsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node === "string") {
      if (node.includes(NUL)) return true;
    } else if (Array.isArray(node)) {
      for (const item of node) pending.push(item);
    } else if (node !== null && typeof node === "object") {
      const record = node as Record<string, unknown>;
      for (const key in record) {
        if (!Object.hasOwn(record, key)) continue;
        if (key.includes(NUL)) return true;
        pending.push(record[key]);
      }
    }
  }
  return false;
}

function pointerSegment(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

/**
 * JSON Pointers (`/items/0/name`) of the strings and object keys in `value` that contain NUL, at most `limit` of
 * them, in document order; empty when there are none. A key's own pointer names it (`/bad<NUL>key`). Iterative.
 */
export function nulCharacterPaths(value: unknown, limit = 10): string[] {
  if (!containsNul(value)) return [];
  const found: string[] = [];
  // Each entry: a value, its pointer, and whether the key that leads to it holds a NUL (reported when it is reached).
  const pending: [unknown, string, boolean][] = [[value, "", false]];
  while (pending.length > 0 && found.length < limit) {
    const [node, pointer, badKey] = pending.pop()!;
    if (badKey) found.push(pointer);
    if (typeof node === "string") {
      if (node.includes(NUL) && found.length < limit) found.push(pointer);
      continue;
    }
    if (node === null || typeof node !== "object") continue;
    const children: [unknown, string, boolean][] = Array.isArray(node)
      ? node.map((item, index) => [item, `${pointer}/${index}`, false])
      : Object.entries(node as Record<string, unknown>).map(([key, item]) => [item, `${pointer}/${pointerSegment(key)}`, key.includes(NUL)]);
    // Reversed, so the stack yields children in document order.
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]!);
  }
  return found.slice(0, limit);
}

/** How deep replaceNulCharacters descends; a NUL nested deeper is left for the store to refuse. */
const MAX_REPLACE_DEPTH = 512;

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
  const visit = (node: unknown, depth: number): unknown => {
    if (typeof node === "string") return clean(node);
    if (node === null || typeof node !== "object" || depth > MAX_REPLACE_DEPTH) return node;
    if (Array.isArray(node)) {
      const items = node.map((item) => visit(item, depth + 1));
      return items.some((item, index) => item !== node[index]) ? items : node;
    }
    const entries = Object.entries(node as Record<string, unknown>);
    const cleaned = entries.map(([key, item]) => [clean(key), visit(item, depth + 1)] as const);
    const changed = cleaned.some(([key, item], index) => key !== entries[index]![0] || item !== entries[index]![1]);
    return changed ? Object.fromEntries(cleaned) : node;
  };
  const result = visit(value, 0) as T;
  return { value: result, replaced };
}
