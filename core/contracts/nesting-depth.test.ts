import { describe, expect, it } from "vitest";
import { nestedArrays as nested } from "../../test/support/nested-value.js";
import { MAX_VALUE_DEPTH, TOO_DEEP_MESSAGE, isTooDeep, nestingDepth } from "./nesting-depth.js";

describe("nestingDepth", () => {
  it("counts arrays and objects alike, a scalar as 0, and the deepest branch", () => {
    expect(nestingDepth("scalar")).toBe(0);
    expect(nestingDepth(null)).toBe(0);
    expect(nestingDepth(nested(3, 1))).toBe(3);
    expect(nestingDepth({ a: 1, b: { c: [{ d: [] }] }, e: [] })).toBe(5);
  });

  it("stops counting one past the limit, without recursion, however deep the value", () => {
    const deep = nested(100_000, "x");
    expect(nestingDepth(deep, 10)).toBe(11);
    expect(nestingDepth(deep)).toBe(MAX_VALUE_DEPTH + 1);
  });

  it("accepts exactly MAX_VALUE_DEPTH levels and refuses one more", () => {
    expect(isTooDeep(nested(MAX_VALUE_DEPTH, "x"))).toBe(false);
    expect(isTooDeep(nested(MAX_VALUE_DEPTH + 1, "x"))).toBe(true);
    expect(TOO_DEEP_MESSAGE).toBe(`nests arrays and objects more than ${MAX_VALUE_DEPTH} levels deep`);
  });
});
