/**
 * tools-milestone: milestones as a tool domain (`milestone`), a flowchart node type (`milestone`), their table, and
 * HTTP routes (milestones and their artifact history). Reference tools-and-migration §3.4, §3.7.
 */
import { apiServerRef, coreServices, definePlugin, registeredToolDomain, type PluginDefinition } from "../../core/plugin-api/index.js";
import { MILESTONE_DOMAIN_ID, MilestoneDomain } from "./milestone-domain.js";
import { milestoneNodeType } from "./milestone-node.js";
import { milestoneRoutes } from "./milestone-routes.js";
import { milestoneOriginKeyMigration, milestoneSchemaMigration } from "./milestone-schema-migration.js";

export { MILESTONE_DOMAIN_ID, MilestoneDomain } from "./milestone-domain.js";
export { milestoneActionOf, milestoneNodeConfigSchema } from "./milestone-node.js";
export { MILESTONE_STATUSES } from "./milestone-schema-migration.js";
export type { MilestoneAction, MilestoneActionInput, MilestoneActionOutput } from "./milestone-actions.js";
export type { MilestoneView, MilestoneStatus } from "./milestone-rows.js";

/** Builds the plugin definition (the default export is one; tests may build their own). */
export function createMilestonePlugin(): PluginDefinition {
  return definePlugin({
    id: "tools-milestone",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "Milestones: the `milestone` tool domain and node type, /api/milestones routes with artifact history.",
    requires: ["store", "api"],
    // Only register() runs in an executor; the node calls its domain back in the kernel through the ToolHost.
    runsInExecutor: true,
    register(r) {
      const domain = new MilestoneDomain();
      r.schemaMigration(milestoneSchemaMigration);
      r.schemaMigration(milestoneOriginKeyMigration);
      r.toolDomain(domain);
      r.nodeType(milestoneNodeType(() => domain));
    },
    init(ctx) {
      const domain = registeredToolDomain(ctx, MILESTONE_DOMAIN_ID, MilestoneDomain);
      domain.bind(ctx.get(coreServices.store));
      const api = ctx.get(apiServerRef);
      for (const route of milestoneRoutes(domain)) api.addRoute(route);
    },
  });
}

export default createMilestonePlugin();
