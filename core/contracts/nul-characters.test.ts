import { describe, expect, it } from "vitest";
import { nestedArrays as nested } from "../../test/support/nested-value.js";
import { NUL_REPLACEMENT, containsNul, nulCharacterPaths, replaceNulCharacters } from "./nul-characters.js";

describe("nulCharacterPaths", () => {
  it("names every string and key holding a NUL by its JSON Pointer, escaping / and ~", () => {
    const value = { ok: "fine", name: "a\u0000b", list: ["x", "\u0000", { "a/b~c": "y\u0000" }], ["k\u0000ey"]: 1, n: 5, none: null };
    expect(nulCharacterPaths(value)).toEqual(["/name", "/list/1", "/list/2/a~1b~0c", "/k\u0000ey"]);
  });

  it("answers [] for clean values and non-objects, the root pointer for a bare string, and stops at the limit", () => {
    expect(nulCharacterPaths({ a: ["b", { c: "d" }], e: 1, f: true })).toEqual([]);
    expect(nulCharacterPaths(undefined)).toEqual([]);
    expect(nulCharacterPaths(42)).toEqual([]);
    expect(nulCharacterPaths("\u0000")).toEqual([""]);
    expect(nulCharacterPaths(Array.from({ length: 50 }, () => "\u0000"), 3)).toEqual(["/0", "/1", "/2"]);
  });
});

describe("containsNul", () => {
  it("finds a NUL in nested strings and keys, and only own properties count", () => {
    expect(containsNul({ a: [1, { b: "ok" }] })).toBe(false);
    expect(containsNul({ a: [1, { b: "o\u0000k" }] })).toBe(true);
    expect(containsNul({ ["\u0000"]: 1 })).toBe(true);
    expect(containsNul(Object.create({ inherited: "\u0000" }))).toBe(false);
    expect(containsNul(null)).toBe(false);
  });
});

describe("walking a value nested 100,000 deep (a hostile body) never exhausts the stack", () => {
  it("finds the NUL, its pointer and the depth, and replace stops descending at its bound instead of throwing", () => {
    const deep = nested(100_000, "a\u0000b");
    expect(containsNul(deep)).toBe(true);
    expect(nulCharacterPaths(deep)[0]).toBe("/0".repeat(100_000));
    expect(replaceNulCharacters(deep)).toEqual({ value: deep, replaced: 0 });
    expect(replaceNulCharacters(nested(100, "\u0000")).replaced).toBe(1);
  });
});

describe("replaceNulCharacters", () => {
  it("returns a clean value itself, untouched, with 0 replaced", () => {
    const value = { a: ["b", { c: "d" }], e: 1 };
    const result = replaceNulCharacters(value);
    expect(result.value).toBe(value);
    expect(result.replaced).toBe(0);
  });

  it("replaces each NUL in strings and keys with U+FFFD, counts them, and leaves the input as it was", () => {
    const value = { out: "a\u0000b\u0000", nested: [{ "k\u0000": "v" }, "plain"], keep: { same: "yes" }, already: NUL_REPLACEMENT };
    const result = replaceNulCharacters(value);
    expect(result.replaced).toBe(3);
    expect(result.value).toEqual({ out: "a\uFFFDb\uFFFD", nested: [{ "k\uFFFD": "v" }, "plain"], keep: { same: "yes" }, already: "\uFFFD" });
    // Untouched branches are shared, not copied; the input keeps its NULs.
    expect(result.value.keep).toBe(value.keep);
    expect(value.out).toBe("a\u0000b\u0000");
    expect(JSON.stringify(result.value)).not.toContain("\\u0000");
  });

  it("handles a bare string and an array at the root", () => {
    expect(replaceNulCharacters("\u0000\u0000")).toEqual({ value: "\uFFFD\uFFFD", replaced: 2 });
    expect(replaceNulCharacters(["a", "b\u0000"])).toEqual({ value: ["a", "b\uFFFD"], replaced: 1 });
  });
});
