import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArkError } from "../errors/index.js";
import { definePlugin } from "../plugin-api/plugin.js";
import { apiReply, apiServerRef, type ApiRequest, type HealthSourceResult } from "./api-server-port.js";
import { http, memoryLogger, startApiKernel, type ApiKernel } from "./api-test-support.js";

/** What the demo plugin's routes saw, so tests can check the handler side too. */
const seen = { slowAborted: false, lateRouteError: null as unknown, itemNames: [] as string[] };
let demoHealth: HealthSourceResult = { status: "ok" };

const itemParams = { type: "object", properties: { id: { type: "integer", minimum: 1 } }, required: ["id"] };
const itemQuery = { type: "object", properties: { dry: { type: "boolean", default: false } }, additionalProperties: false };
const itemBody = {
  type: "object",
  required: ["name"],
  properties: { name: { type: "string", minLength: 1 }, count: { type: "integer" }, tags: { type: "array", items: { type: "string" } } },
  additionalProperties: false,
};

/** A plugin that adds routes during its init, the way real plugins do. */
const demoRoutes = definePlugin({
  id: "demo-routes",
  version: "1.0.0",
  kernel: "^1.0.0",
  requires: ["api"],
  init(ctx) {
    const api = ctx.get(apiServerRef);
    api.addRoute({
      method: "POST",
      url: "/api/demo/items/:id",
      summary: "Create a demo item",
      tags: ["demo"],
      auth: "bearer",
      schema: { params: itemParams, querystring: itemQuery, body: itemBody, response: { "201": { type: "object", properties: { id: { type: "integer" } } } } },
      handler: (req: ApiRequest<{ id: number }, { dry: boolean }, { name: string }>) =>
        seen.itemNames.push(req.body.name) && apiReply(201, { id: req.params.id, dry: req.query.dry, name: req.body.name, subject: req.subject, correlation: req.correlationId }, { Location: `/api/demo/items/${req.params.id}` }),
    });
    api.addRoute({ method: "DELETE", url: "/api/demo/items/:id", summary: "Delete a demo item", auth: "bearer", handler: () => undefined });
    api.addRoute({
      method: "GET", url: "/api/demo/boom", summary: "Fails unexpectedly", auth: "bearer",
      handler: () => {
        throw new Error("disk full at /var/lib/secret-path");
      },
    });
    api.addRoute({
      method: "GET", url: "/api/demo/missing", summary: "Fails with an ArkError", auth: "bearer",
      handler: () => {
        throw new ArkError("ARK_NOT_FOUND", "Demo item 7 does not exist; list items to find a valid id.", { details: { id: 7 } });
      },
    });
    api.addRoute({
      method: "GET", url: "/api/demo/store-failure", summary: "Fails with a 5xx ArkError", auth: "bearer",
      handler: () => {
        throw new ArkError("ARK_STORE_QUERY_FAILED", "A statement failed; it was rolled back.", { details: { sql: "SELECT secret FROM vault" } });
      },
    });
    api.addRoute({
      method: "GET", url: "/api/demo/slow", summary: "Waits until aborted", auth: "bearer", timeoutMs: 100,
      handler: (req: ApiRequest) =>
        new Promise((resolve) => {
          req.signal.addEventListener("abort", () => {
            seen.slowAborted = true;
            resolve({ late: true });
          });
        }),
    });
    api.addRoute({ method: "POST", url: "/api/demo/small", summary: "Accepts at most 1 KiB", auth: "bearer", bodyLimitBytes: 1024, schema: { body: true }, handler: (req: ApiRequest) => ({ got: req.body }) });
    api.registerHealthSource("demo", () => demoHealth);
  },
  start(ctx) {
    try {
      ctx.get(apiServerRef).addRoute({ method: "GET", url: "/api/demo/late", summary: "Too late", auth: "public", handler: () => ({}) });
    } catch (err) {
      seen.lateRouteError = err;
    }
  },
});

let k: ApiKernel;
const logs = memoryLogger();

beforeAll(async () => {
  k = await startApiKernel({ plugins: [demoRoutes], logger: logs.logger });
});
afterAll(async () => k?.stop());

const url = (path: string) => `${k.baseUrl}${path}`;

describe("health and docs", () => {
  it("GET /api/health is public and reports version, uptime, sources and the kernel's startup report", async () => {
    const before = await http(url("/api/health"));
    expect(before.status).toBe(200);
    expect(before.json).toMatchObject({ ok: true, status: "ok", kernel: { api_version: "1.0.0" } });
    expect(before.json.startup_report.plugins.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining(["store", "api"]));
    expect(before.json.uptime_seconds).toBeGreaterThanOrEqual(0);
    expect(before.json.sources.store).toMatchObject({ status: "ok", driver: "pglite" });
    expect(before.json.sources.demo).toEqual({ status: "ok" });

    k.api.setStartupReportSource(() => k.kernel.kernel.report);
    const after = await http(url("/api/health/"));
    expect(after.json.startup_report.plugins.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual(
      expect.arrayContaining([["api", "started"], ["store", "started"], ["demo-routes", "started"]]),
    );
  });

  it("answers 503 with status down when a health source is down, degraded stays 200, a throwing source is down", async () => {
    demoHealth = { status: "degraded", detail: "slow disk" };
    expect((await http(url("/api/health"))).json).toMatchObject({ ok: true, status: "degraded" });
    demoHealth = { status: "down", detail: "no disk" };
    const down = await http(url("/api/health"));
    expect(down.status).toBe(503);
    expect(down.json).toMatchObject({ ok: false, status: "down", sources: { demo: { status: "down", detail: "no disk" } } });
    demoHealth = { status: "sideways" } as unknown as HealthSourceResult;
    expect((await http(url("/api/health"))).json.sources.demo.status).toBe("down");
    demoHealth = { status: "ok" };
  });

  it("HEAD works for GET routes", async () => {
    const head = await http(url("/api/health"), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.text).toBe("");
  });

  it("GET /api/docs is an OpenAPI 3.0 document listing every route, with schemas, tags and security", async () => {
    const docs = await http(url("/api/docs"));
    expect(docs.status).toBe(200);
    expect(docs.json.openapi).toBe("3.0.3");
    const listed = Object.entries(docs.json.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const registered = k.api.routes().map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, "{$1}")}`);
    expect(listed.sort()).toEqual(registered.sort());
    expect(registered).toEqual(expect.arrayContaining(["GET /api/health", "GET /api/docs", "POST /api/demo/items/{id}", "GET /api/settings/runtime/node-executor"]));

    const create = docs.json.paths["/api/demo/items/{id}"].post;
    expect(create).toMatchObject({ summary: "Create a demo item", tags: ["demo"], security: [{ bearerAuth: [] }], "x-ark-owner": "demo-routes" });
    expect(create.parameters).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: "id", in: "path", required: true, schema: { type: "integer", minimum: 1 } }),
      expect.objectContaining({ name: "dry", in: "query", required: false }),
    ]));
    expect(create.requestBody.content["application/json"].schema.required).toEqual(["name"]);
    expect(create.responses["201"]).toBeDefined();
    expect(create.responses.default.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ErrorEnvelope" });
    expect(docs.json.paths["/api/health"].get.security).toEqual([]);
    expect(docs.json.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });
});

describe("a plugin's own routes", () => {
  it("validate and coerce params, query and body, then reach the handler with the caller's ids", async () => {
    const res = await http(url("/api/demo/items/12?dry=true"), { method: "POST", body: { name: "widget", tags: ["a"] }, headers: { "X-Correlation-Id": "corr-42" } });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe("/api/demo/items/12");
    expect(res.json).toEqual({ id: 12, dry: true, name: "widget", subject: "api", correlation: "corr-42" });
    expect(res.headers["x-correlation-id"]).toBe("corr-42");
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("report every problem in every part at once, each with its path", async () => {
    const res = await http(url("/api/demo/items/0?dry=maybe&extra=1"), { method: "POST", body: { count: "three", tags: [1], color: "red" }, headers: { "x-correlation-id": "c-1" } });
    expect(res.status).toBe(400);
    expect(res.json.ok).toBe(false);
    expect(res.json.correlation_id).toBe("c-1");
    expect(res.json.error).toMatchObject({ contract_version: "v1", code: "invalid_request", request_id: res.headers["x-request-id"] });
    const paths = res.json.error.details.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["params.id", "querystring.dry", "querystring.extra", "body.name", "body.count", "body.tags[0]", "body.color"]));
    expect(res.json.error.details.fields).toMatchObject({ name: "body.name is required", count: "body.count must be integer", color: "body.color is not an allowed property" });
    expect(res.json.error.message).toContain("params.id must be >= 1");
  });

  it("refuses numbers no handler can use: beyond the safe integer range, or coerced to Infinity", async () => {
    const big = await http(url("/api/demo/items/99999999999999999999?dry=false"), { method: "POST", body: { name: "w", count: 1e20 } });
    expect(big.status).toBe(400);
    expect(big.json.error.details.issues).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: "params.id", message: "must be <= 9007199254740991" }),
      expect.objectContaining({ path: "body.count", message: "must be <= 9007199254740991" }),
    ]));
    const infinite = await http(url("/api/demo/items/1e400"), { method: "POST", body: { name: "w" } });
    expect(infinite.status).toBe(400);
    expect(infinite.json.error.details.issues).toEqual([expect.objectContaining({ path: "params.id", message: "must be a finite number" })]);
    const largest = await http(url(`/api/demo/items/${Number.MAX_SAFE_INTEGER}`), { method: "POST", body: { name: "w", count: -Number.MAX_SAFE_INTEGER } });
    expect([largest.status, largest.json.id]).toEqual([201, Number.MAX_SAFE_INTEGER]);
  });

  it("refuses numbers written other than in decimal, which Number() would read: blank, hex, binary, padded", async () => {
    for (const id of ["0x10", "0b1", "%20", "%2012", "12%20"]) {
      const res = await http(url(`/api/demo/items/${id}`), { method: "POST", body: { name: "w" } });
      expect([id, res.status]).toEqual([id, 400]);
      expect(res.json.error.details.issues).toContainEqual({ path: "params.id", message: "must be a decimal number", keyword: "type" });
    }
    for (const text of ["12", "+12", "1.2e1", "012"]) {
      const res = await http(url(`/api/demo/items/${text}`), { method: "POST", body: { name: "w" } });
      expect([text, res.status, res.json.id]).toEqual([text, 201, 12]);
    }
  });

  it("refuses a NUL character anywhere in the query or the body, on routes with and without schemas", async () => {
    const body = await http(url("/api/demo/items/1"), { method: "POST", body: { name: "a\u0000b", tags: ["ok", "\u0000"] } });
    expect(body.status).toBe(400);
    expect(body.json.error.details.issues).toEqual([
      expect.objectContaining({ path: "body.name", message: "must not contain a NUL character (U+0000)", keyword: "nul" }),
      expect.objectContaining({ path: "body.tags[1]", keyword: "nul" }),
    ]);
    const unvalidated = await http(url("/api/demo/small"), { method: "POST", body: { ["k\u0000"]: "v" } });
    expect([unvalidated.status, unvalidated.json.error.details.issues[0].path]).toEqual([400, 'body["k\\u0000"]']);
    const query = await http(url("/api/demo/items/3?note=%00"), { method: "DELETE" });
    expect([query.status, query.json.error.details.issues[0].path]).toEqual([400, "querystring.note"]);
  });

  it("refuses a lone UTF-16 surrogate in a body value or key (JSON text \\ud800) before any handler sees it; pairs pass", async () => {
    const before = seen.itemNames.length;
    // Raw JSON text, so the escape itself reaches the server and its parser makes the lone surrogate.
    const body = await http(url("/api/demo/items/1"), { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"a\\ud800b","tags":["ok","\\udc00"]}' });
    expect(body.status).toBe(400);
    // The code every validation failure of the API gives, a NUL included.
    expect(body.json.error.code).toBe("invalid_request");
    expect(body.json.error.details.issues).toEqual([
      expect.objectContaining({ path: "body.name", message: "must not contain a lone UTF-16 surrogate (\\ud800 at offset 1); send well-formed Unicode", keyword: "surrogate" }),
      expect.objectContaining({ path: "body.tags[1]", keyword: "surrogate" }),
    ]);
    const key = await http(url("/api/demo/small"), { method: "POST", headers: { "content-type": "application/json" }, body: '{"k\\ud83d":"v"}' });
    expect([key.status, key.json.error.details.issues[0].path]).toEqual([400, 'body["k\\ud83d"]']);
    expect(seen.itemNames.length).toBe(before);
    const emoji = await http(url("/api/demo/items/2"), { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"smile \\ud83d\\ude00"}' });
    expect([emoji.status, emoji.json.name]).toEqual([201, "smile \u{1F600}"]);
    expect(seen.itemNames.slice(before)).toEqual(["smile \u{1F600}"]);
  });

  it("refuses a body nested deeper than 256 levels with a 400, however deep", async () => {
    for (const depth of [300, 100_000]) {
      const body = `{"name":"w","tags":${"[".repeat(depth)}${"]".repeat(depth)}}`;
      const res = await http(url("/api/demo/items/1"), { method: "POST", body, headers: { "content-type": "application/json" } });
      expect([res.status, res.json.error.details.issues]).toEqual([400, [{ path: "body", message: "nests arrays and objects more than 256 levels deep", keyword: "depth" }]]);
    }
    const fine = await http(url("/api/demo/items/1"), { method: "POST", body: { name: "w", tags: [] } });
    expect(fine.status).toBe(201);
  });

  it("refuses a body that is not JSON, not an object, too large or of another media type", async () => {
    const post = (body: string, type = "application/json") => http(url("/api/demo/items/1"), { method: "POST", body, headers: { "content-type": type } });
    const broken = await post("{not json");
    expect([broken.status, broken.json.error.code]).toEqual([400, "invalid_request"]);
    expect(broken.json.error.message).toMatch(/not valid JSON/);
    const array = await post("[1,2]");
    expect(array.json.error.details.issues).toEqual([expect.objectContaining({ path: "body", message: "must be object" })]);
    const xml = await post("<a/>", "application/xml");
    expect([xml.status, xml.json.error.code]).toEqual([415, "unsupported_media_type"]);
    const big = await http(url("/api/demo/small"), { method: "POST", body: { blob: "x".repeat(2000) } });
    expect([big.status, big.json.error.code]).toEqual([413, "payload_too_large"]);
    const small = await http(url("/api/demo/small"), { method: "POST", body: { blob: "x" } });
    expect(small.json).toEqual({ got: { blob: "x" } });
  });

  it("answers 204 when a handler returns nothing", async () => {
    const res = await http(url("/api/demo/items/3"), { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
  });

  it("routes added after the API listens are refused", () => {
    expect(seen.lateRouteError).toBeInstanceOf(ArkError);
    expect((seen.lateRouteError as ArkError).code).toBe("ARK_API_REGISTRATION_INVALID");
    expect((seen.lateRouteError as ArkError).message).toContain('"demo-routes"');
  });
});

describe("the error envelope", () => {
  it("unknown routes are 404 not_found, wrong methods 405 with Allow", async () => {
    const missing = await http(url("/api/nothing/here"));
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      ok: false,
      error: { contract_version: "v1", code: "not_found", message: expect.stringContaining("/api/nothing/here"), details: { method: "GET", path: "/api/nothing/here" }, request_id: missing.headers["x-request-id"] },
    });
    const wrong = await http(url("/api/demo/items/5"), { method: "PUT", body: {} });
    expect(wrong.status).toBe(405);
    expect(wrong.json.error.code).toBe("method_not_allowed");
    expect(wrong.json.error.details.allowed).toEqual(["DELETE", "POST"]);
    expect(wrong.headers.allow).toBe("DELETE, POST, OPTIONS");
  });

  it("an ArkError keeps its code and catalogue status; a 5xx ArkError hides its details", async () => {
    const missing = await http(url("/api/demo/missing"), { headers: { "X-Correlation-Id": "trace-9" } });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ ok: false, correlation_id: "trace-9", error: { code: "ARK_NOT_FOUND", message: "Demo item 7 does not exist; list items to find a valid id.", details: { id: 7 } } });
    const failure = await http(url("/api/demo/store-failure"));
    expect(failure.status).toBe(500);
    expect(failure.json.error).toMatchObject({ code: "ARK_STORE_QUERY_FAILED", details: {} });
    expect(failure.text).not.toContain("vault");
  });

  it("an unexpected error is a bare 500 internal_error; the stack goes to the log, not the body", async () => {
    const res = await http(url("/api/demo/boom"));
    expect(res.status).toBe(500);
    expect(res.json.error).toMatchObject({ code: "internal_error", details: {} });
    expect(res.text).not.toContain("secret-path");
    expect(res.text).not.toContain("at ");
    const logged = logs.lines.map((line) => JSON.parse(line)).find((line) => line.reqId === res.json.error.request_id && line.level === 50);
    expect(logged?.err?.message).toBe("disk full at /var/lib/secret-path");
    expect(logged?.err?.stack).toContain("api-routes.test.ts");
  });

  it("a request that outlives its timeout gets 503 request_timeout and its handler's signal fires", async () => {
    const res = await http(url("/api/demo/slow"));
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe("request_timeout");
    expect(seen.slowAborted).toBe(true);
  });

  it("a malformed X-Correlation-Id is refused with its path", async () => {
    const res = await http(url("/api/health"), { headers: { "X-Correlation-Id": "has spaces in it" } });
    expect(res.status).toBe(400);
    expect(res.json.error.details.issues[0].path).toBe("headers.x-correlation-id");
  });

  it("a malformed URL is a 400 envelope", async () => {
    const res = await http(url("/api/demo/items/%E0%A4%A"), { method: "DELETE" });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_request");
  });
});
