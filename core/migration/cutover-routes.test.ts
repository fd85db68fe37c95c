/**
 * The cutover gate over HTTP (GET/POST /api/settings/runtime/cutover) in a kernel with the built-in modules: enable
 * refused on a failed preflight with every failed check, forced and recorded, the generic settings route refusing to
 * flip the gate, disable with a reason, one event per toggle, and bad bodies.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiServerRef } from "../api/api-server-port.js";
import { http } from "../api/api-test-support.js";
import { eventBusRef } from "../events/event-bus-ref.js";
import { builtinModules } from "../kernel/builtin-modules.js";
import { definePlugin } from "../plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../testing/index.js";
import { CUTOVER_ROUTE } from "./cutover-routes.js";

const usesGate = definePlugin({ id: "uses-gate", version: "1.0.0", kernel: "^1.0.0", requires: ["migration-api"] });
let kernel: TestKernel;
let base: string;

beforeAll(async () => {
  kernel = await startTestKernel({
    plugins: [usesGate],
    builtins: builtinModules(),
    // Nothing listens on port 1: the Redis preflight check fails, so an enable without force is refused.
    config: { kernel: { pluginTimeoutMs: 60_000 }, api: { port: 0 }, events: { redis: { url: "redis://127.0.0.1:1" } } },
  });
  base = kernel.get(apiServerRef).address()!.url;
});
afterAll(async () => kernel?.stop());

const call = (path: string, body?: unknown) => http(`${base}${path}`, body === undefined ? {} : { method: "POST", body });

describe("cutover gate routes", () => {
  it("refuses, forces, guards the settings route, disables, and records one event per toggle", async () => {
    expect((await call(CUTOVER_ROUTE)).json).toMatchObject({ ok: true, enabled: false, last_change: null });

    const refused = await call(CUTOVER_ROUTE, { enabled: true });
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({ code: "ARK_CUTOVER_PREFLIGHT_FAILED" });
    expect(JSON.stringify(refused.json.error.details)).toContain("redis");
    expect((await call(CUTOVER_ROUTE)).json.enabled).toBe(false);

    const forced = await call(CUTOVER_ROUTE, { enabled: true, force: true });
    expect(forced.status).toBe(200);
    expect(forced.json).toMatchObject({ ok: true, enabled: true, changed: true, forced: true, version: expect.any(Number) });
    expect(forced.json.preflight.find((c: { name: string }) => c.name === "redis")).toMatchObject({ status: "fail" });
    const status = (await call(CUTOVER_ROUTE)).json;
    expect(status).toMatchObject({ enabled: true, last_change: { version: forced.json.version, actor: "api" } });
    expect(status.last_change.note).toMatch(/^forced: enabled with failed preflight checks: redis/);

    const flip = await call("/api/settings/runtime/node-executor", { agent_runtime_cutover_enabled: false, execution_timeout_seconds: 900 });
    expect(flip.status).toBe(409);
    expect(flip.json.error).toMatchObject({ code: "ARK_CUTOVER_USE_GATE", details: { current: "true", requested: "false" } });
    const reset = await call("/api/settings/runtime/node-executor", { agent_runtime_cutover_enabled: null });
    expect(reset.json.error?.code).toBe("ARK_CUTOVER_USE_GATE");
    const same = await call("/api/settings/runtime/node-executor", { agent_runtime_cutover_enabled: "true", execution_timeout_seconds: 900 });
    expect(same.status).toBe(200);
    expect(same.json.node_executor_settings).toMatchObject({ agent_runtime_cutover_enabled: "true", execution_timeout_seconds: "900" });

    const disabled = await call(CUTOVER_ROUTE, { enabled: false, reason: "rollback drill" });
    expect(disabled.json).toMatchObject({ ok: true, enabled: false, changed: true, preflight: [] });
    expect((await call(CUTOVER_ROUTE)).json.last_change).toMatchObject({ version: disabled.json.version, note: "rollback drill" });
    expect((await call(CUTOVER_ROUTE, { enabled: false })).json).toMatchObject({ changed: false, version: null });

    const events = await kernel.get(eventBusRef).readEvents({ entityKind: "runtime_setting", limit: 10 });
    expect(events.map((e) => [e.event_type, e.payload.version])).toEqual([
      ["runtime:cutover:enabled", forced.json.version],
      ["runtime:cutover:disabled", disabled.json.version],
    ]);
  });

  it("answers bad bodies with 400 and changes nothing", async () => {
    const before = (await call(CUTOVER_ROUTE)).json;
    for (const body of [{}, { enabled: "yes" }, { enabled: true, extra: 1 }, { enabled: false, reason: "" }, { enabled: true, force: "true" }]) {
      const res = await call(CUTOVER_ROUTE, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await call(CUTOVER_ROUTE)).json).toEqual(before);
  });
});
