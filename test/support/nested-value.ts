/**
 * Values nested arbitrarily deep, for tests of the depth bound and of walks that must not recurse. Built in a loop:
 * a recursive builder would overflow the stack at the depths these tests need.
 */

/** `[[[...leaf...]]]`, `depth` arrays deep. */
export function nestedArrays(depth: number, leaf: unknown = "leaf"): unknown {
  let node = leaf;
  for (let i = 0; i < depth; i++) node = [node];
  return node;
}

/** `{ next: { next: ... leaf } }`, `depth` objects deep. */
export function nestedObjects(depth: number, leaf: unknown = "leaf"): unknown {
  let node = leaf;
  for (let i = 0; i < depth; i++) node = { next: node };
  return node;
}
