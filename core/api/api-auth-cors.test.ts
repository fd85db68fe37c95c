import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { definePlugin } from "../plugin-api/plugin.js";
import { apiServerRef, type ApiRequest, type AuthorizeRequest } from "./api-server-port.js";
import { http, startApiKernel, type ApiKernel } from "./api-test-support.js";
import { BearerAuth } from "./bearer-auth.js";
import { CorsPolicy } from "./cors-policy.js";
import { HttpProblem } from "./error-envelope.js";

const TOKEN = "s3cret-token-for-tests-0123456789";
const UI = "https://ui.example.com";

/** An internal route authorised by its own per-run header (as the ToolHost callback will be). */
const internalRoutes = definePlugin({
  id: "internal-routes",
  version: "1.0.0",
  kernel: "^1.0.0",
  requires: ["api"],
  init(ctx) {
    ctx.get(apiServerRef).addRoute({
      method: "GET",
      url: "/api/internal/runs/:run/ping",
      summary: "Executor callback",
      auth: "internal",
      authorize: (req: AuthorizeRequest) => {
        const key = req.headers["x-run-key"];
        if (key === undefined) return { ok: false, reason: "unauthorized", message: "Send X-Run-Key." };
        if (key !== `key-for-${req.params.run}`) return { ok: false, reason: "forbidden", message: "This key is for another run." };
        return { ok: true, subject: `run:${req.params.run}` };
      },
      handler: (req: ApiRequest) => ({ subject: req.subject }),
    });
  },
});

let k: ApiKernel;
beforeAll(async () => {
  k = await startApiKernel({ api: { token: TOKEN, cors: { origins: [UI, "http://localhost:5173/"] } }, plugins: [internalRoutes] });
});
afterAll(async () => k?.stop());

const url = (path: string) => `${k.baseUrl}${path}`;
const SETTINGS = "/api/settings/runtime/node-executor";

describe("bearer token", () => {
  it("protected routes need the token: missing → 401 with a challenge, wrong → 401 invalid_token, right → 200", async () => {
    const missing = await http(url(SETTINGS));
    expect(missing.status).toBe(401);
    expect(missing.json.error.code).toBe("unauthorized");
    expect(missing.headers["www-authenticate"]).toBe('Bearer realm="ark"');

    for (const header of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, "Bearer ", `Basic ${TOKEN}`, TOKEN]) {
      const wrong = await http(url(SETTINGS), { headers: { Authorization: header } });
      expect(wrong.status, header).toBe(401);
      expect(wrong.json.error.code).toBe("unauthorized");
    }
    expect((await http(url(SETTINGS), { headers: { Authorization: `Bearer ${TOKEN}x` } })).headers["www-authenticate"]).toContain('error="invalid_token"');

    expect((await http(url(SETTINGS), { method: "HEAD" })).status).toBe(401);
    expect((await http(url(`${SETTINGS}/history`), { method: "POST", body: {} })).status).toBe(405);

    const right = await http(url(SETTINGS), { headers: { Authorization: `bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
    expect(right.json.ok).toBe(true);
  });

  it("health and docs stay public", async () => {
    expect((await http(url("/api/health"))).status).toBe(200);
    expect((await http(url("/api/docs"))).status).toBe(200);
  });

  it("unknown routes answer 404 without a token (there is nothing to protect)", async () => {
    expect((await http(url("/api/nope"))).status).toBe(404);
  });

  it("internal routes take their authorizer's verdict: 401 without a credential, 403 for another run's, the subject otherwise", async () => {
    const none = await http(url("/api/internal/runs/7/ping"));
    expect([none.status, none.json.error.code, none.json.error.message]).toEqual([401, "unauthorized", "Send X-Run-Key."]);
    const other = await http(url("/api/internal/runs/7/ping"), { headers: { "X-Run-Key": "key-for-8" } });
    expect([other.status, other.json.error.code]).toEqual([403, "forbidden"]);
    const own = await http(url("/api/internal/runs/7/ping"), { headers: { "X-Run-Key": "key-for-7" } });
    expect(own.json).toEqual({ subject: "run:7" });
    const admin = await http(url("/api/internal/runs/7/ping"), { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(admin.json).toEqual({ subject: "api" });
  });

  it("internal routes are marked in the docs", async () => {
    const docs = await http(url("/api/docs"));
    expect(docs.json.paths["/api/internal/runs/{run}/ping"].get["x-internal"]).toBe(true);
  });
});

describe("CORS allowlist", () => {
  it("an allowed origin gets the CORS headers, on successes and on errors", async () => {
    const ok = await http(url("/api/health"), { headers: { Origin: UI } });
    expect(ok.headers["access-control-allow-origin"]).toBe(UI);
    expect(ok.headers["access-control-expose-headers"]).toContain("X-Request-Id");
    expect(ok.headers.vary).toContain("Origin");
    const denied = await http(url(SETTINGS), { headers: { Origin: UI } });
    expect(denied.status).toBe(401);
    expect(denied.headers["access-control-allow-origin"]).toBe(UI);
    const missing = await http(url("/api/nope"), { headers: { Origin: UI } });
    expect(missing.headers["access-control-allow-origin"]).toBe(UI);
  });

  it("origins match without case or trailing-slash differences", async () => {
    const res = await http(url("/api/health"), { headers: { Origin: "http://LOCALHOST:5173" } });
    expect(res.headers["access-control-allow-origin"]).toBe("http://LOCALHOST:5173");
  });

  it("another origin gets no CORS headers (the browser then keeps the answer from the page)", async () => {
    const res = await http(url("/api/health"), { headers: { Origin: "https://evil.example.com" } });
    expect(res.status).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    expect(res.headers.vary).toContain("Origin");
  });

  it("a preflight from an allowed origin gets 204 with methods and headers, without a token", async () => {
    const res = await http(url(SETTINGS), {
      method: "OPTIONS",
      headers: { Origin: UI, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type" },
    });
    expect(res.status).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe(UI);
    expect(res.headers["access-control-allow-methods"]).toContain("POST");
    expect(res.headers["access-control-allow-headers"]).toMatch(/Authorization/);
    expect(res.headers["access-control-allow-headers"]).toMatch(/Content-Type/);
    expect(Number(res.headers["access-control-max-age"])).toBeGreaterThan(0);
  });

  it("a preflight from another origin is 403 forbidden without CORS headers", async () => {
    const res = await http(url(SETTINGS), { method: "OPTIONS", headers: { Origin: "https://evil.example.com", "Access-Control-Request-Method": "POST" } });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("forbidden");
    expect(res.json.error.message).toContain("api.cors.origins");
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("a plain OPTIONS lists the allowed methods; on an unknown path it is 404", async () => {
    const known = await http(url(SETTINGS), { method: "OPTIONS" });
    expect(known.status).toBe(204);
    expect(known.headers.allow).toBe("GET, HEAD, POST, OPTIONS");
    expect((await http(url("/api/nope"), { method: "OPTIONS" })).status).toBe(404);
  });
});

describe("CorsPolicy and BearerAuth on their own", () => {
  it('"*" allows any origin only when listed; no list means no CORS headers at all', () => {
    expect(new CorsPolicy(["*"]).responseHeaders("https://any.example")["Access-Control-Allow-Origin"]).toBe("*");
    expect(new CorsPolicy([]).responseHeaders("https://any.example")).toEqual({});
    expect(() => new CorsPolicy([]).preflightHeaders("https://any.example")).toThrow(/CORS is off/);
    expect(new CorsPolicy(["https://a.example"]).responseHeaders(undefined)).toEqual({ Vary: "Origin" });
  });

  it("without a token, bearer routes are open and internal routes still need their authorizer", async () => {
    const open = new BearerAuth(null);
    const request = { method: "GET", url: "/api/x", headers: {}, params: {} };
    await expect(open.check("bearer", request)).resolves.toBe("api");
    await expect(open.check("public", request)).resolves.toBe("public");
    await expect(open.check("internal", request)).rejects.toBeInstanceOf(HttpProblem);
  });
});
