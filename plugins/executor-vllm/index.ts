/** executor-vllm: the `vllm` executor — LLM nodes against a vLLM OpenAI-compatible endpoint, with the tool loop. */
import { ArkError, coreServices, definePlugin, type PluginContext, type PluginDefinition } from "../../core/plugin-api/index.js";
import { vllmConfigSchema, type VllmPluginConfig } from "./config.js";
import { vllmHealthCheck } from "./health-check.js";
import { VLLM_EXECUTOR_ID, VllmExecutor } from "./vllm-executor.js";

export { VLLM_EXECUTOR_ID, VLLM_PROVIDER, VllmExecutor } from "./vllm-executor.js";
export { resolveVllmEndpoint } from "./config.js";
export type { VllmEndpoint, VllmPluginConfig } from "./config.js";
export { vllmHealthCheck } from "./health-check.js";

function ownExecutor(ctx: PluginContext<VllmPluginConfig>): VllmExecutor {
  const executors = ctx.get(coreServices.registries).executors;
  const executor = executors.get(VLLM_EXECUTOR_ID);
  if (!(executor instanceof VllmExecutor) || executors.ownerOf(VLLM_EXECUTOR_ID) !== ctx.pluginId) {
    throw new ArkError("ARK_KERNEL_STATE", `The "${VLLM_EXECUTOR_ID}" executor of plugin "${ctx.pluginId}" is not registered in this kernel.`);
  }
  return executor;
}

/** Builds the plugin definition (the default export is one). */
export function createVllmPlugin(): PluginDefinition<VllmPluginConfig> {
  return definePlugin<VllmPluginConfig>({
    id: "executor-vllm",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "vLLM executor: OpenAI-compatible chat completions against a vLLM server, with the tool loop.",
    configSchema: vllmConfigSchema,
    runsInExecutor: true,
    register(r) {
      const executor = new VllmExecutor();
      r.executor(executor);
      r.preflightCheck(vllmHealthCheck(executor));
    },
    init(ctx) {
      ownExecutor(ctx).configure(ctx.config, {
        onRetry: (n) => ctx.logger.warn({ provider: n.error.provider, kind: n.error.kind, status: n.error.httpStatus, attempt: n.attempt, delayMs: n.delayMs }, "vLLM call failed; retrying"),
      });
    },
  });
}

export default createVllmPlugin();
