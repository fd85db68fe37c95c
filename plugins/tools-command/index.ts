/**
 * tools-command: the `command` tool domain (run, sessions, background jobs, resource_limits) and the `command` node
 * type. Every command runs in the caller's workspace under the policy from config.
 */
import { coreServices, definePlugin, registeredToolDomain, toolNodeType, type PluginDefinition } from "../../core/plugin-api/index.js";
import { CommandRuntime } from "./command-runtime.js";
import { commandConfigSchema, resolveCommandPolicy, type CommandPluginConfig } from "./config.js";
import { COMMAND_DOMAIN_ID, COMMAND_OPERATIONS, CommandDomain } from "./command-domain.js";

export { COMMAND_DOMAIN_ID, COMMAND_OPERATIONS, CommandDomain } from "./command-domain.js";
export { CommandRuntime } from "./command-runtime.js";
export { resolveCommandPolicy, DEFAULT_DENY } from "./config.js";
export type { CommandPluginConfig, CommandPolicy } from "./config.js";

/** Builds the plugin definition (the default export is one; tests may build their own). */
export function createCommandPlugin(): PluginDefinition<CommandPluginConfig> {
  return definePlugin<CommandPluginConfig>({
    id: "tools-command",
    version: "1.0.0",
    kernel: "^1.0.0",
    // Only register() runs in an executor; its node calls the domain back in the kernel through the ToolHost.
    runsInExecutor: true,
    description: "Commands as tools under a policy: run, sessions, background jobs, resource_limits.",
    configSchema: commandConfigSchema,
    register(r) {
      const domain = new CommandDomain();
      r.toolDomain(domain);
      r.nodeType(toolNodeType({
        type: "command", operations: COMMAND_OPERATIONS, domain: () => domain,
        description: "Runs one command operation (config.operation) with config.input in the run's workspace.",
      }));
    },
    init(ctx) {
      const runtime = new CommandRuntime(resolveCommandPolicy(ctx.config, ctx.get(coreServices.kernel).configFile));
      registeredToolDomain(ctx, COMMAND_DOMAIN_ID, CommandDomain).slot.bind(runtime);
    },
    start(ctx) {
      const runtime = registeredToolDomain(ctx, COMMAND_DOMAIN_ID, CommandDomain).slot.get();
      runtime.startReaper((reaped) => ctx.logger.info(reaped, "reaped idle command sessions / forgotten jobs"));
      ctx.logger.info({ root: runtime.policy.roots.base, shell: runtime.policy.shell, allow: runtime.policy.allow.length, deny: runtime.policy.deny.length }, "command tool domain ready");
    },
    async stop(ctx) {
      const domain = ctx.get(coreServices.registries).toolDomains.get(COMMAND_DOMAIN_ID);
      if (!(domain instanceof CommandDomain)) return;
      const runtime = domain.slot.peek();
      domain.slot.clear();
      await runtime?.stop();
    },
  });
}

export default createCommandPlugin();
