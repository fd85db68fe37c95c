/**
 * How deeply a value ARK accepts or keeps may nest arrays and objects. Everything downstream of an API body, a tool
 * input or output, or an executor result walks it recursively somewhere: ajv, canonical JSON for idempotency digests,
 * JSON.stringify for the ledger and node runs, PostgreSQL's jsonb parser. A value nested thousands deep exhausts one
 * of those stacks (a RangeError mid-call, SQLSTATE 54001 in the store), so it is refused where it enters instead.
 */

/** The deepest nesting accepted: far beyond any ARK document, well within every walk's stack. */
export const MAX_VALUE_DEPTH = 256;

/** The message a value nested too deeply is refused with, after its path. */
export const TOO_DEEP_MESSAGE = `nests arrays and objects more than ${MAX_VALUE_DEPTH} levels deep`;

/** How deeply `value` nests arrays and objects (a scalar is 0), counting no further than `limit` + 1. Iterative. */
export function nestingDepth(value: unknown, limit: number = MAX_VALUE_DEPTH): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (node === null || typeof node !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const item of Array.isArray(node) ? node : Object.values(node as Record<string, unknown>)) pending.push([item, depth + 1]);
  }
  return deepest;
}

/** Whether `value` nests deeper than MAX_VALUE_DEPTH. */
export function isTooDeep(value: unknown): boolean {
  return nestingDepth(value, MAX_VALUE_DEPTH) > MAX_VALUE_DEPTH;
}
