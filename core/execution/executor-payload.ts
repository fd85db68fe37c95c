/** The executor class of a request and the v1 executor payload (execution-plane §4.1, §8.3) every out-of-process dispatcher sends. */
import type { ExecutionRequest } from "../plugin-api/contributions.js";

/** The executor image class of a request: vLLM-served models go to `vllm`, everything else to `frontier`. */
export function executorClassFor(request: ExecutionRequest): string {
  const provider = String(request.node_config.model_provider ?? request.node_config.provider ?? "").toLowerCase();
  return provider.startsWith("vllm") ? "vllm" : "frontier";
}

/** The executor payload v1 (execution-plane §8.3) wrapping a request, as the process and Kubernetes dispatchers send it. */
export function buildExecutorPayload(request: ExecutionRequest, options: { dispatcherId: string; executorClass: string; requestId: string }): Record<string, unknown> {
  return {
    contract_version: "v1", result_contract_version: "v1", provider: options.dispatcherId, request_id: options.requestId,
    node_execution: {
      request, executor_class: options.executorClass,
      request_context: { idempotency_key: request.idempotency_key, attempt: request.attempt, flowchart_run_id: request.flowchart_run_id },
    },
  };
}
