import type { JSONSchema } from "../contracts/json-schema.js";

/** An OpenAPI 3.0 Schema Object (loose on purpose, like JSONSchema). */
export type OpenApiSchema = Record<string, unknown>;

/** Keywords OpenAPI 3.0 does not know; dropped (their meaning is kept where another keyword can carry it). */
const DROPPED = new Set(["$schema", "$id", "$comment", "const", "examples", "if", "then", "else", "contains", "propertyNames",
  "dependencies", "dependentRequired", "dependentSchemas", "patternProperties", "unevaluatedProperties", "definitions", "$defs",
  "x-ark-secret", "x-ark-internal"]);
/** Keywords whose value is a schema. */
const SUBSCHEMA = new Set(["items", "not", "additionalProperties"]);
/** Keywords whose value is a list of schemas. */
const SUBSCHEMA_LISTS = new Set(["allOf", "anyOf", "oneOf"]);

/** `type: ["string", "null"]` → `type: "string", nullable: true`; several non-null types → anyOf. */
function convertType(types: readonly unknown[], rest: OpenApiSchema): OpenApiSchema {
  const nonNull = types.filter((t) => t !== "null").map(String);
  const nullable = nonNull.length !== types.length ? { nullable: true } : {};
  if (nonNull.length === 1) return { ...rest, type: nonNull[0], ...nullable };
  if (nonNull.length === 0) return { ...rest, nullable: true };
  return { ...rest, anyOf: nonNull.map((type) => ({ type })), ...nullable };
}

/**
 * Converts a route's JSON Schema (draft-07) to an OpenAPI 3.0 Schema Object: type arrays become `nullable`/`anyOf`,
 * `const` becomes a one-value `enum`, `examples` the first `example`, and keywords 3.0 lacks are dropped.
 */
export function toOpenApiSchema(schema: JSONSchema): OpenApiSchema {
  if (schema === true) return {};
  if (schema === false) return { not: {} };
  const out: OpenApiSchema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === "const") out.enum = [value];
    else if (keyword === "examples" && Array.isArray(value) && value.length > 0) out.example = value[0];
    else if (DROPPED.has(keyword)) continue;
    else if (keyword === "properties" && value && typeof value === "object") {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, toOpenApiSchema(sub as JSONSchema)]));
    } else if (SUBSCHEMA.has(keyword) && (typeof value === "object" || typeof value === "boolean") && !Array.isArray(value)) {
      out[keyword] = typeof value === "boolean" && keyword === "additionalProperties" ? value : toOpenApiSchema(value as JSONSchema);
    } else if (SUBSCHEMA_LISTS.has(keyword) && Array.isArray(value)) {
      out[keyword] = value.map((sub) => toOpenApiSchema(sub as JSONSchema));
    } else out[keyword] = value;
  }
  if (Array.isArray(out.type)) {
    const { type, ...rest } = out;
    return convertType(type as unknown[], rest);
  }
  if (out.type === "null") {
    const { type: _null, ...rest } = out;
    return { ...rest, nullable: true };
  }
  return out;
}
