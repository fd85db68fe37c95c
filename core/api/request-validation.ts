import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { TOO_DEEP_MESSAGE, isTooDeep } from "../contracts/nesting-depth.js";
import { unstorableTextIn } from "../contracts/unstorable-text.js";
import { withSafeIntegerBounds } from "../contracts/safe-integer-bounds.js";
import { errorMessage } from "../errors/index.js";
import type { RouteSchemas } from "./api-server-port.js";

/** The request parts a route can validate, in the order problems are listed. */
export const REQUEST_PARTS = ["params", "querystring", "body"] as const;
export type RequestPart = (typeof REQUEST_PARTS)[number];

/** One problem with a request: where (`body.items[0].id`) and what. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
  readonly keyword: string;
}

/** Compiled validators of one route. */
export type RouteValidators = Partial<Record<RequestPart, ValidateFunction>>;

/** Keywords route schemas may carry for documentation only. */
const DOC_KEYWORDS = ["example", "x-ark-secret", "x-ark-internal"];

function newAjv(coerce: boolean): Ajv {
  // Strict about unknown keywords (a typo in a schema fails at registration), lenient about types: route authors
  // write partial schemas such as {properties: ...} without "type".
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    coerceTypes: coerce ? "array" : false,
    removeAdditional: false,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    addUsedSchema: false,
    // Infinity and NaN are no integer or number a handler can use (see nonFiniteIssues for coerced ones).
    strictNumbers: true,
  });
  addFormats.default(ajv);
  ajv.addVocabulary(DOC_KEYWORDS);
  return ajv;
}

/**
 * Compiles route schemas. Params and query strings arrive as text, so their validator coerces to the declared types;
 * bodies are JSON and are taken as sent. One compiler per server keeps `$id`s of two kernels in one process apart.
 */
export class RouteSchemaCompiler {
  private readonly coercing = newAjv(true);
  private readonly exact = newAjv(false);

  /** Compiles every input schema of a route; throws with the part and ajv's reason when one does not compile. */
  compile(schemas: RouteSchemas): RouteValidators {
    const validators: RouteValidators = {};
    for (const part of REQUEST_PARTS) {
      const schema = schemas[part];
      if (schema === undefined) continue;
      try {
        validators[part] = (part === "body" ? this.exact : this.coercing).compile(withSafeIntegerBounds(schema) as object | boolean);
      } catch (err) {
        throw new Error(`schema.${part} does not compile: ${errorMessage(err)}`);
      }
    }
    return validators;
  }
}

/** The parts of a request as fastify parsed them (validation coerces and fills defaults in place). */
export interface RequestParts {
  params: unknown;
  query: unknown;
  body: unknown;
}

/**
 * Validates every part of a request and returns every problem (empty when valid). On every route, schema or not,
 * query and body values with a NUL character or a lone UTF-16 surrogate are refused (no handler can store them as
 * sent; see contracts/unstorable-text),
 * and so is a body nested deeper than MAX_VALUE_DEPTH (contracts/nesting-depth; it is not validated further).
 */
export function validateRequest(validators: RouteValidators, request: RequestParts): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const part of REQUEST_PARTS) {
    const validate = validators[part];
    const data = part === "params" ? request.params : part === "querystring" ? request.query : request.body;
    if (part === "body" && isTooDeep(data)) {
      issues.push({ path: "body", message: TOO_DEEP_MESSAGE, keyword: "depth" });
      continue;
    }
    const sent = validate && part !== "body" ? flatCopy(data) : null;
    if (validate && !validate(data)) issues.push(...(validate.errors ?? []).map((e) => issueOf(part, e)));
    if (sent) issues.push(...nonFiniteIssues(part, data), ...numberTextIssues(part, sent, data));
    if (part === "params") continue;
    for (const { pointer, kind, message } of unstorableTextIn(data)) {
      issues.push({ path: `${part}${pathFromPointer(pointer)}`, message, keyword: kind === "nul" ? "nul" : "surrogate" });
    }
  }
  return issues;
}

/**
 * ajv coerces a text such as `1e400` to Infinity and then skips its number keywords (they test only finite numbers),
 * so a coerced value that is not finite is refused here. Params and query strings are flat: values or arrays of them.
 */
function nonFiniteIssues(part: RequestPart, data: unknown): ValidationIssue[] {
  if (data === null || typeof data !== "object") return [];
  const issues: ValidationIssue[] = [];
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === "number" && !Number.isFinite(v))) {
      issues.push({ path: childPath(part, key), message: "must be a finite number", keyword: "type" });
    }
  }
  return issues;
}

/** A copy of a flat params/query object, its arrays too (coercion changes values in place). */
function flatCopy(data: unknown): Record<string, unknown> | null {
  if (data === null || typeof data !== "object") return null;
  return Object.fromEntries(Object.entries(data as Record<string, unknown>).map(([key, value]) => [key, Array.isArray(value) ? [...value] : value]));
}

/** A number as text: optional sign, decimal digits, optional fraction and exponent. */
const DECIMAL_TEXT = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * ajv coerces text with JavaScript's Number(), which also reads "" and " " as 0 and "0x10" as 16, so a value
 * coerced to a number must have been written as a decimal number.
 */
function numberTextIssues(part: RequestPart, sent: Record<string, unknown> | null, coerced: unknown): ValidationIssue[] {
  if (!sent || coerced === null || typeof coerced !== "object") return [];
  const issues: ValidationIssue[] = [];
  for (const [key, value] of Object.entries(coerced as Record<string, unknown>)) {
    const now = Array.isArray(value) ? value : [value];
    const before = Array.isArray(sent[key]) ? (sent[key] as unknown[]) : [sent[key]];
    const loose = now.some((v, i) => typeof v === "number" && typeof before[i] === "string" && !DECIMAL_TEXT.test(before[i] as string));
    if (loose) issues.push({ path: childPath(part, key), message: "must be a decimal number", keyword: "type" });
  }
  return issues;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `/items/0/na.me` → `.items[0]["na.me"]`. */
function pathFromPointer(pointer: string): string {
  if (pointer === "") return "";
  return pointer
    .slice(1)
    .split("/")
    .map((raw) => raw.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : IDENTIFIER.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`))
    .join("");
}

function childPath(base: string, key: string): string {
  return `${base}${IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`;
}

/** One ajv error as a path and a message a caller can act on. */
function issueOf(part: RequestPart, error: ErrorObject): ValidationIssue {
  const base = `${part}${pathFromPointer(error.instancePath)}`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return { path: childPath(base, String(params.missingProperty)), message: "is required", keyword: error.keyword };
    case "additionalProperties":
      return { path: childPath(base, String(params.additionalProperty)), message: "is not an allowed property", keyword: error.keyword };
    case "enum":
      return { path: base, message: `must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`, keyword: error.keyword };
    default:
      return { path: base, message: error.message ?? "is invalid", keyword: error.keyword };
  }
}

/** Top-level body fields with their first problem, as `details.fields` (the shape settings errors use too). */
export function fieldsOf(issues: readonly ValidationIssue[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    if (!issue.path.startsWith("body")) continue;
    const match = /^body(?:\.([A-Za-z_$][A-Za-z0-9_$]*)|\[("(?:[^"\\]|\\.)*"|\d+)\])?/.exec(issue.path);
    const key = match?.[1] ?? (match?.[2] ? String(JSON.parse(match[2])) : "(body)");
    fields[key] ??= `${issue.path} ${issue.message}`;
  }
  return fields;
}
