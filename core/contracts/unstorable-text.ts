/// <reference lib="es2024.string" />
/**
 * Text the store cannot keep as it was given:
 * - U+0000 (NUL): PostgreSQL `text` and `jsonb` cannot hold it; a statement carrying one fails with SQLSTATE 22021 or
 *   22P05.
 * - a lone UTF-16 surrogate (a high half U+D800–U+DBFF not followed by a low half, or a low half U+DC00–U+DFFF not
 *   preceded by a high one; JSON text "\ud800" parses to one): it is no character, so it has no UTF-8 form. The
 *   drivers encode it as U+FFFD, so a write would succeed and store different text than it was given (a later read
 *   differs, hashes and idempotency keys change); in a jsonb escape PostgreSQL refuses it.
 *
 * Callers' input that contains either is refused where it enters (API, tool input, flow files, legacy imports,
 * config) with the path of the value. Output ARK produces (a command that printed a NUL byte, a model's answer) keeps
 * its text with each NUL or lone surrogate replaced by U+FFFD, the character decoders already use for what they cannot
 * read, and says how many were replaced.
 */

/** The message every refusal of a NUL character gives, after the value's path. */
export const NUL_CHARACTER_MESSAGE = "must not contain a NUL character (U+0000)";

/** What a NUL character or a lone surrogate becomes in output that must be stored. */
export const UNSTORABLE_REPLACEMENT = "\uFFFD";

const NUL = "\u0000";
// A surrogate half without its partner (the same test as plugins/channel-socketio/client-value.ts).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");

/** Why a string cannot be stored as it is. */
export type UnstorableKind = "nul" | "lone_surrogate";

/** One string or key that cannot be stored: its JSON Pointer, what is wrong, and the message saying so. */
export interface UnstorableText {
  readonly pointer: string;
  readonly kind: UnstorableKind;
  readonly message: string;
}

/**
 * Whether `text` cannot be stored as it is. `isWellFormed()` is native and answers at once for text without
 * characters above U+00FF (V8 keeps such text one byte per character), so this costs little on every string.
 */
export function isUnstorableText(text: string): boolean {
  return text.includes(NUL) || !text.isWellFormed();
}

/** The message refusing a lone surrogate: which half (escaped, so the message itself is well-formed) and where. */
export function loneSurrogateMessage(text: string): string {
  const match = LONE_SURROGATE.exec(text);
  const half = match ? `\\u${match[0].charCodeAt(0).toString(16)}` : "a surrogate half";
  return `must not contain a lone UTF-16 surrogate (${half} at offset ${match?.index ?? 0}); send well-formed Unicode`;
}

/** What is wrong with `text` (NUL first), or null when it can be stored. */
function problemOf(text: string): { kind: UnstorableKind; message: string } | null {
  if (text.includes(NUL)) return { kind: "nul", message: NUL_CHARACTER_MESSAGE };
  if (!text.isWellFormed()) return { kind: "lone_surrogate", message: loneSurrogateMessage(text) };
  return null;
}

/**
 * Whether `value` holds a NUL or a lone surrogate in any string or key. Iterative (a request body may nest arrays
 * thousands deep) and allocation-light (it runs on every tool call).
 */
export function containsUnstorableText(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node === "string") {
      if (isUnstorableText(node)) return true;
    } else if (Array.isArray(node)) {
      for (const item of node) pending.push(item);
    } else if (node !== null && typeof node === "object") {
      const record = node as Record<string, unknown>;
      for (const key in record) {
        if (!Object.hasOwn(record, key)) continue;
        if (isUnstorableText(key)) return true;
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
 * The strings and object keys in `value` that cannot be stored (a NUL or a lone surrogate), at most `limit` of them,
 * in document order, each with its JSON Pointer (`/items/0/name`); empty when there are none. A key's own pointer
 * names it (`/bad<NUL>key`). One iterative walk over a clean value; the pointers are built only when it finds one.
 */
export function unstorableTextIn(value: unknown, limit = 10): UnstorableText[] {
  if (!containsUnstorableText(value)) return [];
  const found: UnstorableText[] = [];
  const note = (pointer: string, text: string) => {
    const problem = problemOf(text);
    if (problem && found.length < limit) found.push({ pointer, ...problem });
  };
  // Each entry: a value, its pointer, and the key that leads to it (checked when it is reached, so in document order).
  const pending: [unknown, string, string | null][] = [[value, "", null]];
  while (pending.length > 0 && found.length < limit) {
    const [node, pointer, key] = pending.pop()!;
    if (key !== null) note(pointer, key);
    if (typeof node === "string") {
      note(pointer, node);
      continue;
    }
    if (node === null || typeof node !== "object") continue;
    const children: [unknown, string, string | null][] = Array.isArray(node)
      ? node.map((item, index) => [item, `${pointer}/${index}`, null])
      : Object.entries(node as Record<string, unknown>).map(([k, item]) => [item, `${pointer}/${pointerSegment(k)}`, k]);
    // Reversed, so the stack yields children in document order.
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]!);
  }
  return found;
}

/** How deep replaceUnstorableText descends; such text nested deeper is left for the store to refuse. */
const MAX_REPLACE_DEPTH = 512;

/** What replaceUnstorableText gives back: the value, and how many NULs and lone surrogates it replaced. */
export interface ReplacedText<T> {
  readonly value: T;
  /** NULs plus lone surrogates replaced; 0: `value` is the value given. */
  readonly replaced: number;
  readonly nul: number;
  readonly loneSurrogates: number;
}

/** `value` with every NUL and lone surrogate in its strings and keys replaced by U+FFFD, and how many were replaced. */
export function replaceUnstorableText<T>(value: T): ReplacedText<T> {
  if (!containsUnstorableText(value)) return { value, replaced: 0, nul: 0, loneSurrogates: 0 };
  let nul = 0;
  let loneSurrogates = 0;
  const clean = (text: string): string => {
    if (!isUnstorableText(text)) return text;
    let result = text;
    if (result.includes(NUL)) {
      const parts = result.split(NUL);
      nul += parts.length - 1;
      result = parts.join(UNSTORABLE_REPLACEMENT);
    }
    if (!result.isWellFormed()) {
      loneSurrogates += result.match(LONE_SURROGATES)?.length ?? 0;
      result = result.toWellFormed();
    }
    return result;
  };
  // Containers are copied only on the way to a replaced string, so an output without such text is returned as it is.
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
  return { value: result, replaced: nul + loneSurrogates, nul, loneSurrogates };
}
