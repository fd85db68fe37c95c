/**
 * Writing a large batch in parts, pipelined: every part's statement is issued at once, the store sends each the moment
 * the previous one replied (before the caller handles that reply), and the caller turns part k's rows into events while
 * the database writes part k + 1 — instead of the database idling while the whole batch's events are drafted. Only for
 * statements whose parts are independent of each other; the outcome is the same as one statement.
 */

/** Rows per part: large enough that a part's statement is not mostly round trip, small enough to overlap. */
export const PIPELINED_PART = 25;

/** Splits `items` into parts of at most `size`, in order. */
export function partsOf<T>(items: readonly T[], size = PIPELINED_PART): T[][] {
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size));
  return parts;
}

/**
 * Issues `write` for every part, then hands each result to `each` in part order. The first failure is thrown (the
 * transaction is aborted, so the later parts fail too; their rejections are absorbed here).
 */
export async function writeInParts<T, R>(parts: readonly (readonly T[])[], write: (part: readonly T[]) => Promise<R>, each: (result: R, part: readonly T[]) => void): Promise<void> {
  const writes = parts.map((part) => write(part));
  for (const pending of writes) pending.catch(() => undefined);
  for (const [k, pending] of writes.entries()) each(await pending, parts[k]!);
}
