import type { JSONSchema } from "../contracts/json-schema.js";

/** What a secret is replaced with. */
export const REDACTED = "***";

type SchemaObject = Record<string, unknown>;

const SECRET_WORDS = new Set(["password", "passwd", "passphrase", "secret", "token", "credential", "credentials", "kubeconfig", "apikey"]);
const SECRET_PAIRS = new Set(["api key", "private key", "secret key", "access key"]);
/** scheme://user:PASSWORD@host — greedy up to the last @ before the path, so a raw @ in the password is covered. */
const URL_PASSWORD = /([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/\s:@]*:)([^/\s]*)@/g;

/**
 * True for keys that name a secret: the last word is password/secret/token/credentials/kubeconfig/apiKey
 * (`dbPassword`, `access_token`, `API_KEY`), or it ends in "api key"/"private key"/... . `maxTokens` is not a secret.
 */
export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[\s_\-.]+/)
    .map((word) => word.toLowerCase())
    .filter((word) => word !== "");
  const last = words.at(-1);
  if (last === undefined) return false;
  return SECRET_WORDS.has(last) || SECRET_PAIRS.has(words.slice(-2).join(" "));
}

/** Replaces the password of every URL in the text: `postgres://user:***@host/db`. */
export function redactUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, `$1${REDACTED}@`);
}

/** Deep copy with secrets replaced by "***": `x-ark-secret` fields, secret-looking key names, URL passwords. */
export function redactConfig(value: unknown, schema?: JSONSchema): unknown {
  const root = typeof schema === "object" ? (schema as SchemaObject) : undefined;
  return redactNode(value, schema === undefined ? [] : [schema], root);
}

function redactNode(value: unknown, schemas: JSONSchema[], root: SchemaObject | undefined): unknown {
  const expanded = expandSchemas(schemas, value, root);
  if (expanded.some(isMarkedSecret)) return maskValue(value);
  if (typeof value === "string") return redactUrlPasswords(value);
  if (Array.isArray(value)) {
    return value.map((item, index) => redactNode(item, expanded.flatMap((schema) => itemSchemas(schema, index)), root));
  }
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childValue = isSecretKey(key) ? maskValue(child) : redactNode(child, expanded.flatMap((schema) => propertySchemas(schema, key)), root);
    Object.defineProperty(out, key, { value: childValue, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Unset secrets stay visible as unset (null, undefined, ""), everything else becomes "***". */
function maskValue(value: unknown): unknown {
  return value === null || value === undefined || value === "" ? value : REDACTED;
}

function isMarkedSecret(schema: JSONSchema): boolean {
  return typeof schema === "object" && schema["x-ark-secret"] === true;
}

/**
 * The schema plus every branch that may apply to `value`: allOf/anyOf/oneOf, local $refs, and if/then/else. A `then`
 * is skipped only when its `if` surely does not match; when in doubt it applies, because over-redacting is harmless.
 */
function expandSchemas(schemas: JSONSchema[], value: unknown, root: SchemaObject | undefined, depth = 0): JSONSchema[] {
  if (depth > 20) return schemas;
  const out: JSONSchema[] = [];
  for (const schema of schemas) {
    if (typeof schema !== "object") continue;
    out.push(schema);
    const branches: JSONSchema[] = [];
    for (const keyword of ["allOf", "anyOf", "oneOf"]) {
      const list = schema[keyword];
      if (Array.isArray(list)) branches.push(...(list as JSONSchema[]));
    }
    const ref = typeof schema.$ref === "string" ? resolveLocalRef(schema.$ref, root) : undefined;
    if (ref !== undefined) branches.push(ref);
    if (schema.if !== undefined && !surelyFails(schema.if as JSONSchema, value) && schema.then !== undefined) branches.push(schema.then as JSONSchema);
    if (schema.else !== undefined) branches.push(schema.else as JSONSchema);
    out.push(...expandSchemas(branches, value, root, depth + 1));
  }
  return out;
}

/** True only for the `{properties: {k: {const: v}}}` shape when the value's `k` is present and differs. */
function surelyFails(condition: JSONSchema, value: unknown): boolean {
  if (typeof condition !== "object" || typeof value !== "object" || value === null) return false;
  const properties = condition.properties;
  if (typeof properties !== "object" || properties === null) return false;
  return Object.entries(properties as SchemaObject).some(([key, sub]) => {
    const actual = (value as Record<string, unknown>)[key];
    const expected = (sub as SchemaObject | null)?.const;
    return expected !== undefined && actual !== undefined && actual !== expected;
  });
}

function propertySchemas(schema: JSONSchema, key: string): JSONSchema[] {
  if (typeof schema !== "object") return [];
  const properties = schema.properties as Record<string, JSONSchema> | undefined;
  if (properties && Object.hasOwn(properties, key)) return [properties[key]!];
  const patterns = Object.entries((schema.patternProperties ?? {}) as Record<string, JSONSchema>)
    .filter(([pattern]) => safeRegExp(pattern)?.test(key))
    .map(([, sub]) => sub);
  if (patterns.length > 0) return patterns;
  const additional = schema.additionalProperties;
  return typeof additional === "object" && additional !== null ? [additional as JSONSchema] : [];
}

function itemSchemas(schema: JSONSchema, index: number): JSONSchema[] {
  if (typeof schema !== "object") return [];
  const items = schema.items;
  if (Array.isArray(items)) return items[index] === undefined ? [] : [items[index] as JSONSchema];
  return typeof items === "object" && items !== null ? [items as JSONSchema] : [];
}

function resolveLocalRef(ref: string, root: SchemaObject | undefined): JSONSchema | undefined {
  if (root === undefined || !ref.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const segment = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    node = typeof node === "object" && node !== null ? (node as SchemaObject)[segment] : undefined;
  }
  return typeof node === "object" && node !== null ? (node as JSONSchema) : undefined;
}

function safeRegExp(pattern: string): RegExp | null {
  try {
    return new RegExp(pattern, "u");
  } catch {
    return null;
  }
}
