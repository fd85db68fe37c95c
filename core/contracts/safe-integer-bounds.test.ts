import { describe, expect, it } from "vitest";
import { createContractRegistry } from "./contract-registry.js";
import { withSafeIntegerBounds } from "./safe-integer-bounds.js";

const MAX = Number.MAX_SAFE_INTEGER;

describe("withSafeIntegerBounds", () => {
  it("bounds every integer subschema without a bound of its own, wherever it sits", () => {
    const schema = {
      type: "object",
      properties: { id: { type: "integer" }, maybe: { type: ["integer", "null"] }, name: { type: "string" }, ratio: { type: "number" } },
      additionalProperties: { type: "integer" },
      $defs: { page: { type: "object", properties: { offset: { type: "integer", minimum: 0 } } } },
      anyOf: [{ properties: { list: { type: "array", items: { type: "integer", maximum: 10 } } } }],
    } as const;
    const bounded = withSafeIntegerBounds(schema) as Record<string, any>;
    expect(bounded.properties.id).toEqual({ type: "integer", maximum: MAX, minimum: -MAX });
    expect(bounded.properties.maybe).toEqual({ type: ["integer", "null"], maximum: MAX, minimum: -MAX });
    expect(bounded.properties.name).toEqual({ type: "string" });
    expect(bounded.properties.ratio).toEqual({ type: "number" });
    expect(bounded.additionalProperties).toEqual({ type: "integer", maximum: MAX, minimum: -MAX });
    // An author's own bound wins.
    expect(bounded.$defs.page.properties.offset).toEqual({ type: "integer", minimum: 0, maximum: MAX });
    expect(bounded.anyOf[0].properties.list.items).toEqual({ type: "integer", maximum: 10, minimum: -MAX });
    // The schema as written is not changed (it is what /api/docs and GET /api/tools publish).
    expect(schema.properties.id).toEqual({ type: "integer" });
  });

  it("leaves boolean schemas, non-objects and enum/const/default values alone", () => {
    expect(withSafeIntegerBounds(true)).toBe(true);
    expect(withSafeIntegerBounds(null)).toBe(null);
    const schema = { type: "string", enum: ["a"], default: "a", const: "a" };
    expect(withSafeIntegerBounds(schema)).toEqual(schema);
  });
});

describe("contract registry", () => {
  it("refuses an integer beyond the safe range with its path, and Infinity/NaN from in-process callers", () => {
    const contracts = createContractRegistry();
    contracts.register({ $id: "test.page.v1", type: "object", properties: { offset: { type: "integer", minimum: 0 }, ratio: { type: "number" } } });
    expect(contracts.check("test.page.v1", { offset: 9_007_199_254_740_991 })).toEqual({ valid: true });
    const big = contracts.check("test.page.v1", { offset: 1e20 });
    expect(big).toMatchObject({ valid: false, issues: [{ instancePath: "/offset", keyword: "maximum" }] });
    expect(contracts.check("test.page.v1", { ratio: Number.POSITIVE_INFINITY })).toMatchObject({ valid: false, issues: [{ instancePath: "/ratio" }] });
    expect(contracts.check("test.page.v1", { ratio: Number.NaN })).toMatchObject({ valid: false, issues: [{ instancePath: "/ratio" }] });
    // The registered document is the one the author wrote.
    expect(contracts.schema("test.page.v1")).toEqual({ $id: "test.page.v1", type: "object", properties: { offset: { type: "integer", minimum: 0 }, ratio: { type: "number" } } });
  });
});
