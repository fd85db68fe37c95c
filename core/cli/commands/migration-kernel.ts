/**
 * The in-process kernel of `ark migrate`, `ark cutover` and `ark flows import --legacy`: the config's plugins plus
 * the store, events and migration modules. As with the flow commands, a listed plugin that needs the API server gets
 * a free loopback port, and the flow engine (if a plugin pulls it in) picks up no run work. `withoutPlugins` boots
 * the built-in modules only — `ark cutover disable` falls back to it when a plugin cannot boot (Redis down, ...).
 */
import { loadConfigSource, type ConfigSource } from "../../config/index.js";
import { createKernel } from "../../kernel/create-kernel.js";
import type { Kernel } from "../../kernel/kernel.js";
import { flowMigrationRef, type FlowMigrationService } from "../../migration/index.js";
import { kernelOptionsFrom, type GlobalOptions } from "../cli-options.js";

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function withOverrides(source: ConfigSource, withoutPlugins: boolean): ConfigSource {
  const value = { ...source.value };
  if (value.api === undefined || isObject(value.api)) value.api = { ...(value.api as object | undefined), port: 0 };
  if (value.flow === undefined || isObject(value.flow)) value.flow = { ...(value.flow as object | undefined), workers: false };
  if (withoutPlugins) value.plugins = [];
  return { ...source, value };
}

/** Runs `body` with a started kernel and its flow migration service; always stops the kernel. */
export async function withMigrationKernel<T>(
  global: GlobalOptions,
  body: (service: FlowMigrationService, kernel: Kernel) => Promise<T>,
  options: { withoutPlugins?: boolean } = {},
): Promise<T> {
  const source = await loadConfigSource(global.config ? { configPath: global.config } : {});
  const kernel = await createKernel({ ...kernelOptionsFrom(global, "warn"), source: withOverrides(source, options.withoutPlugins === true), demand: ["store", "events", "migration"] });
  try {
    await kernel.start();
    return await body(kernel.get(flowMigrationRef), kernel);
  } finally {
    await kernel.stop().catch(() => undefined);
  }
}
