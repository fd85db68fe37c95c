import { describe, expect, it } from "vitest";
import { nestedArrays as nested, nestedObjects } from "../../test/support/nested-value.js";
import {
  NUL_CHARACTER_MESSAGE,
  UNSTORABLE_REPLACEMENT,
  containsUnstorableText,
  isUnstorableText,
  replaceUnstorableText,
  unstorableTextIn,
} from "./unstorable-text.js";

const pointers = (value: unknown, limit?: number) => unstorableTextIn(value, limit).map((found) => found.pointer);

describe("unstorableTextIn: NUL characters", () => {
  it("names every string and key holding a NUL by its JSON Pointer, escaping / and ~", () => {
    const value = { ok: "fine", name: "a\u0000b", list: ["x", "\u0000", { "a/b~c": "y\u0000" }], ["k\u0000ey"]: 1, n: 5, none: null };
    expect(pointers(value)).toEqual(["/name", "/list/1", "/list/2/a~1b~0c", "/k\u0000ey"]);
    expect(unstorableTextIn(value)[0]).toEqual({ pointer: "/name", kind: "nul", message: NUL_CHARACTER_MESSAGE });
  });

  it("answers [] for clean values and non-objects, the root pointer for a bare string, and stops at the limit", () => {
    expect(pointers({ a: ["b", { c: "d" }], e: 1, f: true })).toEqual([]);
    expect(pointers(undefined)).toEqual([]);
    expect(pointers(42)).toEqual([]);
    expect(pointers("\u0000")).toEqual([""]);
    expect(pointers(Array.from({ length: 50 }, () => "\u0000"), 3)).toEqual(["/0", "/1", "/2"]);
  });
});

describe("unstorableTextIn: lone UTF-16 surrogates", () => {
  const only = (text: string) => unstorableTextIn({ text });

  it("refuses a lone high surrogate, saying which half and where", () => {
    expect(only("ab\uD800cd")).toEqual([
      { pointer: "/text", kind: "lone_surrogate", message: "must not contain a lone UTF-16 surrogate (\\ud800 at offset 2); send well-formed Unicode" },
    ]);
  });

  it("refuses a lone low surrogate", () => {
    expect(only("\uDC00x")[0]?.message).toBe("must not contain a lone UTF-16 surrogate (\\udc00 at offset 0); send well-formed Unicode");
  });

  it("refuses a high surrogate at the end of the string", () => {
    expect(only("emoji cut in half \uD83D")[0]?.message).toContain("(\\ud83d at offset 18)");
  });

  it("refuses a reversed pair (low before high): both halves are alone, the first is named", () => {
    expect(only("\uDE00\uD83D")[0]?.message).toContain("(\\ude00 at offset 0)");
  });

  it("accepts well-formed pairs (emoji) and text without surrogates", () => {
    expect(unstorableTextIn({ text: "smile \uD83D\uDE00 ok 😀 é ü 中文", ["😀"]: ["\uD83D\uDE00"] })).toEqual([]);
    expect(isUnstorableText("😀")).toBe(false);
    expect(isUnstorableText("plain")).toBe(false);
  });

  it("refuses a surrogate in an object key, naming the key's own pointer", () => {
    expect(unstorableTextIn({ ok: 1, ["k\uD800"]: "v" })).toEqual([
      { pointer: "/k\uD800", kind: "lone_surrogate", message: "must not contain a lone UTF-16 surrogate (\\ud800 at offset 1); send well-formed Unicode" },
    ]);
  });

  it("reports NULs and surrogates together in document order, a text with both once (as NUL)", () => {
    expect(unstorableTextIn(["\uD800", "a\u0000", "\u0000\uDC00"]).map((f) => [f.pointer, f.kind])).toEqual([
      ["/0", "lone_surrogate"],
      ["/1", "nul"],
      ["/2", "nul"],
    ]);
  });

  it("the message itself is well-formed text (the half is escaped)", () => {
    expect(isUnstorableText(only("\uD800")[0]!.message)).toBe(false);
  });
});

describe("containsUnstorableText", () => {
  it("finds a NUL or a lone surrogate in nested strings and keys, and only own properties count", () => {
    expect(containsUnstorableText({ a: [1, { b: "ok 😀" }] })).toBe(false);
    expect(containsUnstorableText({ a: [1, { b: "o\u0000k" }] })).toBe(true);
    expect(containsUnstorableText({ a: [1, { b: "o\uD800k" }] })).toBe(true);
    expect(containsUnstorableText({ ["\u0000"]: 1 })).toBe(true);
    expect(containsUnstorableText({ ["\uDFFF"]: 1 })).toBe(true);
    expect(containsUnstorableText(Object.create({ inherited: "\u0000\uD800" }))).toBe(false);
    expect(containsUnstorableText(null)).toBe(false);
  });
});

describe("walking a value nested 100,000 deep (a hostile body) never exhausts the stack", () => {
  it("finds the NUL, its pointer and the depth, and replace stops descending at its bound instead of throwing", () => {
    const deep = nested(100_000, "a\u0000b");
    expect(containsUnstorableText(deep)).toBe(true);
    expect(pointers(deep)[0]).toBe("/0".repeat(100_000));
    expect(replaceUnstorableText(deep)).toEqual({ value: deep, replaced: 0, nul: 0, loneSurrogates: 0 });
    expect(replaceUnstorableText(nested(100, "\u0000")).replaced).toBe(1);
  });

  it("finds a lone surrogate 100,000 objects deep, in a key or a value", () => {
    expect(pointers(nestedObjects(100_000, "\uD800"))[0]).toBe("/next".repeat(100_000));
    expect(pointers(nestedObjects(100_000, { ["\uDC00"]: 1 }))[0]).toBe(`${"/next".repeat(100_000)}/\uDC00`);
    expect(replaceUnstorableText(nested(100, "\uD800")).loneSurrogates).toBe(1);
  });
});

describe("replaceUnstorableText", () => {
  it("returns a clean value itself, untouched, with 0 replaced", () => {
    const value = { a: ["b", { c: "d 😀" }], e: 1 };
    const result = replaceUnstorableText(value);
    expect(result.value).toBe(value);
    expect(result.replaced).toBe(0);
  });

  it("replaces each NUL in strings and keys with U+FFFD, counts them, and leaves the input as it was", () => {
    const value = { out: "a\u0000b\u0000", nested: [{ "k\u0000": "v" }, "plain"], keep: { same: "yes" }, already: UNSTORABLE_REPLACEMENT };
    const result = replaceUnstorableText(value);
    expect([result.replaced, result.nul, result.loneSurrogates]).toEqual([3, 3, 0]);
    expect(result.value).toEqual({ out: "a\uFFFDb\uFFFD", nested: [{ "k\uFFFD": "v" }, "plain"], keep: { same: "yes" }, already: "\uFFFD" });
    // Untouched branches are shared, not copied; the input keeps its NULs.
    expect(result.value.keep).toBe(value.keep);
    expect(value.out).toBe("a\u0000b\u0000");
    expect(JSON.stringify(result.value)).not.toContain("\\u0000");
  });

  it("replaces each lone surrogate (in keys too) with U+FFFD, keeps well-formed pairs, and counts them apart from NULs", () => {
    const result = replaceUnstorableText({ out: "\uD800x\uDC00 😀 \u0000", ["k\uDBFF"]: "\uDE00\uD83D" });
    expect(result.value).toEqual({ out: "\uFFFDx\uFFFD 😀 \uFFFD", ["k\uFFFD"]: "\uFFFD\uFFFD" });
    expect([result.replaced, result.nul, result.loneSurrogates]).toEqual([6, 1, 5]);
    expect(containsUnstorableText(result.value)).toBe(false);
  });

  it("handles a bare string and an array at the root", () => {
    expect(replaceUnstorableText("\u0000\u0000")).toEqual({ value: "\uFFFD\uFFFD", replaced: 2, nul: 2, loneSurrogates: 0 });
    expect(replaceUnstorableText(["a", "b\u0000"])).toEqual({ value: ["a", "b\uFFFD"], replaced: 1, nul: 1, loneSurrogates: 0 });
    expect(replaceUnstorableText("\uD800")).toEqual({ value: "\uFFFD", replaced: 1, nul: 0, loneSurrogates: 1 });
  });
});
