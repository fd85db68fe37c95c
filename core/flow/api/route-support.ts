/**
 * What every flow route shares: id parameters, the mapping of the engine's generic errors onto the HTTP layer's codes
 * (ARK_NOT_FOUND → 404 `not_found`, ARK_INVALID_ARGUMENT → 400 `invalid_request`; domain codes such as
 * ARK_FLOW_GRAPH_INVALID keep their own), snake_case views of engine records, and paging schemas.
 */
import { apiReply, errorEnvelope, type ApiReply, type ApiRequest } from "../../api/index.js";
import type { JSONSchema } from "../../contracts/json-schema.js";
import { ArkError, isArkError } from "../../errors/index.js";

const ROW_ID = /^[1-9]\d{0,17}$/;

/** Path parameters of routes with one `:id`. */
export interface IdParams {
  readonly id: string;
}

/** Params schema of a route with one `:id` (any text: a malformed id answers 404, as an unknown one does). */
export const idParamsSchema: JSONSchema = {
  type: "object",
  properties: { id: { type: "string", minLength: 1, maxLength: 64, description: "A positive integer id." } },
  required: ["id"],
  additionalProperties: false,
};

/** The row id in a path, or ARK_NOT_FOUND naming what was looked for (a malformed id cannot name an existing row). */
export function pathId(value: string, what: string): string {
  const text = value.trim();
  if (!ROW_ID.test(text)) throw new ArkError("ARK_NOT_FOUND", `${what} ${JSON.stringify(value)} was not found (ids are positive integers).`, { details: { kind: what, id: value } });
  return text;
}

/** An optional positive integer id from a body or query value (number or digits), else ARK_INVALID_ARGUMENT. */
export function optionalId(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const text = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : typeof value === "string" ? value.trim() : "";
  if (!ROW_ID.test(text)) throw new ArkError("ARK_INVALID_ARGUMENT", `${field} must be a positive integer id.`, { details: { field, value } });
  return text;
}

/** The HTTP code an engine error answers with, when it is one of the generic ones. */
function httpCodeOf(err: unknown): { status: number; code: string } | null {
  if (!isArkError(err)) return null;
  if (err.code === "ARK_NOT_FOUND") return { status: 404, code: "not_found" };
  if (err.code === "ARK_INVALID_ARGUMENT") return { status: 400, code: "invalid_request" };
  return null;
}

/** Wraps a handler so generic engine errors answer with the HTTP layer's codes; everything else propagates as is. */
export function guarded<P, Q, B>(handler: (request: ApiRequest<P, Q, B>) => Promise<unknown>): (request: ApiRequest<P, Q, B>) => Promise<unknown> {
  return async (request) => {
    try {
      return await handler(request);
    } catch (err) {
      const mapped = httpCodeOf(err);
      if (!mapped || !isArkError(err)) throw err;
      request.log.debug({ code: mapped.code, ark_code: err.code }, `request refused: ${err.message}`);
      return problemReply(request, mapped.status, mapped.code, err.message, err.details);
    }
  };
}

/** An error envelope answer built inside a handler. */
export function problemReply(request: ApiRequest<unknown, unknown, unknown>, status: number, code: string, message: string, details: Record<string, unknown> = {}): ApiReply {
  return apiReply(status, errorEnvelope({ status, code, message, details }, { requestId: request.requestId, correlationId: request.correlationId }));
}

/** `flowchartId` → `flowchart_id`. */
function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A record with its top-level keys in snake_case (values, such as stored states, are left exactly as they are). */
export function snakeKeys(record: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [snake(key), value]));
}

/** The truthy/falsy spellings a boolean-ish query value accepts. */
export const BOOLEAN_WORDS = ["true", "false", "1", "0", "yes", "no", "on", "off"] as const;

/** A boolean-ish query value; undefined when absent. */
export function booleanWord(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  return ["true", "1", "yes", "on"].includes(value.trim().toLowerCase());
}

/** A comma-separated list (trimmed, empties dropped). */
export function csv(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** Values of a CSV filter that must come from `allowed`; anything else is ARK_INVALID_ARGUMENT with details.supported. */
export function csvOf<T extends string>(value: string | undefined, allowed: readonly T[], field: string): T[] {
  const items = csv(value).map((s) => s.toLowerCase());
  const unsupported = items.filter((s) => !(allowed as readonly string[]).includes(s));
  if (unsupported.length > 0) {
    throw new ArkError("ARK_INVALID_ARGUMENT", `Unsupported ${field} value(s): ${unsupported.join(", ")}. Use: ${allowed.join(", ")}.`, {
      details: { field, unsupported, supported: [...allowed] },
    });
  }
  return items as T[];
}

/** Query properties of a paged list (limit 1..500, default 50). */
export function pagingProperties(defaultLimit = 50, maxLimit = 500): Record<string, JSONSchema> {
  return {
    limit: { type: "integer", minimum: 1, maximum: maxLimit, default: defaultLimit, description: `Most items returned (1..${maxLimit}).` },
    offset: { type: "integer", minimum: 0, default: 0, description: "Items skipped (paging)." },
  };
}

/** Response schema of a paged list of `item`. */
export function pageSchema(itemsKey: string, item: JSONSchema): JSONSchema {
  return {
    type: "object",
    required: ["ok", itemsKey, "count", "total_count", "limit", "offset"],
    properties: {
      ok: { type: "boolean" },
      [itemsKey]: { type: "array", items: item },
      count: { type: "integer", description: "Items in this page." },
      total_count: { type: "integer", description: "Items matching the filters." },
      limit: { type: "integer" },
      offset: { type: "integer" },
    },
  };
}

/** A paged answer. */
export function pageBody(itemsKey: string, page: { items: readonly unknown[]; total: number; limit: number; offset: number }, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ok: true, [itemsKey]: page.items, count: page.items.length, total_count: page.total, limit: page.limit, offset: page.offset, ...extra };
}

/**
 * A body schema for POST routes whose body is optional: no body (or `null`) passes, an object is checked against
 * `properties` (unknown keys refused), anything else (a bare string, number, array) is refused.
 */
export function optionalObjectBody(properties: Record<string, JSONSchema>, description?: string): JSONSchema {
  return {
    not: { type: ["string", "number", "boolean", "array"] },
    properties,
    additionalProperties: false,
    ...(description ? { description } : {}),
  };
}
