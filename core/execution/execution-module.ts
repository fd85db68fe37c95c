/**
 * The built-in `execution` module: registers the `inline` and `process` dispatchers and provides the dispatch router,
 * configured by the top-level `execution:` section (`dispatcher` and `routes`: the unified executor route used when
 * the cutover gate is on; `legacyDispatcher`: the route while it is off; `process`: the process dispatcher). It
 * records routing metadata on node runs through the store. Kubernetes arrives as a plugin behind the same port.
 */
import { ArkError } from "../errors/index.js";
import { coreServices } from "../plugin-api/core-services.js";
import { definePlugin, type PluginDefinition } from "../plugin-api/plugin.js";
import type { ContributionRegistries } from "../plugin-api/registries-port.js";
import { DispatchRouter } from "./dispatch-router.js";
import { dispatchRouterRef } from "./dispatch-router-ref.js";
import { createInlineDispatcher, INLINE_DISPATCHER_ID } from "./inline-dispatcher.js";
import { processDispatcherSectionSchema, resolveProcessPaths, type ProcessDispatcherConfig } from "./process-config.js";
import { createProcessDispatcher, type ProcessDispatcherDeps, type ToolHostIssuer } from "./process-dispatcher.js";
import { executorPluginModules } from "./process-plugin-modules.js";
import { storeRoutingMetadataWriter } from "./route-metadata.js";
import { toolHostIssuerSlotRef } from "./tool-host-issuer-ref.js";
import type { KernelToolHost } from "../tooling/kernel-tool-host.js";
import { toolHostRef } from "../tooling/tool-host-ref.js";

/** The `execution:` config section. */
export interface ExecutionConfig {
  readonly dispatcher: string;
  readonly routes: Readonly<Record<string, string>>;
  readonly legacyDispatcher: string;
  readonly workspaceIdentity: string;
  readonly process: ProcessDispatcherConfig;
}

const dispatcherId = { type: "string", pattern: "^[a-z][a-z0-9-]*$" } as const;

/** JSON Schema of the `execution:` section. */
export const executionSectionSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    dispatcher: { ...dispatcherId, default: INLINE_DISPATCHER_ID, description: "Unified executor route (cutover gate on): dispatcher for node types without a route." },
    routes: { type: "object", default: {}, description: "Unified executor route (cutover gate on): node type → dispatcher id.", additionalProperties: dispatcherId },
    legacyDispatcher: { ...dispatcherId, default: INLINE_DISPATCHER_ID, description: "Dispatcher for every node while the cutover gate (agent_runtime_cutover_enabled) is off." },
    workspaceIdentity: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$", default: "default" },
    process: processDispatcherSectionSchema,
  },
} as const;

export { dispatchRouterRef } from "./dispatch-router-ref.js";
export { toolHostIssuerSlotRef } from "./tool-host-issuer-ref.js";

/** Creates an independent `execution` module instance (one per kernel). */
export function createExecutionModule(): PluginDefinition<ExecutionConfig> {
  let registries: ContributionRegistries | null = null;
  let router: DispatchRouter | null = null;
  let issuer: ToolHostIssuer | null = null;
  let tools: KernelToolHost | null = null;
  let processDeps: Omit<ProcessDispatcherDeps, "config" | "toolHostIssuer"> | null = null;
  let processConfig: ProcessDispatcherConfig | null = null;
  const nodeTypes = () => {
    if (!registries) throw new ArkError("ARK_KERNEL_STATE", "The inline dispatcher ran before the execution module's init.");
    return registries.nodeTypes;
  };
  const processDispatcher = createProcessDispatcher({
    // Resolved at dispatch time: register() runs before init() has the config and services.
    get config() {
      if (!processConfig) throw new ArkError("ARK_KERNEL_STATE", "The process dispatcher ran before the execution module's init.");
      return processConfig;
    },
    readSettings: () => processDeps?.readSettings?.() ?? Promise.resolve({}),
    pluginModules: () => processDeps?.pluginModules?.() ?? Promise.resolve({ modules: [], baseDir: process.cwd() }),
    toolHostIssuer: () => issuer,
    get logger() {
      return processDeps?.logger;
    },
  });
  return definePlugin<ExecutionConfig>({
    id: "execution",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "Dispatcher port: the router, the v1 dispatch contracts, and the inline and process dispatchers.",
    lazy: true,
    requires: ["store"],
    // Inline node runs call tools in-process through the tooling module's host, scoped to the node run.
    consumes: [toolHostRef],
    provides: [dispatchRouterRef, toolHostIssuerSlotRef],
    configSchema: executionSectionSchema,
    // Checked by the boot plan against what the booting plugins register (ARK_DISPATCHER_UNKNOWN with the path).
    // Route keys are node types, which may live only in an executor's plugin modules, so they are not checked.
    configReferences: (section) => [
      { path: ["dispatcher"], kind: "dispatcher", id: section.dispatcher },
      { path: ["legacyDispatcher"], kind: "dispatcher", id: section.legacyDispatcher },
      ...Object.entries(section.routes ?? {}).map(([nodeType, id]) => ({ path: ["routes", nodeType], kind: "dispatcher" as const, id })),
    ],
    register(r) {
      r.dispatcher(createInlineDispatcher(nodeTypes, (request) => (tools && registries
        ? { tools: tools.forExecution(request), executors: (id) => registries?.executors.get(id) }
        : undefined)));
      r.dispatcher(processDispatcher);
      r.provide(dispatchRouterRef, () => {
        if (!router) throw new ArkError("ARK_KERNEL_STATE", "The dispatch router was requested before the execution module's init ran, or after it stopped.");
        return router;
      });
      r.provide(toolHostIssuerSlotRef, () => ({ set: (next) => void (issuer = next), get: () => issuer }));
    },
    init(ctx) {
      registries = ctx.get(coreServices.registries);
      tools = ctx.get(toolHostRef);
      const store = ctx.get(coreServices.store);
      const settings = ctx.get(coreServices.settings);
      const kernel = ctx.get(coreServices.kernel);
      processConfig = resolveProcessPaths(ctx.config.process, kernel.configFile);
      let modules: Promise<{ modules: string[]; baseDir: string }> | null = null;
      processDeps = {
        readSettings: () => settings.read(),
        pluginModules: () => (modules ??= executorPluginModules(kernel.config, kernel.configFile, ctx.config.process.pluginModules)),
        logger: ctx.logger,
      };
      router = new DispatchRouter({
        dispatchers: registries.dispatchers,
        contracts: ctx.get(coreServices.contracts),
        defaultDispatcher: ctx.config.dispatcher,
        legacyDispatcher: ctx.config.legacyDispatcher,
        routes: ctx.config.routes,
        workspaceIdentity: ctx.config.workspaceIdentity,
        recordMetadata: storeRoutingMetadataWriter(store),
        onMetadataError: (err, nodeRunId) => ctx.logger.warn({ err, nodeRunId }, "recording a dispatch state change failed"),
      });
    },
    start() {
      // The boot plan refused unknown dispatchers already; this catches one whose plugin failed under
      // onBootFailure: continue (its contributions were removed).
      router?.checkRoutes();
    },
    stop() {
      router = null;
      registries = null;
      tools = null;
      processDeps = null;
    },
  });
}
