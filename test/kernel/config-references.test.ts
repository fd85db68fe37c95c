import { describe, expect, it } from "vitest";
import { startTestKernel } from "../../core/testing/index.js";
import { definePlugin, type PluginDefinition } from "../../core/plugin-api/index.js";
import { caughtArkError } from "../support/ark-error.js";

/**
 * Config values naming contributions (`configReferences`) are checked by the boot plan against what the booting
 * plugins' `register` declared — recorded once in the plan and applied by the kernel, never run twice.
 */

const boot = (plugins: PluginDefinition<any>[], pluginConfig: Record<string, Record<string, unknown>> = {}) =>
  startTestKernel({ plugins, pluginConfig, builtins: [] });

const executorPlugin = (id: string, executorId: string, calls: string[] = []) =>
  definePlugin({
    id, version: "1.0.0", kernel: "^1.0.0",
    register(r) {
      calls.push(`register:${id}`);
      r.executor({ id: executorId, execute: async () => ({}) as never });
    },
  });

const pickerPlugin = (references: PluginDefinition<{ executor?: string }>["configReferences"]) =>
  definePlugin<{ executor?: string }>({
    id: "picker", version: "1.0.0", kernel: "^1.0.0",
    configSchema: { type: "object", properties: { executor: { type: "string" } } },
    configReferences: references,
  }) as PluginDefinition<any>;

describe("config references", () => {
  it("register runs once per boot: the kernel applies what the plan recorded", async () => {
    const calls: string[] = [];
    const kit = await boot([executorPlugin("llm", "frontier", calls)]);
    expect(calls).toEqual(["register:llm"]);
    expect(kit.report.plugins.find((p) => p.id === "llm")?.contributions).toEqual({ executor: ["frontier"] });
    await kit.stop();
  });

  it("a plugin's value naming an executor nobody registers is ARK_CONFIG_INVALID at its path, with a suggestion and the known ids", async () => {
    const picker = pickerPlugin((c) => (c.executor ? [{ path: ["executor"], kind: "executor", id: c.executor }] : []));
    const err = await caughtArkError(boot([executorPlugin("llm", "frontier"), picker], { picker: { executor: "frontir" } }));
    expect(err.code).toBe("ARK_CONFIG_INVALID");
    expect(err.details.issues).toEqual([
      expect.objectContaining({
        code: "ARK_CONFIG_INVALID",
        path: "plugins[1].config.executor",
        known: ["frontier"],
        message: "executor 'frontir' is not registered by any enabled plugin (did you mean 'frontier'?); registered executors: frontier",
      }),
    ]);
    const kit = await boot([executorPlugin("llm", "frontier"), picker], { picker: { executor: "frontier" } });
    await kit.stop();
  });

  it("configReferences that throws is reported on its section instead of crashing the boot", async () => {
    const broken = pickerPlugin(() => {
      throw new Error("boom");
    });
    const err = await caughtArkError(boot([broken]));
    expect(err.details.issues).toEqual([expect.objectContaining({ code: "ARK_CONFIG_INVALID", path: "plugins[0].config", message: expect.stringContaining("boom") })]);
  });
});
