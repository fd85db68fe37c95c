/**
 * tools-workflow: the `workflow` tool domain (start_flowchart, pause, resume, stop, cancel, retry, skip, rewind) and
 * the `workflow` node type, acting through the kernel's flow engine (reference tools-and-migration §5).
 */
import { coreServices, definePlugin, registeredToolDomain, toolNodeType, type PluginDefinition } from "../../core/plugin-api/index.js";
import { workflowConfigSchema, type WorkflowPluginConfig } from "./config.js";
import { WORKFLOW_DOMAIN_ID, WORKFLOW_OPERATIONS, WorkflowDomain } from "./workflow-domain.js";

export { WORKFLOW_DOMAIN_ID, WORKFLOW_OPERATIONS, WorkflowDomain } from "./workflow-domain.js";
export type { WorkflowPluginConfig } from "./config.js";

/** Builds the plugin definition (the default export is one; tests may build their own). */
export function createWorkflowPlugin(): PluginDefinition<WorkflowPluginConfig> {
  return definePlugin<WorkflowPluginConfig>({
    id: "tools-workflow",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "Workflow control as tools: start flowcharts; pause, resume, stop, cancel, retry, skip, rewind runs.",
    requires: ["flow"],
    runsInExecutor: true,
    configSchema: workflowConfigSchema,
    register(r) {
      const domain = new WorkflowDomain();
      r.toolDomain(domain);
      r.nodeType(toolNodeType({
        type: "workflow", operations: WORKFLOW_OPERATIONS, domain: () => domain,
        description: "Runs one workflow operation (config.operation) with config.input; control defaults to the node's own run.",
      }));
    },
    init(ctx) {
      registeredToolDomain(ctx, WORKFLOW_DOMAIN_ID, WorkflowDomain).slot.bind({ engine: ctx.get(coreServices.flow), crossRunAccess: ctx.config.crossRunAccess });
    },
    stop(ctx) {
      const domain = ctx.get(coreServices.registries).toolDomains.get(WORKFLOW_DOMAIN_ID);
      if (domain instanceof WorkflowDomain) domain.slot.clear();
    },
  });
}

export default createWorkflowPlugin();
