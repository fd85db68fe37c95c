/**
 * The built-in `flow` module: registers the built-in node types (start, end, decision, flowchart), builds the flow
 * engine over the store, the event bus and the dispatch router, starts its workers on kernel start and drains them on
 * stop. Configured by the top-level `flow:` section (flowSectionSchema).
 */
import { ArkError } from "../../errors/index.js";
import { eventBusRef } from "../../events/event-bus-ref.js";
import { dispatchRouterRef } from "../../execution/execution-module.js";
import { coreServices } from "../../plugin-api/core-services.js";
import { definePlugin, type PluginDefinition } from "../../plugin-api/plugin.js";
import { createNodeTypeCapabilityRegistry, type NodeTypeCapabilityRegistry } from "../graph/index.js";
import { builtInNodeTypes } from "../node-types/built-in-node-types.js";
import { createNodeConfigCheck } from "../node-types/node-config-check.js";
import { checkFlowConfig, flowSectionSchema, type FlowConfig } from "./flow-config-schema.js";
import { FlowEngine } from "./flow-engine.js";
import { flowEngineRef } from "./flow-engine-ref.js";

export { flowEngineRef } from "./flow-engine-ref.js";

/** Creates an independent `flow` module instance (one per kernel). */
export function createFlowModule(): PluginDefinition<FlowConfig> {
  let engine: FlowEngine | null = null;
  const current = (): FlowEngine => {
    if (!engine) throw new ArkError("ARK_KERNEL_STATE", "The flow engine was requested before the flow module's init ran, or after it stopped.");
    return engine;
  };
  return definePlugin<FlowConfig>({
    id: "flow",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "Flowcharts and the durable orchestrator: runs, node runs, activations, leases, control, artifacts.",
    lazy: true,
    requires: ["store", "events", "execution"],
    provides: [flowEngineRef],
    configSchema: flowSectionSchema,
    checkConfig: (section) => checkFlowConfig(section),
    register(r) {
      for (const nodeType of builtInNodeTypes(current)) r.nodeType(nodeType);
      r.provide(flowEngineRef, () => current());
    },
    init(ctx) {
      const [problem] = checkFlowConfig(ctx.config);
      if (problem) throw new ArkError("ARK_CONFIG_INVALID", `flow.heartbeatMs ${problem.message}.`, { details: { path: "flow.heartbeatMs" } });
      const nodeTypes = ctx.get(coreServices.registries).nodeTypes;
      let capabilities: NodeTypeCapabilityRegistry | undefined;
      const capabilityRegistry = () => (capabilities ??= createNodeTypeCapabilityRegistry(nodeTypes.entries()));
      capabilityRegistry(); // a plugin node type with bad capabilities fails the boot here, naming the plugin
      const configProblems = createNodeConfigCheck(ctx.get(coreServices.contracts), nodeTypes.entries()); // ... or a bad configSchema
      const settings = ctx.get(coreServices.settings);
      engine = new FlowEngine({
        store: ctx.get(coreServices.store),
        bus: ctx.get(eventBusRef),
        runner: ctx.get(dispatchRouterRef),
        ledger: ctx.get(coreServices.idempotency),
        capabilities: capabilityRegistry,
        configProblems,
        readCutover: async () => (await settings.read()).agent_runtime_cutover_enabled === "true",
        settings: ctx.config,
        logger: ctx.logger,
      });
    },
    async start() {
      await current().start();
    },
    async stop() {
      const held = engine;
      engine = null;
      await held?.stop();
    },
  });
}
