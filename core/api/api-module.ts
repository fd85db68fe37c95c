import { ArkError } from "../errors/index.js";
import { KERNEL_API_VERSION } from "../kernel/api-version.js";
import { coreServices } from "../plugin-api/core-services.js";
import { definePlugin, type PluginDefinition } from "../plugin-api/plugin.js";
import { apiSectionSchema, checkApiConfig, resolveApiConfig, type ApiConfig } from "./api-config.js";
import { apiServerRef, type ApiServer } from "./api-server-port.js";
import { HealthRegistry, healthRoute } from "./health.js";
import { ApiHttpServer } from "./http-server.js";
import { docsRoute } from "./openapi-document.js";
import { settingsRoutes } from "./settings-routes.js";

/** Options of one api module instance (tests pass their own drain timeout). */
export interface ApiModuleOptions {
  /** How long stop waits for in-flight requests before cutting connections (default 5 s). */
  readonly drainTimeoutMs?: number;
}

/** What the module holds between init and stop. */
interface ApiModuleState {
  readonly server: ApiHttpServer;
  readonly health: HealthRegistry;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** The facade one consumer sees: routes and health sources it adds are recorded under its plugin id. */
function facadeFor(state: ApiModuleState, consumer: string): ApiServer {
  return {
    addRoute: (route) => state.server.addRoute(route, consumer),
    registerHealthSource: (name, source) => state.health.register(name, source, consumer),
    setStartupReportSource: (source) => state.health.setStartupReportSource(source),
    httpServer: () => state.server.httpServer(),
    address: () => state.server.address(),
    routes: () => state.server.table.info(),
  };
}

/**
 * The built-in `api` module: the fastify HTTP API (top-level `api:` section). Init builds the server and its own
 * routes (health, docs, settings); other plugins add theirs in their init through `apiServerRef`; start listens;
 * stop drains in-flight requests. Lazy: it boots when a plugin requires "api" (or the CLI demands it).
 */
export function createApiModule(options: ApiModuleOptions = {}): PluginDefinition<ApiConfig> {
  let state: ApiModuleState | null = null;
  const current = (): ApiModuleState => {
    if (!state) throw new ArkError("ARK_KERNEL_STATE", "The API server was requested before the api module's init ran, or after it stopped.");
    return state;
  };

  return definePlugin<ApiConfig>({
    id: "api",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "HTTP API (fastify): schemas on every route, OpenAPI at /api/docs, bearer auth, CORS allowlist, error envelope.",
    lazy: true,
    requires: ["store"],
    provides: [apiServerRef],
    configSchema: apiSectionSchema,
    checkConfig: (section) => checkApiConfig(section),
    register(r) {
      r.provide(apiServerRef, (_ctx, consumer) => facadeFor(current(), consumer));
    },
    async init(ctx) {
      const config = resolveApiConfig(ctx.config);
      const server = new ApiHttpServer({ config, logger: ctx.logger, ...(options.drainTimeoutMs ? { drainTimeoutMs: options.drainTimeoutMs } : {}) });
      try {
        const health = new HealthRegistry();
        const kernel = ctx.get(coreServices.kernel);
        health.setStartupReportSource(() => kernel.startupReport());
        const store = ctx.get(coreServices.store);
        health.register("store", async () => {
          const result = await store.health();
          return { status: result.ok ? "ok" : "down", driver: result.driver, latency_ms: Math.round(result.latencyMs * 100) / 100, ...(result.detail ? { detail: result.detail } : {}) };
        }, "api");
        server.addRoute(healthRoute(health, ctx.get(coreServices.kernel)), "api");
        server.addRoute(docsRoute(server.table, { title: "ARK API", version: KERNEL_API_VERSION, description: "The Agent Runtime Kernel's HTTP API." }), "api");
        for (const route of settingsRoutes(ctx.get(coreServices.settings), { bodyLimitBytes: config.bodyLimitBytes })) server.addRoute(route, "api");
        state = { server, health };
      } catch (err) {
        await server.close();
        throw err;
      }
    },
    async start(ctx) {
      const { server } = current();
      const address = await server.listen();
      ctx.logger.info({ url: address.url, host: address.host, port: address.port, routes: server.table.all().length }, `API listening on ${address.url} (OpenAPI: ${address.url}/api/docs)`);
      if (server.authOpen && !LOOPBACK.has(ctx.config.host ?? "127.0.0.1")) {
        ctx.logger.warn({ host: ctx.config.host }, "The API listens beyond this machine without a token: set api.token (e.g. ${ARK_API_TOKEN}) so only callers holding it get in.");
      }
    },
    async stop(ctx) {
      const held = state;
      state = null;
      if (!held) return;
      await held.server.close();
      ctx.logger.info("API stopped");
    },
  });
}
