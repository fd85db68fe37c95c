/**
 * executor-frontier: the `frontier` executor (hosted LLM APIs: OpenAI-compatible chat completions, Anthropic
 * Messages, Gemini generateContent) with the tool loop of execution-plane §9, and the `task` node type.
 */
import { ArkError, coreServices, definePlugin, type PluginContext, type PluginDefinition } from "../../core/plugin-api/index.js";
import { frontierConfigSchema, type FrontierPluginConfig } from "./config.js";
import { FRONTIER_EXECUTOR_ID, FrontierExecutor } from "./frontier-executor.js";
import { TASK_NODE_TYPE, TaskNodeType } from "./task-node-type.js";

export { FRONTIER_EXECUTOR_ID, FrontierExecutor, providerNameOf } from "./frontier-executor.js";
export { TASK_NODE_TYPE, TaskNodeType } from "./task-node-type.js";
export { AnthropicAdapter, ANTHROPIC_VERSION, anthropicRequestBody, parseAnthropicResponse } from "./anthropic-adapter.js";
export { GeminiAdapter, geminiRequestBody, geminiSchema, parseGeminiResponse } from "./gemini-adapter.js";
export { FRONTIER_PROVIDERS, frontierProviderOf, resolveProviderSettings } from "./provider-settings.js";
export type { FrontierProvider, ProviderConfig, ProviderSettings } from "./provider-settings.js";
export type { FrontierPluginConfig } from "./config.js";

function ownExecutor(ctx: PluginContext<FrontierPluginConfig>): FrontierExecutor {
  const executors = ctx.get(coreServices.registries).executors;
  const executor = executors.get(FRONTIER_EXECUTOR_ID);
  if (!(executor instanceof FrontierExecutor) || executors.ownerOf(FRONTIER_EXECUTOR_ID) !== ctx.pluginId) {
    throw new ArkError("ARK_KERNEL_STATE", `The "${FRONTIER_EXECUTOR_ID}" executor of plugin "${ctx.pluginId}" is not registered in this kernel.`);
  }
  return executor;
}

/** Builds the plugin definition (the default export is one). */
export function createFrontierPlugin(): PluginDefinition<FrontierPluginConfig> {
  return definePlugin<FrontierPluginConfig>({
    id: "executor-frontier",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "Frontier executor: OpenAI-compatible, Anthropic and Gemini APIs with the tool loop; the `task` node type.",
    configSchema: frontierConfigSchema,
    runsInExecutor: true,
    register(r) {
      const executor = new FrontierExecutor();
      r.executor(executor);
      r.nodeType(new TaskNodeType(executor));
    },
    init(ctx) {
      const registries = ctx.get(coreServices.registries);
      ownExecutor(ctx).configure(ctx.config, {
        onRetry: (n) => ctx.logger.warn({ provider: n.error.provider, kind: n.error.kind, status: n.error.httpStatus, attempt: n.attempt, delayMs: n.delayMs }, "LLM call failed; retrying"),
      });
      const task = registries.nodeTypes.get(TASK_NODE_TYPE);
      if (task instanceof TaskNodeType && registries.nodeTypes.ownerOf(TASK_NODE_TYPE) === ctx.pluginId) task.bind(registries.executors);
    },
  });
}

export default createFrontierPlugin();
