// The in-cluster tool-host probe of the `kubernetes` preflight (config `probeToolHost`), against the API simulator:
// a pod running the real executor calls the tool host it is given; each failure names what to fix. One kernel.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { coreServices, type PreflightCheckResult } from "../../core/plugin-api/index.js";
import { PREFLIGHT_CHECK_ID } from "./index.js";
import { startHarness, type Harness } from "./test-support.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  // The real executor from source: it knows the probe node type without any plugin.
  await h.settings.update({ k8s_frontier_image: "ark-executor-frontier:real" }, "test");
}, 120_000);
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  h.sim.clearDenials();
});

const preflight = async (): Promise<PreflightCheckResult[]> => {
  const check = h.kernel.get(coreServices.registries).preflightChecks.require(PREFLIGHT_CHECK_ID);
  return [await check.run(new AbortController().signal)].flat();
};
const probeLine = (results: PreflightCheckResult[]) => results.find((r) => r.detail.startsWith("kubernetes tool host from a pod"));
const jobsLeft = () => h.sim.list("jobs", "ark-runs").filter((j) => String(j.metadata.name).includes("probe"));

describe("kubernetes preflight: the tool host from a pod", () => {
  it("is off by default: no Job is created", async () => {
    h.configure();
    const results = await preflight();
    expect(probeLine(results)).toBeUndefined();
    expect(results.every((r) => r.status === "ok")).toBe(true);
    expect(jobsLeft()).toEqual([]);
  });

  it("passes when a pod reaches the tool host and the kernel accepts the token, and deletes its Job", async () => {
    h.configure({ probeToolHost: true, toolHostUrl: h.apiUrl });
    const line = probeLine(await preflight());
    expect(line).toMatchObject({ status: "ok" });
    expect(line!.detail).toContain(`a pod in ark-runs reached ${h.apiUrl} and its token was accepted`);
    expect(jobsLeft()).toEqual([]);
  }, 60_000);

  it("fails with the URL fix when pods cannot reach toolHostUrl", async () => {
    h.configure({ probeToolHost: true, toolHostUrl: "http://127.0.0.1:1" });
    const line = probeLine(await preflight());
    expect(line).toMatchObject({ status: "fail" });
    expect(line!.detail).toContain("GET http://127.0.0.1:1/api/internal/tool-host/tools from the executor failed");
    expect(line!.hint).toContain("Set dispatch-kubernetes `toolHostUrl`");
    expect(jobsLeft()).toEqual([]);
  }, 60_000);

  it("fails with the token-secret fix when the kernel at toolHostUrl refuses the token", async () => {
    // Another "kernel" that does not share the token secret: it answers the tool list with 401.
    const other: Server = createServer((_req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: false, error: { contract_version: "v1", code: "unauthorized", message: "The node-run token is not valid here." } }));
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    try {
      h.configure({ probeToolHost: true, toolHostUrl: `http://127.0.0.1:${(other.address() as AddressInfo).port}` });
      const line = probeLine(await preflight());
      expect(line).toMatchObject({ status: "fail" });
      expect(line!.detail).toContain("not valid here");
      expect(line!.hint).toContain("tooling.tokenSecret must be the same on every kernel");
    } finally {
      other.close();
    }
  }, 60_000);

  it("fails with the image fix when the probe pod never starts, and is not run when an earlier check failed", async () => {
    await h.settings.update({ k8s_frontier_image: "ark-executor-frontier:missing" }, "test");
    try {
      h.configure({ probeToolHost: true, toolHostUrl: h.apiUrl, timeouts: { dispatchSeconds: 1.5, executionSeconds: 30, logCollectionSeconds: 5, cancelGraceSeconds: 1 } });
      const line = probeLine(await preflight());
      expect(line).toMatchObject({ status: "fail" });
      expect(line!.detail).toContain("did not confirm startup");
      expect(line!.hint).toContain("check the frontier executor image");
      expect(jobsLeft()).toEqual([]);
    } finally {
      await h.settings.update({ k8s_frontier_image: "ark-executor-frontier:real" }, "test");
    }
    h.sim.deny({ verb: "create", resource: "secrets" });
    h.configure({ probeToolHost: true, toolHostUrl: h.apiUrl });
    expect(probeLine(await preflight())).toEqual({ status: "fail", detail: "kubernetes tool host from a pod: not run (fix the checks above first)" });
    expect(jobsLeft()).toEqual([]);
  }, 60_000);
});
