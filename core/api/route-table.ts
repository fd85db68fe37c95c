import { ArkError } from "../errors/index.js";
import type { ApiRoute, ApiRouteInfo, HttpMethod, RouteSchemas } from "./api-server-port.js";
import type { RouteValidators } from "./request-validation.js";

const METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const METHODS_WITH_BODY: readonly HttpMethod[] = ["POST", "PUT", "PATCH"];
/** `/api/` then segments that are literal words or `:name` parameters; no regex parameters, no wildcards. */
const URL_SHAPE = /^\/api(?:\/(?:[A-Za-z0-9._~-]+|:[A-Za-z][A-Za-z0-9_]*))+$/;
const PARAM = /^:([A-Za-z][A-Za-z0-9_]*)$/;

/** A route as the server keeps it: the definition, its owner, its compiled validators and its path matcher. */
export interface RouteEntry {
  readonly route: ApiRoute;
  readonly owner: string;
  readonly schemas: RouteSchemas;
  readonly validators: RouteValidators;
  readonly pathParams: readonly string[];
  readonly matcher: RegExp;
}

function invalid(owner: string, route: Partial<ApiRoute>, problem: string): ArkError {
  const where = `${String(route.method ?? "?")} ${String(route.url ?? "?")}`;
  return new ArkError("ARK_API_REGISTRATION_INVALID", `Route ${where} added by "${owner}" is invalid: ${problem}`, {
    details: { owner, method: route.method ?? null, url: route.url ?? null },
  });
}

/** The shape rules of a route definition; throws naming the owner and the first broken rule. */
export function checkRouteShape(route: ApiRoute, owner: string): void {
  const fail = (problem: string) => invalid(owner, route, problem);
  if (!METHODS.includes(route.method)) throw fail(`method must be one of ${METHODS.join(", ")}`);
  if (typeof route.url !== "string" || !URL_SHAPE.test(route.url)) {
    throw fail("url must start with /api/ and contain only literal segments and :name parameters (no trailing slash)");
  }
  if (typeof route.summary !== "string" || route.summary.trim() === "") throw fail("summary is required (it documents the route in /api/docs)");
  if (!["bearer", "public", "internal"].includes(route.auth)) throw fail('auth must be "bearer", "public" or "internal"');
  if (route.auth === "internal" && typeof route.authorize !== "function") throw fail('auth "internal" needs an authorize(request) function');
  if (typeof route.handler !== "function") throw fail("handler must be a function");
  if (METHODS_WITH_BODY.includes(route.method) && route.schema?.body === undefined) {
    throw fail(`${route.method} routes need schema.body (use { type: "object" } or true to accept any JSON)`);
  }
  for (const [name, value] of [["bodyLimitBytes", route.bodyLimitBytes], ["timeoutMs", route.timeoutMs]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value <= 0)) throw fail(`${name} must be a positive whole number`);
  }
}

/** Parameter names of a url, in order. */
export function pathParamsOf(url: string): string[] {
  return url.split("/").flatMap((segment) => PARAM.exec(segment)?.[1] ?? []);
}

/** A params schema for a url whose route gave none: every parameter a required string. */
export function defaultParamsSchema(params: readonly string[]): RouteSchemas["params"] {
  return {
    type: "object",
    properties: Object.fromEntries(params.map((p) => [p, { type: "string", minLength: 1 }])),
    required: [...params],
  };
}

/** `/api/runs/:id` → a regex matching `/api/runs/42` (and `/api/runs/42/`). */
function matcherOf(url: string): RegExp {
  const body = url
    .split("/")
    .map((segment) => (PARAM.test(segment) ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${body}/?$`);
}

/** `/api/runs/:id` and `/api/runs/:runId` are the same route to the router. */
function shapeKey(method: string, url: string): string {
  return `${method} ${url.replace(/:[A-Za-z][A-Za-z0-9_]*/g, ":")}`;
}

/** Every route the server answers, for docs, listings and telling 404 from 405. */
export class RouteTable {
  private readonly entries: RouteEntry[] = [];
  private readonly keys = new Map<string, string>();

  /** Adds an entry; a second route with the same method and shape is refused, naming who added the first. */
  add(route: ApiRoute, owner: string, schemas: RouteSchemas, validators: RouteValidators): RouteEntry {
    const key = shapeKey(route.method, route.url);
    const existing = this.keys.get(key);
    if (existing !== undefined) throw invalid(owner, route, `"${existing}" already added ${key}`);
    const entry: RouteEntry = { route, owner, schemas, validators, pathParams: pathParamsOf(route.url), matcher: matcherOf(route.url) };
    this.keys.set(key, owner);
    this.entries.push(entry);
    return entry;
  }

  /** True when a route with this method and shape exists. */
  has(method: HttpMethod, url: string): boolean {
    return this.keys.has(shapeKey(method, url));
  }

  all(): readonly RouteEntry[] {
    return this.entries;
  }

  info(): ApiRouteInfo[] {
    return this.entries.map(({ route, owner }) => ({
      method: route.method,
      url: route.url,
      auth: route.auth,
      summary: route.summary,
      tags: [...(route.tags ?? [])],
      owner,
    }));
  }

  /** Methods some route answers for this concrete path (HEAD with GET); empty when no route has the path. */
  methodsFor(path: string): string[] {
    const methods = new Set<string>();
    for (const entry of this.entries) if (entry.matcher.test(path)) methods.add(entry.route.method);
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  }
}
