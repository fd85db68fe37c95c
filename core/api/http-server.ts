import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { ArkError, errorMessage } from "../errors/index.js";
import type { ResolvedApiConfig } from "./api-config.js";
import { ApiReply, type ApiAddress, type ApiRequest, type ApiRoute, type RouteSchemas } from "./api-server-port.js";
import { BearerAuth, PUBLIC_SUBJECT } from "./bearer-auth.js";
import { answerClientError } from "./client-error.js";
import { CorsPolicy } from "./cors-policy.js";
import { errorEnvelope, HttpProblem } from "./error-envelope.js";
import { problemFromError } from "./error-mapping.js";
import { fieldsOf, RouteSchemaCompiler, validateRequest, type ValidationIssue } from "./request-validation.js";
import { checkRouteShape, defaultParamsSchema, pathParamsOf, RouteTable, type RouteEntry } from "./route-table.js";

/** Options of the HTTP server. */
export interface ApiHttpServerOptions {
  readonly config: ResolvedApiConfig;
  readonly logger: Logger;
  /** How long stop waits for in-flight requests before cutting their connections (default 5 s). */
  readonly drainTimeoutMs?: number;
}

/** What the server remembers about one request between its hooks and its handler. */
interface RequestState {
  correlationId: string | null;
  subject: string;
}

const DEFAULT_DRAIN_TIMEOUT_MS = 5_000;
/** Visible ASCII, at most 128 characters: safe to echo in a header and a JSON body. */
const CORRELATION_ID = /^[\x21-\x7e]{1,128}$/;
const MAX_LISTED_ISSUES = 5;

function invalidRequest(issues: readonly ValidationIssue[]): HttpProblem {
  const listed = issues.slice(0, MAX_LISTED_ISSUES).map((i) => `${i.path} ${i.message}`);
  const more = issues.length > MAX_LISTED_ISSUES ? `; and ${issues.length - MAX_LISTED_ISSUES} more (see details.issues)` : "";
  const fields = fieldsOf(issues);
  return new HttpProblem(400, "invalid_request", `The request is invalid: ${listed.join("; ")}${more}.`, {
    issues,
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
  });
}

function urlOf(address: AddressInfo): string {
  const wildcard = address.address === "0.0.0.0" || address.address === "::";
  const host = wildcard ? "127.0.0.1" : address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * The fastify server behind the API: routes with validated inputs, bearer auth, the CORS allowlist, the error
 * envelope for every failure (including unknown routes and wrong methods), and a draining stop.
 */
export class ApiHttpServer {
  readonly table = new RouteTable();
  private readonly app: FastifyInstance;
  private readonly compiler = new RouteSchemaCompiler();
  private readonly cors: CorsPolicy;
  private readonly auth: BearerAuth;
  private readonly requests = new WeakMap<IncomingMessage, RequestState>();
  private sealed = false;
  private draining = false;
  private closing: Promise<void> | null = null;
  private bound: ApiAddress | null = null;

  constructor(private readonly options: ApiHttpServerOptions) {
    const { config } = options;
    this.cors = new CorsPolicy(config.corsOrigins);
    this.auth = new BearerAuth(config.token);
    this.app = Fastify({
      loggerInstance: options.logger,
      genReqId: () => randomUUID(),
      bodyLimit: config.bodyLimitBytes,
      requestTimeout: config.requestTimeoutMs,
      ...(config.requestTimeoutMs > 0 ? { handlerTimeout: config.requestTimeoutMs } : {}),
      return503OnClosing: false,
      routerOptions: { ignoreTrailingSlash: true },
      frameworkErrors: (error, request, reply) => this.sendProblem(request, reply, error),
      clientErrorHandler: answerClientError,
    }) as unknown as FastifyInstance;
    this.installHooks();
    this.installFallbacks();
  }

  /** True when no api token is configured (every bearer route is open). */
  get authOpen(): boolean {
    return this.auth.open;
  }

  /** Registers a route; only before the server listens. Problems throw ARK_API_REGISTRATION_INVALID naming `owner`. */
  addRoute(route: ApiRoute, owner: string): void {
    if (this.sealed) {
      throw new ArkError("ARK_API_REGISTRATION_INVALID", `Route ${route.method} ${route.url} was added by "${owner}" after the API started listening; add routes during your plugin's init (the API listens in its start, after every init).`, {
        details: { owner, method: route.method, url: route.url },
      });
    }
    checkRouteShape(route, owner);
    const pathParams = pathParamsOf(route.url);
    const schemas: RouteSchemas = {
      ...route.schema,
      ...(route.schema?.params === undefined && pathParams.length > 0 ? { params: defaultParamsSchema(pathParams) } : {}),
    };
    let validators;
    try {
      validators = this.compiler.compile(schemas);
    } catch (err) {
      throw new ArkError("ARK_API_REGISTRATION_INVALID", `Route ${route.method} ${route.url} added by "${owner}" is invalid: ${errorMessage(err)}`, {
        cause: err, details: { owner, method: route.method, url: route.url },
      });
    }
    const entry = this.table.add(route, owner, schemas, validators);
    this.app.route({
      method: route.method,
      url: route.url,
      config: { arkRoute: entry },
      ...(route.bodyLimitBytes ? { bodyLimit: route.bodyLimitBytes } : {}),
      ...(route.timeoutMs ? { handlerTimeout: route.timeoutMs } : {}),
      preValidation: async (request: FastifyRequest) => {
        const issues = validateRequest(entry.validators, request);
        if (issues.length > 0) throw invalidRequest(issues);
      },
      handler: (request: FastifyRequest, reply: FastifyReply) => this.answer(entry, request, reply),
    });
  }

  /** The node server (exists before listen), for Socket.IO and friends. */
  httpServer(): Server {
    return this.app.server;
  }

  address(): ApiAddress | null {
    return this.bound;
  }

  /** Starts listening; no routes can be added afterwards. */
  async listen(): Promise<ApiAddress> {
    const { host, port } = this.options.config;
    if (this.sealed) throw new ArkError("ARK_KERNEL_STATE", "The API server was started twice; create a new api module per kernel.");
    this.sealed = true;
    try {
      await this.app.listen({ host, port });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new ArkError("ARK_API_LISTEN_FAILED", `The "api" module could not listen on ${host}:${port}: ${errorMessage(err)}`, {
        cause: err, details: { host, port, ...(typeof code === "string" ? { code } : {}) },
      });
    }
    const address = this.app.server.address() as AddressInfo;
    this.bound = { host: address.address, port: address.port, url: urlOf(address) };
    return this.bound;
  }

  /**
   * Stops accepting requests and waits for in-flight ones to finish (answers carry `Connection: close`; requests
   * that arrive meanwhile get 503). Connections still busy after the drain timeout are cut. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.sealed = true;
    this.draining = true;
    this.closing = (async () => {
      const cut = setTimeout(() => this.app.server.closeAllConnections(), this.options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
      cut.unref();
      try {
        await this.app.close();
      } finally {
        clearTimeout(cut);
        this.bound = null;
      }
    })();
    return this.closing;
  }

  private installHooks(): void {
    this.app.addHook("onRequest", async (request, reply) => {
      const state: RequestState = { correlationId: null, subject: PUBLIC_SUBJECT };
      this.requests.set(request.raw, state);
      reply.header("X-Request-Id", request.id);
      reply.headers(this.cors.responseHeaders(request.headers.origin));
      state.correlationId = this.correlationIdOf(request);
      if (state.correlationId) reply.header("X-Correlation-Id", state.correlationId);
      if (this.draining) {
        throw new HttpProblem(503, "service_unavailable", "The server is shutting down; retry shortly or against another instance.", {}, { Connection: "close" });
      }
      const entry = entryOf(request);
      if (!entry) return;
      const { method, url, headers } = request;
      state.subject = await this.auth.check(entry.route.auth, { method, url, headers, params: request.params as Record<string, string> }, entry.route.authorize);
    });
    this.app.addHook("onSend", async (_request, reply) => {
      if (this.draining) reply.header("Connection", "close");
    });
    this.app.setErrorHandler((error, request, reply) => this.sendProblem(request, reply, error));
  }

  /** Unknown paths (404), known paths with another method (405), and OPTIONS (CORS preflight or Allow). */
  private installFallbacks(): void {
    this.app.setNotFoundHandler(async (request) => {
      const path = request.url.split("?")[0] ?? request.url;
      const methods = this.table.methodsFor(path);
      if (methods.length > 0) {
        throw new HttpProblem(405, "method_not_allowed", `${request.method} is not allowed on ${path}; it answers ${methods.join(", ")}.`, { method: request.method, path, allowed: methods }, {
          Allow: [...methods, "OPTIONS"].join(", "),
        });
      }
      throw new HttpProblem(404, "not_found", `No route answers ${request.method} ${path}; GET /api/docs lists every route.`, { method: request.method, path });
    });
    this.app.route({
      method: "OPTIONS",
      url: "/*",
      handler: async (request, reply) => {
        if (this.cors.isPreflight(request.method, request.headers)) {
          return reply.code(204).headers(this.cors.preflightHeaders(String(request.headers.origin))).send();
        }
        const path = request.url.split("?")[0] ?? request.url;
        const methods = this.table.methodsFor(path);
        if (methods.length === 0) throw new HttpProblem(404, "not_found", `No route answers ${path}; GET /api/docs lists every route.`, { path });
        return reply.code(204).header("Allow", [...methods, "OPTIONS"].join(", ")).send();
      },
    });
  }

  private correlationIdOf(request: FastifyRequest): string | null {
    const value = request.headers["x-correlation-id"];
    if (value === undefined) return null;
    if (typeof value !== "string" || !CORRELATION_ID.test(value)) {
      throw new HttpProblem(400, "invalid_request", "X-Correlation-Id must be 1 to 128 visible ASCII characters (no spaces), sent once.", {
        issues: [{ path: "headers.x-correlation-id", message: "must be 1 to 128 visible ASCII characters", keyword: "pattern" }],
      });
    }
    return value;
  }

  private async answer(entry: RouteEntry, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
    const state = this.requests.get(request.raw) ?? { correlationId: null, subject: PUBLIC_SUBJECT };
    const apiRequest: ApiRequest<any, any, any> = {
      params: request.params,
      query: request.query,
      body: request.body,
      headers: request.headers,
      method: request.method,
      url: request.url,
      requestId: request.id,
      correlationId: state.correlationId,
      subject: state.subject,
      signal: request.signal,
      log: request.log as unknown as Logger,
    };
    const result = await entry.route.handler(apiRequest);
    // The request may have timed out (and been answered) while the handler ran.
    if (reply.sent) return;
    if (result instanceof ApiReply) {
      reply.code(result.status).headers(result.headers);
      return result.body === undefined ? reply.send() : reply.send(result.body);
    }
    return result === undefined ? reply.code(204).send() : reply.send(result);
  }

  private sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
    const problem = problemFromError(error, { bodyLimitBytes: this.options.config.bodyLimitBytes });
    if (problem.logLevel === "error") request.log.error({ err: error, code: problem.code }, `request failed: ${problem.code}`);
    else request.log.debug({ code: problem.code, status: problem.status }, `request refused: ${problem.message}`);
    const state = this.requests.get(request.raw);
    return reply
      .code(problem.status)
      .header("X-Request-Id", request.id)
      .headers(this.cors.responseHeaders(request.headers.origin))
      .headers(problem.headers ?? {})
      .type("application/json; charset=utf-8")
      .send(errorEnvelope(problem, { requestId: request.id, correlationId: state?.correlationId ?? null }));
  }
}

function entryOf(request: FastifyRequest): RouteEntry | undefined {
  return (request.routeOptions.config as { arkRoute?: RouteEntry } | undefined)?.arkRoute;
}
