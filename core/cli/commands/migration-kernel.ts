/**
 * The in-process kernel of `ark migrate`, `ark cutover`, `ark doctor` and `ark flows import --legacy`: the config's
 * plugins plus the store, events and migration modules. As with the flow commands, the API server (when booted) listens
 * on a free port of api.host instead of the configured one — these commands are guests next to a running `ark start`
 * — and the flow engine (if a plugin pulls it in) picks up no run work. `preflight` also boots the tooling API, so the
 * `tool host` check has a tool host to call (`ark doctor`, `ark cutover enable`). `withoutPlugins` boots the built-in
 * modules only — `ark cutover disable` falls back to it when a plugin cannot boot (Redis down, ...).
 */
import { loadConfigSource, type ConfigSource } from "../../config/index.js";
import { createKernel, type CreateKernelOptions } from "../../kernel/create-kernel.js";
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

/** How the migration kernel boots. */
export interface MigrationKernelOptions {
  /** Built-in modules only (no configured plugins). */
  readonly withoutPlugins?: boolean;
  /** Also boot the API and the tooling API, for the `tool host` preflight check. */
  readonly preflight?: boolean;
}

/** The createKernel options of a migration kernel (`ark doctor` boots with them and keeps the startup report). */
export async function migrationKernelOptions(global: GlobalOptions, options: MigrationKernelOptions = {}): Promise<CreateKernelOptions> {
  const source = await loadConfigSource(global.config ? { configPath: global.config } : {});
  const demand = ["store", "events", "migration", ...(options.preflight ? ["tooling", "tooling-api"] : [])];
  return { ...kernelOptionsFrom(global, "warn"), source: withOverrides(source, options.withoutPlugins === true), demand };
}

/** Runs `body` with a started kernel and its flow migration service; always stops the kernel. */
export async function withMigrationKernel<T>(
  global: GlobalOptions,
  body: (service: FlowMigrationService, kernel: Kernel) => Promise<T>,
  options: MigrationKernelOptions = {},
): Promise<T> {
  const kernel = await createKernel(await migrationKernelOptions(global, options));
  try {
    await kernel.start();
    return await body(kernel.get(flowMigrationRef), kernel);
  } finally {
    await kernel.stop().catch(() => undefined);
  }
}
