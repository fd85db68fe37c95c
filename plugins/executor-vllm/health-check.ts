/** `ark doctor`'s vLLM check: the endpoint answers `GET /v1/models` and serves the configured model. */
import { errorMessage, type PreflightCheckContribution, type PreflightCheckResult } from "../../core/plugin-api/index.js";
import type { VllmExecutor } from "./vllm-executor.js";

/** The preflight check over an executor's endpoint. */
export function vllmHealthCheck(executor: VllmExecutor): PreflightCheckContribution {
  return {
    id: "vllm-endpoint",
    description: "The vLLM server answers GET /v1/models and serves the configured model.",
    async run(signal): Promise<PreflightCheckResult> {
      let client;
      try {
        client = executor.client();
      } catch (err) {
        return { status: "warn", detail: errorMessage(err), hint: "Set baseUrl and model in the executor-vllm config (or VLLM_BASE_URL / VLLM_MODEL) to run vLLM nodes." };
      }
      try {
        const models = await client.listModels(signal);
        if (models.includes(client.defaultModel)) return { status: "ok", detail: `serves ${client.defaultModel} (${models.length} model(s))` };
        return { status: "fail", detail: `the server does not serve '${client.defaultModel}' (it serves: ${models.join(", ") || "nothing"})`, hint: "Fix executor-vllm model to one of the served names (vllm serve --served-model-name)." };
      } catch (err) {
        return { status: "fail", detail: errorMessage(err), hint: "Check that the vLLM server runs and executor-vllm baseUrl points at it." };
      }
    },
  };
}
