/**
 * tools-git: the `git` tool domain (status, diff, branch, commit, push, pull_request, cherry_pick,
 * rebase_noninteractive, tag, clone) and the `git` node type, running real git in the caller's workspace.
 */
import { coreServices, definePlugin, registeredToolDomain, toolNodeType, type PluginDefinition } from "../../core/plugin-api/index.js";
import { gitConfigSchema, resolveGitSettings, type GitPluginConfig } from "./config.js";
import { GIT_DOMAIN_ID, GIT_OPERATIONS, GitDomain } from "./git-domain.js";

export { GIT_DOMAIN_ID, GIT_OPERATIONS, GitDomain } from "./git-domain.js";
export { resolveGitSettings } from "./config.js";
export { checkRefName, checkRevision, checkRemoteName, checkUrl, urlScheme } from "./git-arguments.js";
export type { GitPluginConfig, GitSettings } from "./config.js";

/** Builds the plugin definition (the default export is one; tests may build their own). */
export function createGitPlugin(): PluginDefinition<GitPluginConfig> {
  return definePlugin<GitPluginConfig>({
    id: "tools-git",
    version: "1.0.0",
    kernel: "^1.0.0",
    // Only register() runs in an executor; its node calls the domain back in the kernel through the ToolHost.
    runsInExecutor: true,
    description: "git as tools: status, diff, branch, commit, push, pull_request, cherry_pick, rebase_noninteractive, tag, clone.",
    configSchema: gitConfigSchema,
    register(r) {
      const domain = new GitDomain();
      r.toolDomain(domain);
      r.nodeType(toolNodeType({
        type: "git", operations: GIT_OPERATIONS, domain: () => domain,
        description: "Runs one git operation (config.operation) with config.input in the run's workspace.",
      }));
    },
    init(ctx) {
      const settings = resolveGitSettings(ctx.config, ctx.get(coreServices.kernel).configFile);
      registeredToolDomain(ctx, GIT_DOMAIN_ID, GitDomain).slot.bind(settings);
      ctx.logger.info({ root: settings.roots.base, schemes: settings.allowedUrlSchemes }, "git tool domain ready");
    },
    stop(ctx) {
      const domain = ctx.get(coreServices.registries).toolDomains.get(GIT_DOMAIN_ID);
      if (domain instanceof GitDomain) domain.slot.clear();
    },
  });
}

export default createGitPlugin();
