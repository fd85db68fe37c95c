/**
 * Values a client sent, as the channel checks and repeats them. Error replies quote the bad value so the client sees
 * what was wrong, but never in full: a reply must not be larger than the request (a 100 KB room name came back twice)
 * nor walk a value that could overflow the stack.
 */

/** Characters of a client's text quoted in a reply. */
const SHOWN_CHARS = 80;

// C0 and C1 controls and DEL: unreadable in logs and Redis channel names.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
// A surrogate half without its partner is no character at all (it cannot be encoded as UTF-8).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `text` holds a control character or a lone surrogate half, which no room or stream name may. */
export function hasUnprintable(text: string): boolean {
  return CONTROL_CHARS.test(text) || LONE_SURROGATE.test(text);
}

/** `value` as a reply may carry it back: text cut to SHOWN_CHARS (with "…"), arrays and objects named, not copied. */
export function shortened(value: unknown): unknown {
  if (typeof value === "string") return value.length > SHOWN_CHARS ? `${value.slice(0, SHOWN_CHARS)}…` : value;
  if (Array.isArray(value)) return `(an array of ${value.length})`;
  if (value !== null && typeof value === "object") return "(an object)";
  return value === undefined || typeof value === "function" ? `(${typeof value})` : value;
}

/** `value` quoted for a message: strings in JSON quotes, numbers as written by JavaScript (Infinity, not null). */
export function quoted(value: unknown): string {
  const short = shortened(value);
  return typeof short === "string" && typeof value === "string" ? JSON.stringify(short) : String(short);
}
