/** Building v1 execution results (execution-plane §8.5) the same way everywhere: node types, dispatchers, the router. */
import type { ExecutionResult } from "../plugin-api/contributions.js";

/** Error codes the dispatch path itself produces. */
export type DispatchErrorCode = "unsupported_node_type" | "execution_error" | "dispatch_error" | "cancelled" | "contract_violation";

/** retryable by code, as the reference's result envelope defaults it. */
const RETRYABLE: Readonly<Record<string, boolean>> = {
  validation_error: false, provider_error: true, dispatch_error: true, timeout: true, cancelled: false, execution_error: false, infra_error: true,
  unsupported_node_type: false, contract_violation: false,
};

/** A successful result carrying a node's output and routing state. */
export function successResult(outputState: Record<string, unknown>, routingState: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): ExecutionResult {
  return { contract_version: "v1", status: "success", exit_code: 0, output_state: outputState, routing_state: routingState, error: null, ...extra };
}

/** A failed (or cancelled) result with an error envelope. */
export function failedResult(
  code: string, message: string, options: { status?: "failed" | "cancelled" | "timeout"; details?: Record<string, unknown>; retryable?: boolean } = {},
): ExecutionResult {
  const status = options.status ?? "failed";
  const error: Record<string, unknown> = { code, message, retryable: options.retryable ?? RETRYABLE[code] ?? true };
  if (options.details && Object.keys(options.details).length > 0) error.details = options.details;
  return {
    contract_version: "v1", status, exit_code: status === "cancelled" ? 130 : status === "timeout" ? 124 : 1, output_state: {}, routing_state: {},
    error: error as unknown as ExecutionResult["error"],
  };
}
