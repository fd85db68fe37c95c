/**
 * The read routes every record-backed tool domain (plans, milestones, memories) serves the same way: the paged list
 * `GET /api/{collection}`, one record `GET /api/{collection}/{id}`, and the record's artifact history. A plugin adds
 * only what differs (create, delete), so the shapes of the answers cannot drift apart between domains.
 */
import type { ApiRequest, ApiRoute } from "../api/api-server-port.js";
import type { JSONSchema } from "../contracts/json-schema.js";
import { answerIds, RECORD_ID_PATTERN, recordArtifactRoutes, type RecordArtifactRoutesOptions } from "./record-artifact-routes.js";

/** One page of records and how many there are in all. */
export interface RecordPage {
  readonly items: readonly unknown[];
  readonly total_count: number;
}

/** What a record collection's routes need besides its artifact-history options. */
export interface RecordRoutesOptions extends RecordArtifactRoutesOptions {
  /** Summary of the list route, e.g. "Plans, newest first (paged)". */
  readonly listSummary: string;
  /** Summary of the one-record route. */
  readonly getSummary: string;
  readonly list: (page: { readonly limit: number; readonly offset: number }) => Promise<RecordPage>;
}

/** `{id}` in a record path: a positive integer. */
export const RECORD_ID_PARAMS: JSONSchema = {
  type: "object", required: ["id"], additionalProperties: false, properties: { id: { type: "string", pattern: RECORD_ID_PATTERN } },
};

const PAGE_QUERY: JSONSchema = {
  type: "object", additionalProperties: false,
  properties: { limit: { type: "integer", minimum: 1, maximum: 500, default: 50 }, offset: { type: "integer", minimum: 0, default: 0 } },
};

const LIST_ANSWER: JSONSchema = {
  type: "object", required: ["ok", "items", "count", "total_count", "limit", "offset"],
  properties: {
    ok: { type: "boolean" }, items: { type: "array", items: { type: "object" } }, count: { type: "integer" }, total_count: { type: "integer" },
    limit: { type: "integer" }, offset: { type: "integer" },
  },
};

/** The answer carrying one record: `{ok, <idField>, item}`. */
export function recordAnswerSchema(idField: string): JSONSchema {
  return { type: "object", required: ["ok", idField, "item"], properties: { ok: { type: "boolean" }, [idField]: { type: "integer" }, item: { type: "object" } } };
}

/** List and one-record routes, then `extra` (create, delete, ...), then the artifact history routes. */
export function recordRoutes(o: RecordRoutesOptions, extra: readonly ApiRoute[] = []): ApiRoute[] {
  const tags = [o.collection];
  return [
    {
      method: "GET", url: `/api/${o.collection}`, summary: o.listSummary, tags, auth: "bearer",
      schema: { querystring: PAGE_QUERY, response: { "200": LIST_ANSWER } },
      async handler(request: ApiRequest<unknown, { limit: number; offset: number }>) {
        const { limit, offset } = request.query;
        const page = await o.list({ limit, offset });
        return { ok: true, items: page.items, count: page.items.length, total_count: page.total_count, limit, offset, ...answerIds(request) };
      },
    },
    ...extra,
    {
      method: "GET", url: `/api/${o.collection}/:id`, summary: o.getSummary, tags, auth: "bearer",
      schema: { params: RECORD_ID_PARAMS, response: { "200": recordAnswerSchema(o.idField) } },
      async handler(request: ApiRequest<{ id: string }>) {
        const item = (await o.requireRecord(o.db(), Number(request.params.id))) as { id: number };
        return { ok: true, [o.idField]: item.id, item, ...answerIds(request) };
      },
    },
    ...recordArtifactRoutes(o),
  ];
}
