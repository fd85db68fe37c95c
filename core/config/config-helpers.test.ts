import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { closeObjectSchemas } from "./closed-schema.js";
import { deepFreeze } from "./index.js";
import { didYouMean, levenshtein } from "./did-you-mean.js";
import { expandString } from "./interpolate.js";

describe("expandString", () => {
  it("leaves text without expressions unchanged and round-trips escaped text", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const plain = text.replaceAll("$", "");
        expect(expandString(plain, {}).value).toBe(plain);
        const escaped = text.replaceAll("${", "$${");
        // escaping every ${ yields the original text back (no expressions left to expand)
        if (!text.includes("$$")) expect(expandString(escaped, {}).value).toBe(text);
      }),
    );
  });

  it("marks only a lone expression as whole", () => {
    expect(expandString("${A}", { A: "1" })).toMatchObject({ value: "1", wholeExpression: true });
    expect(expandString("${A:-x}", {})).toMatchObject({ value: "x", wholeExpression: true });
    expect(expandString("${A}${A}", { A: "1" })).toMatchObject({ value: "11", wholeExpression: false });
    expect(expandString(" ${A}", { A: "1" })).toMatchObject({ value: " 1", wholeExpression: false });
    expect(expandString("${A:-}", {})).toMatchObject({ value: "", problems: [] });
  });
});

describe("didYouMean", () => {
  it("suggests close keys and prefixes, not distant or tiny ones", () => {
    expect(levenshtein("kitten", "sitting")).toBe(3);
    expect(didYouMean("logLvel", ["logLevel", "pluginTimeoutMs"])).toBe("logLevel");
    expect(didYouMean("pluginTimeout", ["logLevel", "pluginTimeoutMs"])).toBe("pluginTimeoutMs");
    expect(didYouMean("LOGLEVEL", ["logLevel"])).toBe("logLevel");
    expect(didYouMean("x", ["id"])).toBeNull();
    expect(didYouMean("database", ["store", "kernel"])).toBeNull();
  });
});

describe("closeObjectSchemas", () => {
  it("closes listed objects, leaves free-form maps, explicit choices and mixins open", () => {
    const closed = closeObjectSchemas({
      type: "object",
      properties: {
        a: { type: "object", properties: { b: { type: "string" } } },
        free: { type: "object" },
        open: { type: "object", properties: { x: {} }, additionalProperties: true },
        mixed: { type: "object", properties: { x: {} }, allOf: [{ properties: { y: {} } }] },
        union: { oneOf: [{ type: "object", properties: { k: { const: 1 } } }] },
      },
    }) as { additionalProperties: unknown; properties: Record<string, Record<string, unknown>> };
    expect(closed.additionalProperties).toBe(false);
    expect(closed.properties.a!.additionalProperties).toBe(false);
    expect(closed.properties.free).not.toHaveProperty("additionalProperties");
    expect(closed.properties.open!.additionalProperties).toBe(true);
    expect(closed.properties.mixed).not.toHaveProperty("additionalProperties");
    expect((closed.properties.mixed!.allOf as object[])[0]).not.toHaveProperty("additionalProperties");
    expect((closed.properties.union!.oneOf as object[])[0]).toHaveProperty("additionalProperties", false);
    expect(closeObjectSchemas(true)).toBe(true);
  });
});

describe("deepFreeze", () => {
  it("freezes nested objects and arrays, tolerates cycles and typed arrays", () => {
    const value: Record<string, unknown> = { a: { b: [1, { c: 2 }] }, bytes: new Uint8Array([1]) };
    value.self = value;
    expect(deepFreeze(value)).toBe(value);
    expect(Object.isFrozen((value.a as { b: object[] }).b[1])).toBe(true);
    expect(Object.isFrozen(value.bytes)).toBe(false);
  });
});
