/**
 * tools-workspace: the `workspace` tool domain (list, read, write, mkdir, delete, move, copy, search, apply_patch,
 * chmod) and the `workspace` node type. Every path, glob and symlink stays inside the caller's workspace folder.
 */
import { coreServices, definePlugin, registeredToolDomain, toolNodeType, type PluginDefinition } from "../../core/plugin-api/index.js";
import { resolveWorkspaceSettings, workspaceConfigSchema, type WorkspacePluginConfig } from "./config.js";
import { WORKSPACE_DOMAIN_ID, WORKSPACE_OPERATIONS, WorkspaceDomain } from "./workspace-domain.js";

export { WORKSPACE_DOMAIN_ID, WORKSPACE_OPERATIONS, WorkspaceDomain } from "./workspace-domain.js";
export { resolveWorkspaceSettings } from "./config.js";
export type { WorkspacePluginConfig, WorkspaceSettings } from "./config.js";

/** Builds the plugin definition (the default export is one; tests may build their own). */
export function createWorkspacePlugin(): PluginDefinition<WorkspacePluginConfig> {
  return definePlugin<WorkspacePluginConfig>({
    id: "tools-workspace",
    version: "1.0.0",
    kernel: "^1.0.0",
    // Only register() runs in an executor; its node calls the domain back in the kernel through the ToolHost.
    runsInExecutor: true,
    description: "Workspace files as tools: list, read, write, mkdir, delete, move, copy, search, apply_patch, chmod.",
    configSchema: workspaceConfigSchema,
    register(r) {
      const domain = new WorkspaceDomain();
      r.toolDomain(domain);
      r.nodeType(toolNodeType({
        type: "workspace", operations: WORKSPACE_OPERATIONS, domain: () => domain,
        description: "Runs one workspace operation (config.operation) with config.input in the run's workspace.",
      }));
    },
    init(ctx) {
      const settings = resolveWorkspaceSettings(ctx.config, ctx.get(coreServices.kernel).configFile);
      registeredToolDomain(ctx, WORKSPACE_DOMAIN_ID, WorkspaceDomain).slot.bind(settings);
      ctx.logger.info({ root: settings.roots.base }, "workspace tool domain ready");
    },
    stop(ctx) {
      const domain = ctx.get(coreServices.registries).toolDomains.get(WORKSPACE_DOMAIN_ID);
      if (domain instanceof WorkspaceDomain) domain.slot.clear();
    },
  });
}

export default createWorkspacePlugin();
