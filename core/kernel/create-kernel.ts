import type { Logger } from "pino";
import { loadConfigSource, type ConfigSource, type LoadConfigOptions } from "../config/index.js";
import { coreServices } from "../plugin-api/core-services.js";
import type { PluginDefinition } from "../plugin-api/plugin.js";
import { prepareBoot, type BootPlan } from "./boot-plan.js";
import { builtinModules } from "./builtin-modules.js";
import { Kernel, type ServiceOverride } from "./kernel.js";

/** Everything needed to build a kernel from a config file (or an in-memory source). */
export interface CreateKernelOptions extends LoadConfigOptions {
  readonly source?: ConfigSource;
  readonly logger?: Logger;
  /** Replaces the default built-in modules (store, ...). */
  readonly builtins?: readonly PluginDefinition[];
  readonly inline?: readonly PluginDefinition[];
  readonly demand?: readonly string[];
  readonly overrides?: readonly ServiceOverride[];
}

const INTRINSIC = [coreServices.logger, coreServices.kernel, coreServices.contracts, coreServices.registries].map((r) => r.id);

/** Loads the config, prepares the boot plan (reporting every problem) and returns an unstarted kernel. */
export async function createKernel(options: CreateKernelOptions = {}): Promise<Kernel> {
  return new Kernel(await planKernel(options), {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
}

/** The boot plan alone (what `ark config validate` and `ark plugins` inspect). */
export async function planKernel(options: CreateKernelOptions = {}): Promise<BootPlan> {
  const source = options.source ?? (await loadConfigSource(options));
  return prepareBoot({
    source,
    builtins: options.builtins ?? builtinModules(),
    ...(options.inline ? { inline: options.inline } : {}),
    ...(options.demand ? { demand: options.demand } : {}),
    preProvided: (options.overrides ?? []).map((o) => o.ref.id),
    intrinsic: INTRINSIC,
  });
}
