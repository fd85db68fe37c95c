import { describe, expect, it } from "vitest";
import { configSourceFromObject } from "../config/index.js";
import { planKernel } from "../kernel/create-kernel.js";
import { definePlugin, type PluginDefinition } from "../plugin-api/plugin.js";
import { resolveApiConfig } from "./api-config.js";
import { createApiModule } from "./api-module.js";

const needsApi = definePlugin({ id: "needs-api", version: "1.0.0", kernel: "^1.0.0", requires: ["api"] });

/** Plans (validates) a kernel with the given `api:` section without starting anything. */
function plan(api: unknown) {
  const source = configSourceFromObject({ api, plugins: [{ from: "inline:needs-api" }] }, "runtime.config.yaml");
  const stubStore = definePlugin({ id: "store", version: "1.0.0", kernel: "^1.0.0", lazy: true });
  return planKernel({ source, inline: [needsApi as PluginDefinition], builtins: [stubStore as PluginDefinition, createApiModule() as PluginDefinition] });
}

describe("the api: config section", () => {
  it("applies the defaults when the section is absent", async () => {
    const booted = await plan(undefined);
    const api = booted.plugins.find((p) => p.definition.id === "api");
    expect(api?.config).toEqual({ host: "127.0.0.1", port: 8080, cors: { origins: [] }, bodyLimitBytes: 1048576, requestTimeoutMs: 30000 });
  });

  it("reports every problem at once: unknown keys, a bad port, a bad origin, a wildcard pattern", async () => {
    const failure = await plan({ prot: 80, port: 70000, cors: { origins: ["https://ok.example", "ftp://x", "https://*.example.com"], allow: true } }).catch((err: unknown) => err);
    expect(failure).toMatchObject({ code: "ARK_CONFIG_INVALID" });
    const message = (failure as Error).message;
    expect(message).toContain("api.prot");
    expect(message).toContain("api.port");
    expect(message).toContain("api.cors.origins[1]");
    expect(message).toContain("api.cors.origins[2]");
    expect(message).toContain("api.cors.allow");
  });

  it("accepts a listed '*' and origins with ports, IPv6 hosts and a trailing slash", async () => {
    await expect(plan({ cors: { origins: ["*", "http://localhost:5173/", "http://[::1]:8080"] } })).resolves.toBeDefined();
  });
});

describe("resolveApiConfig", () => {
  it("treats an empty token as no auth and refuses a short one, saying how to make a good one", () => {
    expect(resolveApiConfig({ token: "" }).token).toBeNull();
    expect(resolveApiConfig({ token: "   " }).token).toBeNull();
    expect(() => resolveApiConfig({ token: "short" })).toThrow(/at least 16.*openssl rand/);
    expect(resolveApiConfig({ token: "a".repeat(16) }).token).toBe("a".repeat(16));
  });

  it("normalises origins for comparison", () => {
    expect(resolveApiConfig({ cors: { origins: ["HTTPS://UI.Example.com/"] } }).corsOrigins).toEqual(["https://ui.example.com"]);
  });
});
