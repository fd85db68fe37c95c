import type { IncomingHttpHeaders, Server } from "node:http";
import type { Logger } from "pino";
import type { JSONSchema } from "../contracts/json-schema.js";
import type { StartupReport } from "../kernel/startup-report.js";
import { createServiceRef } from "../plugin-api/service-ref.js";

/** HTTP methods a route can answer (HEAD is answered for every GET route automatically). */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Who may call a route. `bearer`: the configured `api.token` (open when none is configured). `public`: anyone.
 * `internal`: ARK's own components (executor callbacks); the route's `authorize` decides, the api token also passes.
 */
export type RouteAuth = "bearer" | "public" | "internal";

/** JSON Schemas of a route. Inputs are validated on every request (all parts, every problem at once); responses document. */
export interface RouteSchemas {
  readonly params?: JSONSchema;
  /** Query values are coerced to the schema's types (`?limit=5` → 5); defaults are applied. */
  readonly querystring?: JSONSchema;
  /** Required for POST, PUT and PATCH. Not coerced: `"5"` is not an integer. */
  readonly body?: JSONSchema;
  /** Response bodies by status ("200", "201", ...), for the OpenAPI document; not enforced. */
  readonly response?: Readonly<Record<string, JSONSchema>>;
}

/** What a route handler receives; params, query and body have passed the route's schemas. */
export interface ApiRequest<P = Record<string, string>, Q = Record<string, unknown>, B = unknown> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly headers: IncomingHttpHeaders;
  readonly method: string;
  readonly url: string;
  /** Unique per request; in the `X-Request-Id` header and every error envelope. */
  readonly requestId: string;
  /** The caller's `X-Correlation-Id`, echoed back; null when none was sent. */
  readonly correlationId: string | null;
  /** Who is calling: "api" for the api token (or open access), "public" on public routes, or an internal authorizer's subject. */
  readonly subject: string;
  /** Aborted when the client goes away or the request times out. */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/** A handler result with a status or headers; a handler may also return the body alone (status 200, or 204 for undefined). */
export class ApiReply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}

/** Builds a handler result with an explicit status (and optional headers). */
export function apiReply(status: number, body: unknown, headers?: Readonly<Record<string, string>>): ApiReply {
  return new ApiReply(status, body, headers);
}

/** What an internal route's authorizer sees: the request before its body is read. */
export interface AuthorizeRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly params: Readonly<Record<string, string>>;
}

/** An authorizer's verdict: a subject, or why not (401 no/invalid credential, 403 valid but not allowed here). */
export type AuthDecision =
  | { readonly ok: true; readonly subject: string }
  | { readonly ok: false; readonly reason: "unauthorized" | "forbidden"; readonly message: string };

/** One HTTP route, added by a plugin or core module during its init. */
export interface ApiRoute<P = any, Q = any, B = any> {
  readonly method: HttpMethod;
  /** Under `/api/`, fastify syntax for parameters: `/api/runs/:id`. */
  readonly url: string;
  /** One line for the OpenAPI document. */
  readonly summary: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly auth: RouteAuth;
  /** Required when `auth` is "internal". */
  readonly authorize?: (request: AuthorizeRequest) => AuthDecision | Promise<AuthDecision>;
  readonly schema?: RouteSchemas;
  /** Overrides `api.bodyLimitBytes` for this route. */
  readonly bodyLimitBytes?: number;
  /** Overrides `api.requestTimeoutMs` for this route (a positive number of ms). */
  readonly timeoutMs?: number;
  handler(request: ApiRequest<P, Q, B>): unknown | Promise<unknown>;
}

/** A registered route as listings show it. */
export interface ApiRouteInfo {
  readonly method: HttpMethod;
  readonly url: string;
  readonly auth: RouteAuth;
  readonly summary: string;
  readonly tags: readonly string[];
  /** The plugin (or core module) that added it. */
  readonly owner: string;
}

/** Health of one part of the system as a health source reports it; extra keys are shown as they are. */
export interface HealthSourceResult {
  readonly status: "ok" | "degraded" | "down";
  readonly detail?: string;
  readonly [key: string]: unknown;
}

/** Adds a section to /api/health; called on every health request, with a signal that fires after 2 s. */
export type HealthSource = (signal: AbortSignal) => HealthSourceResult | Promise<HealthSourceResult>;

/** Where the server listens once started. */
export interface ApiAddress {
  readonly host: string;
  readonly port: number;
  /** A URL a client on this machine can use, e.g. http://127.0.0.1:8080. */
  readonly url: string;
}

/** The HTTP API server. Routes and health sources are added during init; the server listens in the api module's start. */
export interface ApiServer {
  addRoute<P = any, Q = any, B = any>(route: ApiRoute<P, Q, B>): void;
  registerHealthSource(name: string, source: HealthSource): void;
  /** Where /api/health gets the kernel's startup report from (null is shown until one is set). */
  setStartupReportSource(source: () => StartupReport | null): void;
  /** The node http.Server (exists before listen), for transports such as Socket.IO to attach to. */
  httpServer(): Server;
  /** Where the server listens, or null before start / after stop. */
  address(): ApiAddress | null;
  routes(): readonly ApiRouteInfo[];
}

/** The API server service; plugins that add routes declare `requires: ["api"]` (or `consumes: [apiServerRef]`). */
export const apiServerRef = createServiceRef<ApiServer>({ id: "core.api", scope: "plugin" });
