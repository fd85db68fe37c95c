import { describe, expect, it } from "vitest";
import { toOpenApiSchema } from "./openapi-schema.js";

describe("toOpenApiSchema (JSON Schema draft-07 → OpenAPI 3.0)", () => {
  it("turns type arrays into nullable / anyOf", () => {
    expect(toOpenApiSchema({ type: ["string", "null"], minLength: 1 })).toEqual({ type: "string", minLength: 1, nullable: true });
    expect(toOpenApiSchema({ type: ["string", "integer"] })).toEqual({ anyOf: [{ type: "string" }, { type: "integer" }] });
    expect(toOpenApiSchema({ type: "null" })).toEqual({ nullable: true });
  });

  it("turns const into a one-value enum and examples into example; drops keywords 3.0 lacks", () => {
    expect(toOpenApiSchema({ $schema: "x", $id: "ark://y", const: "v1", examples: ["a", "b"], if: {}, then: {}, "x-ark-secret": true })).toEqual({ enum: ["v1"], example: "a" });
  });

  it("converts nested schemas: properties, items, additionalProperties, combinators", () => {
    const out = toOpenApiSchema({
      type: "object",
      properties: { tags: { type: "array", items: { type: ["string", "null"] } }, kind: { const: "x" } },
      additionalProperties: { type: ["integer", "null"] },
      oneOf: [{ required: ["tags"] }, { const: 1 }],
    });
    expect(out).toEqual({
      type: "object",
      properties: { tags: { type: "array", items: { type: "string", nullable: true } }, kind: { enum: ["x"] } },
      additionalProperties: { type: "integer", nullable: true },
      oneOf: [{ required: ["tags"] }, { enum: [1] }],
    });
    expect(toOpenApiSchema({ type: "object", additionalProperties: false })).toEqual({ type: "object", additionalProperties: false });
  });

  it("maps boolean schemas", () => {
    expect(toOpenApiSchema(true)).toEqual({});
    expect(toOpenApiSchema(false)).toEqual({ not: {} });
  });
});
