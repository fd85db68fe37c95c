import type { JSONSchema } from "../contracts/json-schema.js";
import { closeObjectSchemas } from "./closed-schema.js";
import { kernelSectionSchema, pluginEntrySchema } from "./section-schemas.js";

/** Schema of one listed plugin's `config:` section; `index` is its position in the `plugins:` array. */
export interface PluginSectionSchema {
  readonly index: number;
  readonly id: string;
  readonly schema?: JSONSchema;
}

/** Top-level sections owned by core modules, e.g. { kernel: kernelSectionSchema, store: storeSchema }. */
export type CoreSectionSchemas = Readonly<Record<string, JSONSchema>>;

type SchemaObject = Record<string, unknown>;

/** A plugin that declares no config schema takes no config: any key in its section is reported as unknown. */
const NO_CONFIG_SCHEMA: JSONSchema = { type: "object", properties: {} };

/**
 * The stitched JSON Schema of the whole file (draft-07): core sections + `plugins` array whose entries get the
 * matching plugin's config schema via if/then on `id`. Entries without `id` get only the entry shape.
 */
export function buildConfigSchema(sections: CoreSectionSchemas, plugins: readonly PluginSectionSchema[]): JSONSchema {
  const root = rootConfigSchema(sections) as SchemaObject;
  const properties = root.properties as SchemaObject;
  const pluginsSchema = properties.plugins as SchemaObject;
  const entry = pluginsSchema.items as SchemaObject;
  const byId = new Map(plugins.map((plugin) => [plugin.id, plugin]));
  const branches = [...byId.values()].map((plugin) => ({
    if: { properties: { id: { const: plugin.id } }, required: ["id"] },
    then: { properties: { config: pluginConfigSchema(plugin) } },
  }));
  const items = branches.length === 0 ? entry : { ...entry, allOf: branches };
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "ARK runtime config (runtime.config.yaml)",
    ...root,
    properties: { ...properties, plugins: { ...pluginsSchema, items } },
  };
}

/** The root schema validateConfig checks: core sections (kernel included) + plugin entries, closed. */
export function rootConfigSchema(sections: CoreSectionSchemas): JSONSchema {
  const all: Record<string, JSONSchema> = { kernel: kernelSectionSchema, ...sections };
  const properties: SchemaObject = {};
  for (const [name, schema] of Object.entries(all)) properties[name] = withSectionDefault(embeddable(schema, `sections/${name}`));
  properties.plugins = {
    type: "array",
    description: "Plugins to load, in order.",
    default: [],
    items: embeddable(pluginEntrySchema, "plugin-entry"),
  };
  return { type: "object", properties, additionalProperties: false };
}

/** The closed schema a plugin's `config:` section is validated against. */
export function pluginConfigSchema(plugin: PluginSectionSchema): JSONSchema {
  return embeddable(plugin.schema ?? NO_CONFIG_SCHEMA, `plugins/${plugin.id}`);
}

/**
 * Prepares a module's schema for use inside the stitched document: closed objects, no nested `$schema` (draft-07
 * allows it only at the root), and an `$id` when it uses local `#/...` refs so they keep resolving against itself.
 */
function embeddable(schema: JSONSchema, name: string): JSONSchema {
  const closed = closeObjectSchemas(schema);
  if (typeof closed === "boolean") return closed;
  const { $schema: _dropped, ...rest } = closed as SchemaObject;
  if (!("$id" in rest) && usesLocalRef(rest)) rest.$id = `urn:ark:config:${name.replace(/[^A-Za-z0-9-]/g, ":")}`;
  return rest;
}

/** An absent object section validates as `{}`, so its defaults are applied (unless the section has required keys). */
function withSectionDefault(schema: JSONSchema): JSONSchema {
  if (typeof schema === "boolean" || "default" in schema || schema.type !== "object") return schema;
  const required = schema.required;
  return Array.isArray(required) && required.length > 0 ? schema : { ...schema, default: {} };
}

function usesLocalRef(node: unknown): boolean {
  if (typeof node !== "object" || node === null) return false;
  if (Array.isArray(node)) return node.some(usesLocalRef);
  return Object.entries(node).some(([key, value]) => (key === "$ref" && typeof value === "string" && value.startsWith("#")) || usesLocalRef(value));
}
