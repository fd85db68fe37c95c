import { Agent } from "node:http";
import { describe, expect, it, vi } from "vitest";
import { definePlugin } from "../plugin-api/plugin.js";
import { apiServerRef } from "./api-server-port.js";
import { http, startApiKernel } from "./api-test-support.js";

/** A route whose requests wait until the test opens the gate; `entered` resolves when one is inside the handler. */
function gatedRoutes() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const plugin = definePlugin({
    id: "gated-routes",
    version: "1.0.0",
    kernel: "^1.0.0",
    requires: ["api"],
    init(ctx) {
      ctx.get(apiServerRef).addRoute({
        method: "GET",
        url: "/api/gated",
        summary: "Answers once the gate opens",
        auth: "public",
        async handler() {
          entered();
          await gate;
          return { finished: true };
        },
      });
    },
  });
  return { plugin, open, inside };
}

describe("stopping the api module", () => {
  it("lets an in-flight request finish, refuses new connections meanwhile, then stops", async () => {
    const { plugin, open, inside } = gatedRoutes();
    const k = await startApiKernel({ plugins: [plugin] });
    const server = k.api.httpServer();
    const agent = new Agent({ keepAlive: true });
    try {
      const inFlight = http(`${k.baseUrl}/api/gated`, { agent });
      await inside;
      const stopped = k.stop();
      await vi.waitFor(() => expect(server.listening).toBe(false));
      await expect(http(`${k.baseUrl}/api/health`)).rejects.toMatchObject({ code: "ECONNREFUSED" });

      open();
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ finished: true });
      expect(answer.headers.connection).toBe("close");
      await stopped;
      expect(k.api.address()).toBeNull();
      expect(k.kernel.report.plugins.find((p) => p.id === "api")?.status).toBe("stopped");
      await k.stop();
    } finally {
      agent.destroy();
      open();
    }
  });

  it("cuts a request that never finishes after the drain timeout instead of hanging the stop", async () => {
    const { plugin, open, inside } = gatedRoutes();
    const k = await startApiKernel({ plugins: [plugin], module: { drainTimeoutMs: 200 } });
    try {
      const stuck = http(`${k.baseUrl}/api/gated`).catch((err: NodeJS.ErrnoException) => err);
      await inside;
      await k.stop();
      expect(await stuck).toMatchObject({ code: "ECONNRESET" });
    } finally {
      open();
    }
  });
});
