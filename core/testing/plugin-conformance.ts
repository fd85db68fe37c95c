import { describe, expect, it } from "vitest";
import { configSourceFromObject } from "../config/index.js";
import { createKernel } from "../kernel/create-kernel.js";
import { checkManifest } from "../kernel/manifest-check.js";
import { KernelRegistries } from "../kernel/kernel-registries.js";
import { registerPlugin } from "../kernel/plugin-registrar.js";
import type { ServiceOverride } from "../kernel/kernel.js";
import type { PluginDefinition } from "../plugin-api/plugin.js";
import { testKernelConfig, type TestKernelOptions } from "./start-test-kernel.js";

/** What a plugin needs around it to boot in the conformance suite. */
export interface ConformanceOptions {
  /** Config to boot with (default: `{}`, which must validate once defaults are applied). */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Plugins it depends on. */
  readonly companions?: readonly PluginDefinition<any>[];
  readonly overrides?: readonly ServiceOverride[];
  /** Extra top-level config (e.g. `store`). */
  readonly kernelConfig?: Readonly<Record<string, unknown>>;
}

/**
 * The plugin conformance suite: call it inside a vitest file next to a plugin. It checks the manifest, that the
 * default config validates, that register is synchronous and repeatable, and that register → init → start → stop
 * works, including stop without start and a double stop.
 */
export function runPluginConformance(plugin: PluginDefinition<any>, options: ConformanceOptions = {}): void {
  const kernelOptions = (): TestKernelOptions => ({
    plugins: [...(options.companions ?? []), plugin],
    pluginConfig: { [plugin.id]: options.config ?? {} },
    ...(options.kernelConfig ? { config: options.kernelConfig } : {}),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
  const build = () =>
    createKernel({
      source: configSourceFromObject(testKernelConfig(kernelOptions()), "conformance"),
      inline: [...(options.companions ?? []), plugin] as PluginDefinition[],
      ...(options.overrides ? { overrides: options.overrides } : {}),
    });

  describe(`plugin conformance: ${plugin.id}`, () => {
    it("has a valid manifest for this kernel", () => {
      expect(checkManifest(plugin as PluginDefinition, {})).toEqual([]);
    });

    it("validates its default config", async () => {
      const kernel = await build();
      const planned = kernel.plan.plugins.find((p) => p.definition.id === plugin.id);
      expect(planned).toBeDefined();
      expect(Object.isFrozen(planned!.config)).toBe(true);
    });

    it("registers synchronously and the same way twice", () => {
      const ids = () => {
        const registries = new KernelRegistries();
        registerPlugin(plugin as PluginDefinition, registries, []);
        return registries.contributionsOf(plugin.id);
      };
      expect(ids()).toEqual(ids());
    });

    it("goes through register → init → start → stop", async () => {
      const kernel = await build();
      const report = await kernel.start();
      expect(report.plugins.find((p) => p.id === plugin.id)?.status).toBe("started");
      await kernel.stop();
      expect(kernel.report.plugins.find((p) => p.id === plugin.id)?.status).toBe("stopped");
    });

    it("tolerates stop without start, and a double stop", async () => {
      const idle = await build();
      await expect(idle.stop()).resolves.toBeDefined();
      const kernel = await build();
      await kernel.start();
      await kernel.stop();
      await expect(kernel.stop()).resolves.toBeDefined();
      expect(kernel.state).toBe("stopped");
    });
  });
}
