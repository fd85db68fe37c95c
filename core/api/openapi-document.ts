import type { JSONSchema } from "../contracts/json-schema.js";
import { errorEnvelopeSchema } from "./error-envelope.js";
import { toOpenApiSchema, type OpenApiSchema } from "./openapi-schema.js";
import type { ApiRoute } from "./api-server-port.js";
import type { RouteEntry, RouteTable } from "./route-table.js";

/** Facts the document's `info` and `servers` carry. */
export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
}

const ERROR_REF = { $ref: "#/components/schemas/ErrorEnvelope" };
const ERROR_RESPONSE = { description: "Error envelope", content: { "application/json": { schema: ERROR_REF } } };

/** `/api/runs/:id` → `/api/runs/{id}`. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z][A-Za-z0-9_]*)/g, "{$1}");
}

function propertiesOf(schema: JSONSchema | undefined): { properties: Record<string, JSONSchema>; required: Set<string> } {
  if (!schema || typeof schema !== "object") return { properties: {}, required: new Set() };
  const properties = (schema.properties ?? {}) as Record<string, JSONSchema>;
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  return { properties, required };
}

function parametersOf(entry: RouteEntry): OpenApiSchema[] {
  const path = propertiesOf(entry.schemas.params);
  const query = propertiesOf(entry.schemas.querystring);
  const describe = (schema: JSONSchema) => (typeof schema === "object" && typeof schema.description === "string" ? { description: schema.description } : {});
  return [
    ...entry.pathParams.map((name) => ({ name, in: "path", required: true, schema: toOpenApiSchema(path.properties[name] ?? { type: "string" }), ...describe(path.properties[name] ?? {}) })),
    ...Object.entries(query.properties).map(([name, schema]) => ({ name, in: "query", required: query.required.has(name), schema: toOpenApiSchema(schema), ...describe(schema) })),
  ];
}

function responsesOf(entry: RouteEntry): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(entry.schemas.response ?? {})) {
    const description = typeof schema === "object" && typeof schema.description === "string" ? schema.description : `HTTP ${status}`;
    responses[status] = { description, content: { "application/json": { schema: toOpenApiSchema(schema) } } };
  }
  if (Object.keys(responses).length === 0) responses["200"] = { description: "Success" };
  if (entry.route.auth !== "public") responses["401"] = ERROR_RESPONSE;
  responses.default = ERROR_RESPONSE;
  return responses;
}

function operationOf(entry: RouteEntry): Record<string, unknown> {
  const { route } = entry;
  const parameters = parametersOf(entry);
  const body = entry.schemas.body;
  return {
    operationId: `${route.method.toLowerCase()}${openApiPath(route.url).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.tags && route.tags.length > 0 ? { tags: [...route.tags] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body !== undefined ? { requestBody: { required: true, content: { "application/json": { schema: toOpenApiSchema(body) } } } } : {}),
    responses: responsesOf(entry),
    security: route.auth === "public" ? [] : [{ bearerAuth: [] }],
    ...(route.auth === "internal" ? { "x-internal": true } : {}),
    "x-ark-owner": entry.owner,
  };
}

/** The OpenAPI 3.0 document of every registered route: schemas, summaries, tags, security. */
export function buildOpenApiDocument(entries: readonly RouteEntry[], info: OpenApiInfo): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const entry of entries) {
    const path = openApiPath(entry.route.url);
    paths[path] ??= {};
    paths[path][entry.route.method.toLowerCase()] = operationOf(entry);
  }
  const tags = [...new Set(entries.flatMap((e) => e.route.tags ?? []))].sort().map((name) => ({ name }));
  return {
    openapi: "3.0.3",
    info: { title: info.title, version: info.version, ...(info.description ? { description: info.description } : {}) },
    tags,
    paths,
    components: {
      schemas: { ErrorEnvelope: toOpenApiSchema(errorEnvelopeSchema) },
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", description: "The token configured as api.token." } },
    },
  };
}

/** `GET /api/docs`: public; the OpenAPI document of every route registered when it is asked for. */
export function docsRoute(table: RouteTable, info: OpenApiInfo): ApiRoute {
  return {
    method: "GET",
    url: "/api/docs",
    summary: "OpenAPI 3.0 document of every route",
    tags: ["system"],
    auth: "public",
    schema: { response: { "200": { type: "object", description: "An OpenAPI 3.0.3 document", required: ["openapi", "paths"] } } },
    handler: () => buildOpenApiDocument(table.all(), info),
  };
}
