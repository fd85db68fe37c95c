import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ArkError } from "../errors/index.js";
import { silentLogger } from "../logging/logger.js";
import { coreServices } from "../plugin-api/core-services.js";
import { definePlugin, type PluginDefinition } from "../plugin-api/plugin.js";
import type { Store } from "../store/store-port.js";
import { startTestKernel } from "../testing/index.js";
import { resolveApiConfig } from "./api-config.js";
import { createApiModule } from "./api-module.js";
import { apiServerRef, type ApiRoute } from "./api-server-port.js";
import { HealthRegistry } from "./health.js";
import { ApiHttpServer } from "./http-server.js";

const servers: ApiHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function newServer(): ApiHttpServer {
  const server = new ApiHttpServer({ config: resolveApiConfig({ port: 0 }), logger: silentLogger() });
  servers.push(server);
  return server;
}

const ok: ApiRoute = { method: "GET", url: "/api/things/:id", summary: "A thing", auth: "bearer", handler: () => ({}) };

function registrationError(add: () => void): ArkError {
  try {
    add();
  } catch (err) {
    expect(err).toBeInstanceOf(ArkError);
    expect((err as ArkError).code).toBe("ARK_API_REGISTRATION_INVALID");
    return err as ArkError;
  }
  throw new Error("expected the registration to be refused");
}

describe("addRoute refuses broken routes, naming the plugin", () => {
  it.each<[string, Partial<ApiRoute>, RegExp]>([
    ["a url outside /api/", { url: "/things" }, /must start with \/api\//],
    ["a trailing slash", { url: "/api/things/" }, /no trailing slash/],
    ["a regex parameter", { url: "/api/things/:id(\\d+)" }, /:name parameters/],
    ["an unknown method", { method: "TRACE" as never }, /method must be one of/],
    ["no summary", { summary: " " }, /summary is required/],
    ["an unknown auth", { auth: "token" as never }, /auth must be/],
    ["internal without authorize", { auth: "internal" }, /needs an authorize/],
    ["POST without a body schema", { method: "POST" }, /need schema.body/],
    ["a schema with an unknown keyword", { schema: { querystring: { type: "object", properties: { a: { type: "string", minLenght: 1 } } } } }, /schema.querystring does not compile.*minLenght/],
    ["a zero timeout", { timeoutMs: 0 }, /timeoutMs must be a positive whole number/],
  ])("%s", (_name, change, message) => {
    const error = registrationError(() => newServer().addRoute({ ...ok, ...change } as ApiRoute, "plugin-x"));
    expect(error.message).toMatch(message);
    expect(error.message).toContain('"plugin-x"');
  });

  it("a second route with the same method and path shape, naming who added the first", () => {
    const server = newServer();
    server.addRoute(ok, "first-plugin");
    const error = registrationError(() => server.addRoute({ ...ok, url: "/api/things/:thingId" }, "second-plugin"));
    expect(error.message).toContain('"first-plugin" already added GET /api/things/:');
    server.addRoute({ ...ok, method: "DELETE" }, "second-plugin");
    expect(server.table.info().map((r) => `${r.method} ${r.owner}`)).toEqual(["GET first-plugin", "DELETE second-plugin"]);
  });

  it("health sources need a lower-case unique name and a function", () => {
    const health = new HealthRegistry();
    health.register("redis", () => ({ status: "ok" }), "events");
    expect(registrationError(() => health.register("redis", () => ({ status: "ok" }), "other")).message).toContain('"events" already registered');
    expect(registrationError(() => health.register("Bad Name", () => ({ status: "ok" }), "other")).message).toContain("lower-case");
    expect(registrationError(() => health.register("x", "nope" as never, "other")).message).toContain("must be a function");
  });
});

/** A stand-in store module: these tests are about the api module, not the database. */
function stubStoreModule(): PluginDefinition {
  const store = { driver: "pglite", health: async () => ({ ok: true, driver: "pglite", latencyMs: 0 }) } as unknown as Store;
  return definePlugin({
    id: "store", version: "1.0.0", kernel: "^1.0.0", lazy: true,
    provides: [coreServices.store, coreServices.idempotency, coreServices.settings],
    register(r) {
      r.provide(coreServices.store, () => store);
      r.provide(coreServices.idempotency, () => ({}) as never);
      r.provide(coreServices.settings, () => ({}) as never);
    },
  }) as PluginDefinition;
}

describe("the api module in a kernel", () => {
  it("a plugin adding a broken route fails the boot with the registration error naming it", async () => {
    const broken = definePlugin({
      id: "broken-routes", version: "1.0.0", kernel: "^1.0.0", requires: ["api"],
      init(ctx) {
        ctx.get(apiServerRef).addRoute({ method: "GET", url: "/api/health", summary: "Mine now", auth: "public", handler: () => ({}) });
      },
    });
    const boot = startTestKernel({ plugins: [broken], builtins: [stubStoreModule(), createApiModule() as PluginDefinition], config: { api: { port: 0 } } });
    await expect(boot).rejects.toMatchObject({ code: "ARK_API_REGISTRATION_INVALID", message: expect.stringMatching(/"broken-routes".*"api" already added GET \/api\/health/) });
  });

  it("a port in use fails the start with ARK_API_LISTEN_FAILED naming host and port", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const needsApi = definePlugin({ id: "needs-api", version: "1.0.0", kernel: "^1.0.0", requires: ["api"] });
      const boot = startTestKernel({ plugins: [needsApi], builtins: [stubStoreModule(), createApiModule() as PluginDefinition], config: { api: { port } } });
      await expect(boot).rejects.toMatchObject({ code: "ARK_API_LISTEN_FAILED", message: expect.stringContaining(`127.0.0.1:${port}`) });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("the api module boots only when something requires it", async () => {
    const alone = definePlugin({ id: "alone", version: "1.0.0", kernel: "^1.0.0" });
    const k = await startTestKernel({ plugins: [alone], builtins: [stubStoreModule(), createApiModule() as PluginDefinition] });
    try {
      expect(k.report.plugins.map((p) => p.id)).not.toContain("api");
    } finally {
      await k.stop();
    }
  });
});
