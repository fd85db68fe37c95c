import { ArkError } from "../errors/index.js";
import type { PluginDefinition, Registrar, ServiceFactory } from "../plugin-api/plugin.js";
import type { ServiceRef } from "../plugin-api/service-ref.js";
import type { KernelRegistries } from "./kernel-registries.js";

/** A service a plugin declared with `provide`, built after the plugin's init. */
export interface ProvidedService {
  readonly ref: ServiceRef<unknown>;
  readonly factory: ServiceFactory<unknown, any>;
}

/**
 * Runs a plugin's synchronous `register` against the kernel registries. Contribution conflicts are collected (not
 * thrown one by one) so the boot can report every duplicate at once.
 */
export function registerPlugin(
  def: PluginDefinition<any>,
  registries: KernelRegistries,
  conflicts: ArkError[],
): ProvidedService[] {
  const provided: ProvidedService[] = [];
  const add = <T>(registry: { add(id: string, pluginId: string, value: T): void }, id: string, value: T): void => {
    try {
      registry.add(id, def.id, value);
    } catch (err) {
      if (err instanceof ArkError && err.code === "ARK_CONTRIBUTION_DUPLICATE") conflicts.push(err);
      else throw err;
    }
  };
  const registrar: Registrar<any> = {
    executor: (c) => add(registries.executors, c?.id, c),
    dispatcher: (c) => add(registries.dispatchers, c?.id, c),
    toolDomain: (c) => add(registries.toolDomains, c?.id, c),
    eventChannel: (c) => add(registries.eventChannels, c?.id, c),
    flowMigration: (c) => add(registries.flowMigrations, c?.id, c),
    schemaMigration: (c) => add(registries.schemaMigrations, `${def.id}/${c?.id}`, c),
    nodeType: (c) => add(registries.nodeTypes, c?.type, c),
    preflightCheck: (c) => add(registries.preflightChecks, c?.id, c),
    provide: (ref, factory) => {
      if (!(def.provides ?? []).some((r) => r.id === ref.id)) {
        throw new ArkError("ARK_CONTRIBUTION_INVALID", `plugin "${def.id}" provides ${ref.id} but does not list it in \`provides\``, {
          details: { pluginId: def.id, ref: ref.id },
        });
      }
      provided.push({ ref, factory });
    },
  };
  const returned: unknown = def.register?.(registrar);
  if (returned instanceof Promise) {
    throw new ArkError("ARK_PLUGIN_REGISTER_FAILED", `plugin "${def.id}": register() must be synchronous; do async work in init()`, {
      details: { pluginId: def.id },
    });
  }
  const missing = (def.provides ?? []).filter((ref) => !provided.some((p) => p.ref.id === ref.id));
  if (missing.length > 0) {
    throw new ArkError(
      "ARK_CONTRIBUTION_INVALID",
      `plugin "${def.id}" lists ${missing.map((r) => r.id).join(", ")} in \`provides\` but never calls r.provide() for it`,
      { details: { pluginId: def.id, refs: missing.map((r) => r.id) } },
    );
  }
  return provided;
}
