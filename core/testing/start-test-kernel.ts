import "reflect-metadata";
import type { Logger } from "pino";
import { configSourceFromObject } from "../config/index.js";
import { createKernel } from "../kernel/create-kernel.js";
import type { Kernel, ServiceOverride } from "../kernel/kernel.js";
import type { StartupReport } from "../kernel/startup-report.js";
import type { BootFailurePolicy, PluginDefinition } from "../plugin-api/plugin.js";
import type { ServiceRef } from "../plugin-api/service-ref.js";

/** Options of a kernel booted in-process for tests. */
export interface TestKernelOptions {
  /** The plugins under test (and their collaborators), booted from memory. */
  readonly plugins: readonly PluginDefinition<any>[];
  /** Top-level config sections (`kernel`, `store`, ...). Defaults: silent-ish kernel, in-memory PGlite store. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Each plugin's `config:` section, by plugin id. */
  readonly pluginConfig?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Per-plugin boot-failure policy, by plugin id. */
  readonly onBootFailure?: Readonly<Record<string, BootFailurePolicy>>;
  /** Per-plugin lifecycle timeout in ms, by plugin id. */
  readonly timeoutMs?: Readonly<Record<string, number>>;
  /** Services replaced by fakes: the ref resolves to the value and its provider is not needed. */
  readonly overrides?: readonly ServiceOverride[];
  /** Replace the built-in modules (default: the real ones). */
  readonly builtins?: readonly PluginDefinition[];
  /** Lazy built-in modules to boot although no plugin requires them (`ark start` demands its routes, say). */
  readonly demand?: readonly string[];
  readonly logger?: Logger;
}

/** A started test kernel. */
export interface TestKernel {
  readonly kernel: Kernel;
  readonly report: StartupReport;
  get<T>(ref: ServiceRef<T>): T;
  /** Stops the kernel (idempotent). */
  stop(): Promise<void>;
}

/** Builds the config object a test kernel boots from (exported so tests can also plan without starting). */
export function testKernelConfig(options: TestKernelOptions): Record<string, unknown> {
  const hasStore = !options.builtins || options.builtins.some((b) => b.id === "store");
  return {
    ...(hasStore ? { store: { driver: "pglite", dataDir: "memory://" } } : {}),
    ...options.config,
    plugins: options.plugins.map((p) => ({
      from: `inline:${p.id}`,
      id: p.id,
      config: options.pluginConfig?.[p.id] ?? {},
      ...(options.onBootFailure?.[p.id] ? { onBootFailure: options.onBootFailure[p.id] } : {}),
      ...(options.timeoutMs?.[p.id] ? { timeoutMs: options.timeoutMs[p.id] } : {}),
    })),
  };
}

/** Boots a kernel in one call: config validated, plugins registered, initialised and started. */
export async function startTestKernel(options: TestKernelOptions): Promise<TestKernel> {
  const kernel = await createKernel({
    source: configSourceFromObject(testKernelConfig(options), "test-kernel"),
    inline: options.plugins as PluginDefinition[],
    ...(options.builtins ? { builtins: options.builtins } : {}),
    ...(options.demand ? { demand: options.demand } : {}),
    ...(options.overrides ? { overrides: options.overrides } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const report = await kernel.start();
  return {
    kernel,
    report,
    get: (ref) => kernel.get(ref),
    stop: async () => {
      await kernel.stop();
    },
  };
}
