/**
 * tools-plan: plans with stages and tasks as a tool domain (`plan`), a flowchart node type (`plan`), their tables,
 * and HTTP routes (plans and their artifact history). Reference tools-and-migration §3.3, §3.7.
 */
import { apiServerRef, coreServices, definePlugin, registeredToolDomain, type PluginDefinition } from "../../core/plugin-api/index.js";
import { PLAN_DOMAIN_ID, PlanDomain } from "./plan-domain.js";
import { planNodeType } from "./plan-node.js";
import { planRoutes } from "./plan-routes.js";
import { planOriginKeyMigration, planSchemaMigration } from "./plan-schema-migration.js";

export { PLAN_DOMAIN_ID, PLAN_STORE_MODES, PlanDomain } from "./plan-domain.js";
export { normaliseKey } from "./plan-keys.js";
export { planNodeConfigSchema, storeModeOf } from "./plan-node.js";
export type { PlanPatchInput, PlanPatchOutput, PlanMode } from "./plan-patch-run.js";
export type { PlanView, PlanStage, PlanTask, PlanSummary } from "./plan-rows.js";
export type { StoreMode } from "./plan-patch-modes.js";

/** Builds the plugin definition (the default export is one; tests may build their own). */
export function createPlanPlugin(): PluginDefinition {
  return definePlugin({
    id: "tools-plan",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "Plans with stages and tasks: the `plan` tool domain and node type, /api/plans routes with artifact history.",
    requires: ["store", "api"],
    // Only register() runs in an executor; the node calls its domain back in the kernel through the ToolHost.
    runsInExecutor: true,
    register(r) {
      const domain = new PlanDomain();
      r.schemaMigration(planSchemaMigration);
      r.schemaMigration(planOriginKeyMigration);
      r.toolDomain(domain);
      r.nodeType(planNodeType(() => domain));
    },
    init(ctx) {
      const domain = registeredToolDomain(ctx, PLAN_DOMAIN_ID, PlanDomain);
      domain.bind(ctx.get(coreServices.store));
      const api = ctx.get(apiServerRef);
      for (const route of planRoutes(domain)) api.addRoute(route);
    },
  });
}

export default createPlanPlugin();
