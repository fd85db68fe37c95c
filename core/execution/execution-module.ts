/**
 * The built-in `execution` module: registers the `inline` dispatcher and provides the dispatch router, configured by
 * the top-level `execution:` section (`dispatcher`: default dispatcher id; `routes`: node type → dispatcher id).
 * The process and Kubernetes dispatchers are contributed by plugins behind the same port.
 */
import { ArkError } from "../errors/index.js";
import { coreServices } from "../plugin-api/core-services.js";
import { definePlugin, type PluginDefinition } from "../plugin-api/plugin.js";
import type { ContributionRegistries } from "../plugin-api/registries-port.js";
import { DispatchRouter } from "./dispatch-router.js";
import { dispatchRouterRef } from "./dispatch-router-ref.js";
import { createInlineDispatcher, INLINE_DISPATCHER_ID } from "./inline-dispatcher.js";

/** The `execution:` config section. */
export interface ExecutionConfig {
  readonly dispatcher: string;
  readonly routes: Readonly<Record<string, string>>;
  readonly workspaceIdentity: string;
}

/** JSON Schema of the `execution:` section. */
export const executionSectionSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    dispatcher: { type: "string", pattern: "^[a-z][a-z0-9-]*$", default: INLINE_DISPATCHER_ID, description: "Dispatcher used for node types without a route." },
    routes: {
      type: "object", default: {}, description: "Node type → dispatcher id.",
      additionalProperties: { type: "string", pattern: "^[a-z][a-z0-9-]*$" },
    },
    workspaceIdentity: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$", default: "default" },
  },
} as const;

export { dispatchRouterRef } from "./dispatch-router-ref.js";

/** Creates an independent `execution` module instance (one per kernel). */
export function createExecutionModule(): PluginDefinition<ExecutionConfig> {
  let registries: ContributionRegistries | null = null;
  let router: DispatchRouter | null = null;
  const nodeTypes = () => {
    if (!registries) throw new ArkError("ARK_KERNEL_STATE", "The inline dispatcher ran before the execution module's init.");
    return registries.nodeTypes;
  };
  return definePlugin<ExecutionConfig>({
    id: "execution",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "Dispatcher port: the router, the v1 dispatch contracts and the inline dispatcher.",
    lazy: true,
    provides: [dispatchRouterRef],
    configSchema: executionSectionSchema,
    register(r) {
      r.dispatcher(createInlineDispatcher(nodeTypes));
      r.provide(dispatchRouterRef, () => {
        if (!router) throw new ArkError("ARK_KERNEL_STATE", "The dispatch router was requested before the execution module's init ran, or after it stopped.");
        return router;
      });
    },
    init(ctx) {
      registries = ctx.get(coreServices.registries);
      router = new DispatchRouter({
        dispatchers: registries.dispatchers,
        contracts: ctx.get(coreServices.contracts),
        defaultDispatcher: ctx.config.dispatcher,
        routes: ctx.config.routes,
        workspaceIdentity: ctx.config.workspaceIdentity,
      });
    },
    start() {
      router?.checkRoutes();
    },
    stop() {
      router = null;
      registries = null;
    },
  });
}
