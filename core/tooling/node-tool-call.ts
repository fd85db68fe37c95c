/**
 * How a node type calls a tool domain for its node run: through the node run's tool host when the dispatcher passes
 * one (the whole envelope: validation, ledger under `node_run:<id>:<domain>.<operation>`, retries, fallback, trace),
 * else the operation's handler directly in this process with the same scope and key (a minimal trace marked
 * `via: "direct"`), so the node still works in a kernel whose dispatcher passes no tools.
 */
import { errorMessage, isArkError } from "../errors/index.js";
import { failedResult } from "../execution/execution-results.js";
import type { ExecutionRequest, ExecutionResult, NodeExecutionContext, ToolDomainContribution, ToolInvocationResult } from "../plugin-api/contributions.js";
import { nodeRunScope, nodeRunToolKey } from "./node-run-scope.js";
import type { ToolCall } from "./tool-call.js";
import { toolFailureOf } from "./tool-error.js";

/** One call of a domain on behalf of a node run. */
export interface NodeRunToolCall {
  /** The domain as registered in this kernel (used only on the direct path). */
  readonly domain: () => ToolDomainContribution;
  readonly operation: string;
  readonly input: unknown;
  /** Extra scope entries (the node run's ids always win). */
  readonly scope?: Record<string, unknown>;
  readonly retry?: ToolCall["retry"];
  readonly fallback?: ToolCall["fallback"];
}

async function direct(request: ExecutionRequest, signal: AbortSignal, call: NodeRunToolCall, scope: Record<string, unknown>, key: string): Promise<ToolInvocationResult> {
  const domain = call.domain();
  const trace = (status: ToolInvocationResult["status"]) => ({
    contract_version: "v1", node_type: request.node_type, tool_name: `deterministic.${domain.id}`, domain: domain.id, operation: call.operation,
    execution_status: status, fallback_used: false, warnings: [], attempt_count: 1, calls: [], replayed: false, idempotency_key: key, via: "direct",
  });
  try {
    const output = await domain.operations[call.operation]!.handler(call.input, { domain: domain.id, operation: call.operation, idempotencyKey: key, attempt: 1, scope, signal });
    const warned = output !== null && typeof output === "object" && (output as { execution_status?: unknown }).execution_status === "success_with_warning";
    const status = warned ? "success_with_warning" : "success";
    return { status, output, warnings: [], error: null, trace: trace(status), replayed: false };
  } catch (err) {
    const failure = toolFailureOf(err);
    const error = { code: failure.code, message: failure.message, ...(Object.keys(failure.details).length ? { details: failure.details } : {}) };
    return { status: "failed", output: null, warnings: [], error, trace: trace("failed"), replayed: false };
  }
}

/**
 * The call's retry policy: the node type's own, else the node's failure controls `tool_retry_attempts` /
 * `tool_retry_backoff_ms` (reference §3.1; the envelope clamps them and retries idempotent operations only).
 */
function retryOf(call: NodeRunToolCall, request: ExecutionRequest): { retry?: ToolCall["retry"] } {
  if (call.retry) return { retry: call.retry };
  const config = request.node_config ?? {};
  const int = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) ? v : typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : undefined);
  const maxAttempts = int(config.tool_retry_attempts);
  const backoffMs = int(config.tool_retry_backoff_ms);
  if (maxAttempts === undefined && backoffMs === undefined) return {};
  return { retry: { ...(maxAttempts !== undefined ? { maxAttempts } : {}), ...(backoffMs !== undefined ? { backoffMs } : {}) } };
}

/** Runs the call for the node run; a tool failure comes back as `status: "failed"`, never thrown. */
export async function callNodeRunTool(request: ExecutionRequest, signal: AbortSignal, context: NodeExecutionContext | undefined, call: NodeRunToolCall): Promise<ToolInvocationResult> {
  const domainId = call.domain().id;
  const key = nodeRunToolKey(request, domainId, call.operation);
  const scope = { ...(call.scope ?? {}), ...nodeRunScope(request) };
  if (!context?.tools) return direct(request, signal, call, scope, key);
  const toolCall: ToolCall = {
    domain: domainId, operation: call.operation, input: call.input, idempotencyKey: key, scope, signal,
    trace: { nodeType: request.node_type },
    ...retryOf(call, request),
    ...(call.fallback ? { fallback: call.fallback } : {}),
  };
  return context.tools.invoke(toolCall);
}

/** The failed node result of a failed tool call: the tool's code in `details.code`, its message kept. */
export function failedNodeResultOf(result: ToolInvocationResult): ExecutionResult {
  const error = result.error ?? { code: "ARK_TOOL_HANDLER_FAILED", message: "The tool call failed." };
  const cancelled = error.code === "ARK_TOOL_CANCELLED";
  return failedResult(cancelled ? "cancelled" : "execution_error", `${error.code}: ${error.message}`, {
    ...(cancelled ? { status: "cancelled" as const } : {}),
    details: { code: error.code, ...(error.details ?? {}) },
  });
}

/** The failed node result of an error thrown while preparing a call (a bad node config is a validation error). */
export function failedNodeResultFromError(err: unknown): ExecutionResult {
  if (isArkError(err)) {
    return failedResult(err.status >= 500 ? "execution_error" : "validation_error", `${err.code}: ${err.message}`, { details: { code: err.code, ...err.details } });
  }
  return failedResult("execution_error", errorMessage(err));
}
