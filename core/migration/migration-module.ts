/**
 * The built-in `migration` module: orders the contributed flow migration steps into a chain when the kernel boots
 * (a gap or two steps from one version fail the boot with ARK_FLOW_MIGRATION_CHAIN_GAP / _DUPLICATE) and provides
 * `flowMigrationRef`. Lazy: `ark migrate`, `ark cutover`, `ark doctor` and `ark flows import --legacy` demand it (a
 * plugin may `requires: ["migration"]` to have its steps checked on every boot, at the cost of booting the store).
 */
import { ArkError } from "../errors/index.js";
import { eventBusRef } from "../events/event-bus-ref.js";
import { coreServices } from "../plugin-api/core-services.js";
import { definePlugin, type PluginDefinition } from "../plugin-api/plugin.js";
import { FlowMigrationService, flowMigrationRef } from "./flow-migration-service.js";
import { buildMigrationChain } from "./migration-chain.js";

/** Creates an independent `migration` module instance (one per kernel). */
export function createMigrationModule(): PluginDefinition {
  let service: FlowMigrationService | null = null;
  return definePlugin({
    id: "migration",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "Flow migration chain, `ark migrate` / rollback with evidence, the cutover gate and the preflight checks.",
    lazy: true,
    requires: ["store", "events"],
    provides: [flowMigrationRef],
    register(r) {
      r.provide(flowMigrationRef, () => {
        if (!service) throw new ArkError("ARK_KERNEL_STATE", "The flow migration service was requested before the migration module's init ran, or after it stopped.");
        return service;
      });
    },
    init(ctx) {
      const registries = ctx.get(coreServices.registries);
      const chain = buildMigrationChain(registries.flowMigrations.entries());
      const config = ctx.get(coreServices.kernel).config as { events?: { redis?: { url?: string } } };
      const redisUrl = config.events?.redis?.url;
      service = new FlowMigrationService(chain, {
        store: ctx.get(coreServices.store), settings: ctx.get(coreServices.settings), registries, bus: ctx.get(eventBusRef), ...(redisUrl ? { redisUrl } : {}),
      });
      ctx.logger.debug({ steps: chain.steps.map((s) => s.id), head: chain.headVersion }, "flow migration chain");
    },
    stop() {
      service = null;
    },
  });
}
