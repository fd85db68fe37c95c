/**
 * Every duration in the config — the kernel's sections, the built-in modules' and every in-tree plugin's — is bounded
 * to what a Node.js timer can hold (2^31 − 1 ms), so an oversized value is a config error with its path rather than a
 * timer that fires after 1 ms. A new `*Ms` or `*Seconds` field without such a bound fails here.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { configSourceFromObject, kernelSectionSchema, MAX_TIMER_MS, MAX_TIMER_SECONDS, pluginEntrySchema } from "../../core/config/index.js";
import { builtinModules } from "../../core/kernel/builtin-modules.js";
import { planKernel } from "../../core/kernel/create-kernel.js";
import type { PluginDefinition } from "../../core/plugin-api/index.js";
import { caughtArkError } from "../support/ark-error.js";

const repo = path.resolve(import.meta.dirname, "../..");

/** Durations that never reach a timer, with why they may be longer. */
const NOT_TIMERS: Readonly<Record<string, string>> = {
  "tooling.ledgerTtlSeconds": "the database computes the expiry (now() + ttl); no timer waits for it",
};

/** `[path, schema]` of every number field whose name says it is a duration. */
function durationFields(schema: unknown, at: string, found: [string, Record<string, unknown>][] = []): [string, Record<string, unknown>][] {
  if (schema === null || typeof schema !== "object") return found;
  if (Array.isArray(schema)) {
    for (const item of schema) durationFields(item, at, found);
    return found;
  }
  const node = schema as Record<string, unknown>;
  const types = ([] as unknown[]).concat(node.type ?? []);
  if (/(Ms|Seconds)$/.test(at.split(".").at(-1) ?? "") && (types.includes("integer") || types.includes("number"))) found.push([at, node]);
  for (const [key, value] of Object.entries(node)) {
    if (key === "properties" && value && typeof value === "object") {
      for (const [name, sub] of Object.entries(value as Record<string, unknown>)) durationFields(sub, `${at}.${name}`, found);
    } else if (typeof value === "object") {
      durationFields(value, at, found);
    }
  }
  return found;
}

async function inTreePlugins(): Promise<PluginDefinition[]> {
  const folders = (await readdir(path.join(repo, "plugins"), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  const modules = await Promise.all(folders.map((name) => import(pathToFileURL(path.join(repo, "plugins", name, "index.ts")).href)));
  return modules.map((m) => m.default as PluginDefinition);
}

describe("config durations", () => {
  it("every *Ms and *Seconds field of the kernel, the built-in modules and every in-tree plugin is bounded by the timer limit", async () => {
    const owners: [string, unknown][] = [
      ["kernel", kernelSectionSchema], ["plugins[]", pluginEntrySchema],
      ...[...builtinModules(), ...(await inTreePlugins())].map((p): [string, unknown] => [p.id, p.configSchema]),
    ];
    const fields = owners.flatMap(([owner, schema]) => durationFields(schema, owner));
    expect(fields.length).toBeGreaterThan(30);
    const unbounded = fields.filter(([at]) => !(at in NOT_TIMERS)).filter(([at, field]) => {
      const limit = at.endsWith("Seconds") ? MAX_TIMER_SECONDS : MAX_TIMER_MS;
      return typeof field.maximum !== "number" || field.maximum > limit;
    });
    expect(unbounded.map(([at]) => at)).toEqual([]);
  });

  it("refuses a timeout a timer cannot hold, naming its path, instead of timing every plugin out at once", async () => {
    const config = { store: { driver: "pglite", dataDir: "memory://" }, kernel: { pluginTimeoutMs: 3_000_000_000 }, api: { requestTimeoutMs: MAX_TIMER_MS + 1 }, plugins: [] };
    const err = await caughtArkError(planKernel({ source: configSourceFromObject(config, "durations.yaml") }));
    expect(err.code).toBe("ARK_CONFIG_INVALID");
    expect(err.message).toContain("kernel.pluginTimeoutMs: must be <= 2147483647");
    expect(err.message).toContain("api.requestTimeoutMs: must be <= 2147483647");
    const fine = await planKernel({ source: configSourceFromObject({ ...config, kernel: { pluginTimeoutMs: MAX_TIMER_MS }, api: {} }, "durations.yaml") });
    expect(fine.config.kernel).toMatchObject({ pluginTimeoutMs: MAX_TIMER_MS });
  });
});
