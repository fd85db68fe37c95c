import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { ArkError, errorMessage } from "../errors/index.js";
import type { JSONSchema } from "../contracts/json-schema.js";
import { unstorableTextIn } from "../contracts/unstorable-text.js";
import {
  pluginConfigSchema,
  rootConfigSchema,
  type CoreSectionSchemas,
  type PluginSectionSchema,
} from "./build-config-schema.js";
import { formatConfigPath, sortConfigIssues, type ConfigIssue, type ConfigPath } from "./config-issue.js";
import type { ConfigSource } from "./config-source.js";
import { deepFreeze } from "./deep-freeze.js";
import { describeSchemaErrors, pointerToPath, type SchemaProblem } from "./schema-errors.js";

/** What validateConfig returns: the config with defaults (frozen), and every problem found. */
export interface ConfigValidation {
  readonly config: Readonly<Record<string, unknown>>;
  readonly issues: ConfigIssue[];
}

/**
 * Validates the whole config at once: core sections and plugin entries against the root schema, then each listed
 * plugin's `config:` against its own schema (paths prefixed `plugins[i].config`). Defaults are applied to a copy.
 */
export function validateConfig(
  source: ConfigSource,
  sections: CoreSectionSchemas,
  plugins: readonly PluginSectionSchema[],
): ConfigValidation {
  const data = withoutEmptySections(structuredClone(source.value) as Record<string, unknown>);
  const problems: SchemaProblem[] = [];
  const rootSchema = rootConfigSchema(sections);
  const root = compileOrThrow(rootSchema);
  if (!root(data)) problems.push(...describeSchemaErrors(root.errors ?? [], data, [], rootSchema));
  for (const plugin of plugins) problems.push(...validatePluginSection(data, plugin));
  // No store, path or header can hold a NUL (YAML writes one as "\0") or a lone surrogate ("\ud800"): refused here.
  for (const { pointer, message } of unstorableTextIn(data)) problems.push({ path: pointerToPath(pointer, data), message });
  const issues = problems.map((problem) => positioned(source, problem));
  return { config: deepFreeze(data), issues: sortConfigIssues(issues) };
}

/**
 * `store:` or `config:` with every child commented out reads as null in YAML; treat it as absent (so defaults apply)
 * rather than reporting "must be object" for what the operator sees as an empty section.
 */
function withoutEmptySections(data: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(data)) if (value === null) delete data[key];
  if (Array.isArray(data.plugins)) {
    for (const entry of data.plugins) if (isPlainObject(entry) && entry.config === null) delete entry.config;
  }
  return data;
}

function validatePluginSection(data: Record<string, unknown>, plugin: PluginSectionSchema): SchemaProblem[] {
  const entries = data.plugins;
  const entry: unknown = Array.isArray(entries) ? entries[plugin.index] : undefined;
  if (!isPlainObject(entry) || entry.enabled === false) return [];
  const config = entry.config ?? {};
  if (!isPlainObject(config)) return []; // the entry schema already reported "must be object"
  entry.config = config;
  const prefix: ConfigPath = ["plugins", plugin.index, "config"];
  let validate: ValidateFunction;
  let schema: JSONSchema;
  try {
    schema = pluginConfigSchema(plugin);
    validate = compileCached(schema);
  } catch (cause) {
    return [{ path: ["plugins", plugin.index], message: `plugin '${plugin.id}' declares an invalid configSchema (${errorMessage(cause)}); fix the plugin or update it` }];
  }
  return validate(config) ? [] : describeSchemaErrors(validate.errors ?? [], config, prefix, schema);
}

function compileOrThrow(schema: JSONSchema): ValidateFunction {
  try {
    return compileCached(schema);
  } catch (cause) {
    throw new ArkError("ARK_INTERNAL", `A core config section schema does not compile: ${errorMessage(cause)}`, { cause });
  }
}

const compiled = new Map<string, ValidateFunction>();
const MAX_CACHED = 1000;
let shared: Ajv | null = null;

/**
 * Compiles each distinct schema once per process: a boot must stay well under a millisecond per plugin, and creating
 * an ajv with formats costs several. Schemas without `$id` share one ajv; a schema with an `$id` gets an ajv of its
 * own, since two plugins may reuse an id and one ajv refuses a second schema under it. No type coercion (a quoted
 * "8080" stays a string); defaults on; unknown keywords such as `x-ark-secret` and `description` are allowed.
 */
function compileCached(schema: JSONSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  const hit = compiled.get(key);
  if (hit) return hit;
  const ajv = key.includes('"$id"') ? createConfigAjv() : (shared ??= createConfigAjv());
  const validate = ajv.compile(schema as object);
  if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, validate);
  return validate;
}

function createConfigAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    strict: false,
    coerceTypes: false,
    logger: false,
    // A config is validated once per boot: cheap compilation matters more than the fastest generated code.
    code: { optimize: false },
  });
  addFormats.default(ajv);
  return ajv;
}

function positioned(source: ConfigSource, problem: SchemaProblem): ConfigIssue {
  const position = source.positionOf(problem.path);
  return {
    file: source.displayPath,
    line: position?.line ?? null,
    col: position?.col ?? null,
    path: formatConfigPath(problem.path),
    message: problem.message,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
