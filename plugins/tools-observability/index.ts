/**
 * tools-observability: the `observability` tool domain (run_trace, node_runs, run_events, artifacts, queue_state,
 * kernel_health) and the `observability` node type, reading through the kernel's own services (reference §5).
 */
import { coreServices, definePlugin, registeredToolDomain, toolNodeType, type PluginDefinition } from "../../core/plugin-api/index.js";
import { observabilityConfigSchema, type ObservabilityPluginConfig } from "./config.js";
import { OBSERVABILITY_DOMAIN_ID, OBSERVABILITY_OPERATIONS, ObservabilityDomain } from "./observability-domain.js";

export { OBSERVABILITY_DOMAIN_ID, OBSERVABILITY_OPERATIONS, ObservabilityDomain } from "./observability-domain.js";
export type { ObservabilityPluginConfig } from "./config.js";

/** Builds the plugin definition (the default export is one; tests may build their own). */
export function createObservabilityPlugin(): PluginDefinition<ObservabilityPluginConfig> {
  return definePlugin<ObservabilityPluginConfig>({
    id: "tools-observability",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "Run introspection as tools: trace, node runs with timings, events, artifacts, queue and leases, kernel health.",
    requires: ["flow", "store"],
    runsInExecutor: true,
    configSchema: observabilityConfigSchema,
    register(r) {
      const domain = new ObservabilityDomain();
      r.toolDomain(domain);
      r.nodeType(toolNodeType({
        type: "observability", operations: OBSERVABILITY_OPERATIONS, domain: () => domain,
        description: "Runs one observability read (config.operation) with config.input; reads default to the node's own run.",
      }));
    },
    init(ctx) {
      registeredToolDomain(ctx, OBSERVABILITY_DOMAIN_ID, ObservabilityDomain).slot.bind({
        engine: ctx.get(coreServices.flow), store: ctx.get(coreServices.store), kernel: ctx.get(coreServices.kernel), crossRunAccess: ctx.config.crossRunAccess,
      });
    },
    stop(ctx) {
      const domain = ctx.get(coreServices.registries).toolDomains.get(OBSERVABILITY_DOMAIN_ID);
      if (domain instanceof ObservabilityDomain) domain.slot.clear();
    },
  });
}

export default createObservabilityPlugin();
