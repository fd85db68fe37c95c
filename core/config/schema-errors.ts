import type { ErrorObject } from "ajv";
import type { ConfigPath } from "./config-issue.js";
import { didYouMean } from "./did-you-mean.js";

/** One schema mistake, in operator words, at a path into the config. */
export interface SchemaProblem {
  readonly path: ConfigPath;
  readonly message: string;
}

const WRAPPERS = new Set(["anyOf", "oneOf"]);
const SIMPLE_KEYWORDS = new Set(["type", "enum", "const"]);

/**
 * Turns ajv's errors (allErrors, verbose) into one clear message per real mistake: `if` wrappers dropped, each
 * anyOf/oneOf collapsed to the branch that came closest (or "must be string or integer"), paths made concrete.
 * Messages name keys and schema values only, never the data, so a secret's value cannot leak into them.
 */
export function describeSchemaErrors(errors: readonly ErrorObject[], data: unknown, prefix: ConfigPath, schema?: unknown): SchemaProblem[] {
  let remaining = errors.filter((error) => error.keyword !== "if");
  const wrappers = remaining.filter((error) => WRAPPERS.has(error.keyword)).sort((a, b) => b.schemaPath.length - a.schemaPath.length);
  for (const wrapper of wrappers) remaining = collapseAlternatives(wrapper, remaining);
  const seen = new Set<string>();
  const problems: SchemaProblem[] = [];
  for (const error of remaining) {
    const problem = describeError(error, data, prefix, schema);
    const key = `${problem.path.join("\u0000")}\u0001${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function collapseAlternatives(wrapper: ErrorObject, errors: ErrorObject[]): ErrorObject[] {
  if (!errors.includes(wrapper)) return errors;
  const branchPrefix = `${wrapper.schemaPath}/`;
  const inBranch = (error: ErrorObject): boolean => error.schemaPath.startsWith(branchPrefix);
  const byBranch = new Map<string, ErrorObject[]>();
  for (const error of errors.filter(inBranch)) {
    const branch = error.schemaPath.slice(branchPrefix.length).split("/")[0]!;
    byBranch.set(branch, [...(byBranch.get(branch) ?? []), error]);
  }
  const replacement = replacementFor(wrapper, [...byBranch.values()]);
  // The replacement takes the place of the group's first error, so issues without positions keep ajv's order.
  const result: ErrorObject[] = [];
  let placed = false;
  for (const error of errors) {
    if (error !== wrapper && !inBranch(error)) result.push(error);
    else if (!placed) {
      result.push(...replacement);
      placed = true;
    }
  }
  return result;
}

function replacementFor(wrapper: ErrorObject, branches: ErrorObject[][]): ErrorObject[] {
  if (branches.length === 0) return [{ ...wrapper, message: describeWrapperAlone(wrapper) }];
  const allSimple = branches.every((list) => list.length === 1 && SIMPLE_KEYWORDS.has(list[0]!.keyword) && list[0]!.instancePath === wrapper.instancePath);
  if (allSimple) return [{ ...wrapper, keyword: "alternatives", message: mergeSimpleAlternatives(branches.map((list) => list[0]!)) }];
  return closestBranch(wrapper, branches);
}

function describeWrapperAlone(wrapper: ErrorObject): string {
  return wrapper.keyword === "oneOf" ? "matches more than one of the allowed shapes; make it match exactly one" : "does not match any of the allowed shapes";
}

/** "must be string or integer", "must be one of: a, b", or both joined with "or". */
function mergeSimpleAlternatives(errors: ErrorObject[]): string {
  const types: string[] = [];
  const values: unknown[] = [];
  for (const error of errors) {
    if (error.keyword === "type") types.push(...String(error.params.type).split(","));
    else if (error.keyword === "enum") values.push(...(error.params.allowedValues as unknown[]));
    else values.push(error.params.allowedValue);
  }
  const parts = [];
  if (types.length > 0) parts.push(`must be ${[...new Set(types)].join(" or ")}`);
  if (values.length > 0) parts.push(`must be one of: ${values.map(formatSchemaValue).join(", ")}`);
  return parts.join(", or ");
}

/** The branch the data almost matched: its type fits (no type/const error at the wrapper's own path), fewest errors. */
function closestBranch(wrapper: ErrorObject, branches: ErrorObject[][]): ErrorObject[] {
  const shapeFits = (list: ErrorObject[]): boolean =>
    !list.some((error) => error.instancePath === wrapper.instancePath && SIMPLE_KEYWORDS.has(error.keyword));
  const candidates = branches.filter(shapeFits);
  const pool = candidates.length > 0 ? candidates : branches;
  return pool.reduce((best, list) => (list.length < best.length ? list : best));
}

function describeError(error: ErrorObject, data: unknown, prefix: ConfigPath, schema: unknown): SchemaProblem {
  const path = [...prefix, ...pointerToPath(error.instancePath, data)];
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      const parent = error.parentSchema ?? schemaAt(schema, error.schemaPath.split("/").slice(1, -1));
      const known = Object.keys((parent as { properties?: object } | undefined)?.properties ?? {});
      const suggestion = didYouMean(key, known);
      return { path: [...path, key], message: `unknown key '${key}'${suggestion === null ? "" : ` (did you mean '${suggestion}'?)`}` };
    }
    case "required":
      return { path, message: `missing required key '${String(params.missingProperty)}'` };
    case "type":
      return { path, message: `must be ${String(params.type).split(",").join(" or ")}` };
    case "enum":
      return { path, message: `must be one of: ${(params.allowedValues as unknown[]).map(formatSchemaValue).join(", ")}` };
    case "const":
      return { path, message: `must be ${formatSchemaValue(params.allowedValue)}` };
    case "false schema":
      return { path, message: "is not allowed here" };
    default:
      return { path, message: error.message ?? `is invalid (${error.keyword})` };
  }
}

/**
 * The sub-schema at a schema path (validators compile without ajv's `verbose`, which roughly triples compile time,
 * so `parentSchema` is absent). A path through a `$ref` does not resolve; the message then has no suggestion.
 */
function schemaAt(schema: unknown, segments: readonly string[]): unknown {
  let current = schema;
  for (const raw of segments) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return current;
}

/** A value taken from the schema (never from the data), for messages. */
function formatSchemaValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** "/plugins/3/config" → ["plugins", 3, "config"], using the data to tell array indices from keys. */
export function pointerToPath(pointer: string, data: unknown): (string | number)[] {
  if (pointer === "") return [];
  const path: (string | number)[] = [];
  let current: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    const index = Array.isArray(current) && /^\d+$/.test(segment) ? Number(segment) : null;
    path.push(index ?? segment);
    current = typeof current === "object" && current !== null ? (current as Record<string, unknown>)[segment] : undefined;
  }
  return path;
}
