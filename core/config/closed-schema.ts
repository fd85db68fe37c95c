import type { JSONSchema } from "../contracts/json-schema.js";

type SchemaObject = Record<string, unknown>;

const SCHEMA_MAPS = ["properties", "patternProperties", "definitions", "$defs"] as const;
const SINGLE_SCHEMAS = ["additionalProperties", "additionalItems", "contains", "propertyNames"] as const;
const MIXIN_SCHEMAS = ["not", "if", "then", "else"] as const;
const ALTERNATIVES = ["anyOf", "oneOf"] as const;
const SHAPE_KEYWORDS = ["properties", "patternProperties", "additionalProperties", "$ref"] as const;

/**
 * A copy of `schema` where every object schema that lists its keys and says nothing about extra keys gets
 * `additionalProperties: false`, so a typo is an error instead of a silently ignored key.
 * Left open on purpose: free-form maps (`{type: "object"}` without properties), schemas whose keys are spread over
 * allOf/if/then/$ref (closing one part would reject the keys of the other), and allOf/if/then/else branches.
 * anyOf/oneOf branches are closed when the parent lists no keys itself (the usual discriminated union).
 */
export function closeObjectSchemas(schema: JSONSchema): JSONSchema {
  return closeNode(schema, false) as JSONSchema;
}

function closeNode(node: unknown, isMixinBranch: boolean): unknown {
  if (typeof node !== "object" || node === null || Array.isArray(node)) return node;
  const source = node as SchemaObject;
  const out: SchemaObject = { ...source };
  for (const keyword of SCHEMA_MAPS) {
    const map = source[keyword];
    if (isPlainObject(map)) out[keyword] = mapValues(map, (child) => closeNode(child, false));
  }
  for (const keyword of SINGLE_SCHEMAS) if (keyword in source) out[keyword] = closeNode(source[keyword], false);
  for (const keyword of MIXIN_SCHEMAS) if (keyword in source) out[keyword] = closeNode(source[keyword], true);
  if (Array.isArray(source.allOf)) out.allOf = source.allOf.map((branch) => closeNode(branch, true));
  const parentListsKeys = isPlainObject(source.properties) || isPlainObject(source.patternProperties);
  for (const keyword of ALTERNATIVES) {
    const branches = source[keyword];
    if (Array.isArray(branches)) out[keyword] = branches.map((branch) => closeNode(branch, parentListsKeys));
  }
  if (Array.isArray(source.items)) out.items = source.items.map((item) => closeNode(item, false));
  else if ("items" in source) out.items = closeNode(source.items, false);
  if (isPlainObject(source.dependencies)) {
    out.dependencies = mapValues(source.dependencies, (dep) => (Array.isArray(dep) ? dep : closeNode(dep, true)));
  }
  if (!isMixinBranch && shouldClose(source)) out.additionalProperties = false;
  return out;
}

function shouldClose(schema: SchemaObject): boolean {
  if ("additionalProperties" in schema || "unevaluatedProperties" in schema) return false;
  if (!isObjectType(schema)) return false;
  if (!isPlainObject(schema.properties) && !isPlainObject(schema.patternProperties)) return false;
  if ("$ref" in schema) return false;
  const composed = [...asArray(schema.allOf), ...asArray(schema.anyOf), ...asArray(schema.oneOf), schema.if, schema.then, schema.else];
  return !composed.some(declaresKeys);
}

function isObjectType(schema: SchemaObject): boolean {
  const type = schema.type;
  if (type === undefined) return isPlainObject(schema.properties);
  return type === "object" || (Array.isArray(type) && type.includes("object"));
}

function declaresKeys(branch: unknown): boolean {
  return isPlainObject(branch) && SHAPE_KEYWORDS.some((keyword) => keyword in branch);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isPlainObject(value: unknown): value is SchemaObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function mapValues(map: SchemaObject, fn: (value: unknown) => unknown): SchemaObject {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key, fn(value)]));
}
