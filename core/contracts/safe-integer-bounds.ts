/**
 * JSON allows any integer (`1e20` is one), but a JavaScript number is exact only up to 2^53 − 1 and ARK's ids and
 * counters are PostgreSQL `bigint`s. Validators therefore compile schemas with every `integer` bounded to the safe
 * range unless the schema gives its own bound, so an oversized id or offset is refused with its path ("must be <=
 * 9007199254740991") instead of failing in the database. The published schema stays as its author wrote it.
 */

/** Keywords whose value is one subschema. */
const SUBSCHEMA = ["additionalProperties", "items", "additionalItems", "contains", "not", "if", "then", "else", "propertyNames",
  "unevaluatedItems", "unevaluatedProperties"] as const;
/** Keywords whose value is a list of subschemas (`items` may be one too, in draft-07 tuples). */
const SUBSCHEMA_LISTS = ["allOf", "anyOf", "oneOf", "prefixItems", "items"] as const;
/** Keywords whose value maps names to subschemas. */
const SUBSCHEMA_MAPS = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"] as const;

function isIntegerSchema(schema: Record<string, unknown>): boolean {
  const type = schema.type;
  return type === "integer" || (Array.isArray(type) && type.includes("integer"));
}

/** A copy of `schema` whose integer subschemas without a bound of their own get ±Number.MAX_SAFE_INTEGER. */
export function withSafeIntegerBounds<T>(schema: T): T {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return schema;
  const source = schema as Record<string, unknown>;
  const copy: Record<string, unknown> = { ...source };
  if (isIntegerSchema(source)) {
    if (source.maximum === undefined && source.exclusiveMaximum === undefined) copy.maximum = Number.MAX_SAFE_INTEGER;
    if (source.minimum === undefined && source.exclusiveMinimum === undefined) copy.minimum = -Number.MAX_SAFE_INTEGER;
  }
  for (const key of SUBSCHEMA) {
    if (key in source && !Array.isArray(source[key])) copy[key] = withSafeIntegerBounds(source[key]);
  }
  for (const key of SUBSCHEMA_LISTS) {
    if (Array.isArray(source[key])) copy[key] = (source[key] as unknown[]).map(withSafeIntegerBounds);
  }
  for (const key of SUBSCHEMA_MAPS) {
    const map = source[key];
    if (map === null || typeof map !== "object" || Array.isArray(map)) continue;
    copy[key] = Object.fromEntries(Object.entries(map as Record<string, unknown>).map(([name, sub]) => [name, withSafeIntegerBounds(sub)]));
  }
  return copy as T;
}
