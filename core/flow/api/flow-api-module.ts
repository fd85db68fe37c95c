/**
 * The built-in `flow-api` module: the flow engine's HTTP routes (flowcharts, graphs, import, runs, control, events
 * backfill, artifacts) on the api server. Lazy: it boots when a plugin requires "flow-api" or the CLI demands it
 * (`ark start` does), after the `flow` and `api` modules. Routes are added in init, before the API listens.
 */
import { apiServerRef } from "../../api/index.js";
import { coreServices } from "../../plugin-api/core-services.js";
import { definePlugin, type PluginDefinition } from "../../plugin-api/plugin.js";
import { flowEngineRef } from "../engine/flow-engine-ref.js";
import { artifactRoutes } from "./artifact-routes.js";
import { controlRoutes } from "./control-routes.js";
import { nodeTypeRegistryOf, type FlowImportContext } from "./flow-file-import.js";
import { flowchartRoutes } from "./flowchart-routes.js";
import { runRoutes } from "./run-routes.js";

/** Creates an independent `flow-api` module instance (one per kernel). */
export function createFlowApiModule(): PluginDefinition {
  return definePlugin({
    id: "flow-api",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "HTTP routes of the flow engine: flowcharts, graphs, import, runs, control, events backfill, artifacts.",
    lazy: true,
    requires: ["store", "flow", "api"],
    init(ctx) {
      const api = ctx.get(apiServerRef);
      const engine = ctx.get(flowEngineRef);
      const registries = ctx.get(coreServices.registries);
      const context: FlowImportContext = { engine, db: ctx.get(coreServices.store), registry: nodeTypeRegistryOf(registries) };
      const routes = [
        ...flowchartRoutes(context),
        ...runRoutes(engine),
        ...controlRoutes(engine),
        ...artifactRoutes(engine, () => registries.nodeTypes.ids()),
      ];
      for (const route of routes) api.addRoute(route);
      ctx.logger.debug({ routes: routes.length }, "flow routes added");
    },
  });
}
