/**
 * The built-in `migration-api` module: the cutover gate's HTTP routes (core/migration/cutover-routes.ts) on the API.
 * Separate from `migration` so that `ark migrate` and `ark cutover` need no HTTP server; `ark start` demands it.
 */
import { apiServerRef } from "../api/api-server-port.js";
import { definePlugin, type PluginDefinition } from "../plugin-api/plugin.js";
import { cutoverRoutes } from "./cutover-routes.js";
import { flowMigrationRef } from "./flow-migration-service.js";

/** Creates an independent `migration-api` module instance (one per kernel). */
export function createMigrationApiModule(): PluginDefinition {
  return definePlugin({
    id: "migration-api",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "HTTP routes of the cutover gate (GET/POST /api/settings/runtime/cutover).",
    lazy: true,
    requires: ["migration", "api"],
    consumes: [flowMigrationRef],
    init(ctx) {
      const api = ctx.get(apiServerRef);
      const migration = () => ctx.get(flowMigrationRef);
      for (const route of cutoverRoutes(() => migration().cutover)) api.addRoute(route);
    },
  });
}
