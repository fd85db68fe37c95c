/**
 * The dispatcher port's router (execution-plane §1, §2, §8.3, §8.5): picks the dispatcher for a node type
 * (`execution.routes`, else `execution.dispatcher`, default `inline`), builds the v1 execution request and executor
 * payload and validates both against the core contracts, dispatches with an AbortSignal, and validates the v1 result
 * (envelope, then the node's output and routing state). It never throws for a node's failure: every problem becomes a
 * failed result with a stable error code, plus the dispatch metadata the node run stores.
 */
import { validateNodeStates } from "../contracts/index.js";
import type { ContractRegistry } from "../contracts/contract-registry-port.js";
import { contractIds, registerCoreContracts } from "../contracts/schemas/index.js";
import { ArkError, errorMessage } from "../errors/index.js";
import type { DispatcherContribution, ExecutionRequest, ExecutionResult } from "../plugin-api/contributions.js";
import { failedResult } from "./execution-results.js";
import { INLINE_DISPATCHER_ID } from "./inline-dispatcher.js";

/** Where the router finds dispatchers (the kernel's dispatchers registry). */
export interface DispatcherLookup {
  get(id: string): DispatcherContribution | undefined;
  ids(): string[];
}

/** One node execution as the orchestrator describes it. */
export interface NodeExecution {
  readonly flowchartId: string;
  readonly runId: string;
  readonly nodeRunId: string;
  readonly node: { readonly id: string; readonly type: string; readonly refId?: number | null; readonly config: Readonly<Record<string, unknown>> };
  readonly inputContext: Readonly<Record<string, unknown>>;
  readonly executionIndex: number;
  readonly idempotencyKey: string;
  readonly attempt: number;
  /** The node's outgoing connectors (decisions skip conditions for connectors they do not have). */
  readonly outgoing?: readonly { id: string; target: string; mode: string; conditionKey?: string | null }[];
  readonly requestId: string;
  readonly correlationId: string;
  /** The run's cutover gate, injected into node_config as `__agent_runtime_cutover_enabled` (reference §15.7). */
  readonly cutover: boolean;
}

/** A dispatch's result and the metadata stored on the node run (`routing_metadata`). */
export interface RoutedResult {
  readonly result: ExecutionResult;
  readonly runMetadata: Record<string, unknown>;
}

/** Router configuration (`execution:` section). */
export interface DispatchRouterOptions {
  readonly dispatchers: DispatcherLookup;
  readonly contracts: ContractRegistry;
  readonly defaultDispatcher?: string;
  /** Node type → dispatcher id. */
  readonly routes?: Readonly<Record<string, string>>;
  readonly workspaceIdentity?: string;
}

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

/** Picks dispatchers and runs node executions through them. */
export class DispatchRouter {
  private readonly defaultDispatcher: string;

  constructor(private readonly options: DispatchRouterOptions) {
    this.defaultDispatcher = options.defaultDispatcher ?? INLINE_DISPATCHER_ID;
    registerCoreContracts(options.contracts);
  }

  /** The dispatcher for a node type; ARK_DISPATCHER_UNKNOWN when the configured one is not registered. */
  dispatcherFor(nodeType: string): DispatcherContribution {
    const id = this.options.routes?.[nodeType] ?? this.defaultDispatcher;
    const dispatcher = this.options.dispatchers.get(id);
    if (!dispatcher) {
      throw new ArkError("ARK_DISPATCHER_UNKNOWN", `No dispatcher '${id}' is registered for node type '${nodeType}'.`, {
        details: { dispatcher: id, nodeType, registered: this.options.dispatchers.ids() },
      });
    }
    return dispatcher;
  }

  /** Checks at boot that every configured dispatcher exists (ARK_DISPATCHER_UNKNOWN naming all that do not). */
  checkRoutes(): void {
    const wanted = new Set([this.defaultDispatcher, ...Object.values(this.options.routes ?? {})]);
    const missing = [...wanted].filter((id) => !this.options.dispatchers.get(id));
    if (missing.length > 0) {
      throw new ArkError("ARK_DISPATCHER_UNKNOWN", `Configured dispatcher(s) not registered: ${missing.join(", ")}.`, {
        details: { missing, registered: this.options.dispatchers.ids() },
      });
    }
  }

  /** The v1 execution request of a node execution (validated against the executionRequest contract). */
  buildRequest(execution: NodeExecution, dispatcherId: string): ExecutionRequest {
    const request = {
      contract_version: "v1" as const, node_id: execution.node.id, node_type: execution.node.type, node_ref_id: execution.node.refId ?? null,
      node_config: { ...execution.node.config, __agent_runtime_cutover_enabled: execution.cutover ? "true" : "false" },
      input_context: execution.inputContext, execution_id: execution.nodeRunId, execution_task_id: null, execution_index: execution.executionIndex,
      enabled_providers: [], default_model_id: null, mcp_server_keys: [], selected_provider: dispatcherId, final_provider: dispatcherId,
      provider_dispatch_id: null, workspace_identity: this.options.workspaceIdentity ?? "default", dispatch_status: "dispatch_pending",
      fallback_attempted: false, fallback_reason: null, dispatch_uncertain: false, api_failure_category: null, cli_fallback_used: false,
      cli_preflight_passed: null, execution_mode: null, idempotency_key: execution.idempotencyKey, attempt: execution.attempt,
      flowchart_id: execution.flowchartId, flowchart_run_id: execution.runId, request_id: execution.requestId, correlation_id: execution.correlationId,
      outgoing_connectors: (execution.outgoing ?? []).map((c) => ({ id: c.id, target: c.target, mode: c.mode, condition_key: c.conditionKey ?? null })),
    };
    return this.options.contracts.validate<ExecutionRequest>(contractIds.executionRequest, request);
  }

  /** Dispatches one node execution; resolves with a validated result (failures included), never rejects for node errors. */
  async execute(execution: NodeExecution, signal: AbortSignal): Promise<RoutedResult> {
    let dispatcher: DispatcherContribution;
    let request: ExecutionRequest;
    let executorClass: string;
    try {
      dispatcher = this.dispatcherFor(execution.node.type);
      request = this.buildRequest(execution, dispatcher.id);
      executorClass = executorClassFor(request);
      this.options.contracts.validate(contractIds.executorPayload, buildExecutorPayload(request, { dispatcherId: dispatcher.id, executorClass, requestId: execution.requestId }));
    } catch (err) {
      // Nothing was dispatched: an unknown dispatcher or a request that breaks the v1 contract fails the node run.
      const code = err instanceof ArkError && err.code === "ARK_CONTRACT_VIOLATION" ? "contract_violation" : "dispatch_error";
      const result = failedResult(code, errorMessage(err), { details: err instanceof ArkError ? err.details : {} });
      return { result, runMetadata: { dispatch_status: "dispatch_failed", attempt: execution.attempt } };
    }
    let raw: unknown;
    try {
      raw = await dispatcher.dispatch(request, { executorClass, signal });
    } catch (err) {
      raw = signal.aborted
        ? failedResult("cancelled", "Node execution was cancelled.", { status: "cancelled" })
        : failedResult("dispatch_error", `Dispatch through '${dispatcher.id}' failed: ${errorMessage(err)}`);
    }
    const result = this.checkedResult(execution.node.type, raw);
    return { result, runMetadata: this.runMetadata(dispatcher.id, executorClass, execution, result) };
  }

  private checkedResult(nodeType: string, raw: unknown): ExecutionResult {
    const envelope = this.options.contracts.check(contractIds.executorResult, raw);
    if (!envelope.valid) {
      const first = envelope.issues[0];
      return failedResult("contract_violation", `The executor result violates the v1 result contract: ${first ? `${first.instancePath || "/"} ${first.message}` : "invalid"}.`, {
        details: { issues: envelope.issues },
      });
    }
    const result = raw as ExecutionResult;
    if (result.status !== "success") return result;
    const problems = validateNodeStates(nodeType, result.output_state, result.routing_state);
    if (problems.length === 0) return result;
    return failedResult("contract_violation", `Node output violates its contract: ${problems[0]}`, { details: { issues: problems } });
  }

  private runMetadata(dispatcherId: string, executorClass: string, execution: NodeExecution, result: ExecutionResult): Record<string, unknown> {
    const reported = (result.run_metadata ?? {}) as Record<string, unknown>;
    const status: string = result.status;
    const failedDispatch = status === "dispatch_failed" || result.error?.code === "dispatch_error";
    return {
      selected_provider: dispatcherId, final_provider: dispatcherId, provider_dispatch_id: null, workspace_identity: this.options.workspaceIdentity ?? "default",
      dispatch_status: failedDispatch ? "dispatch_failed" : "dispatch_confirmed", fallback_attempted: false, fallback_reason: null,
      dispatch_uncertain: status === "dispatch_uncertain", api_failure_category: null, cli_fallback_used: false, cli_preflight_passed: null,
      execution_mode: null, ...reported, dispatcher: dispatcherId, executor_class: executorClass, attempt: execution.attempt,
      exit_code: result.exit_code ?? null, started_at: result.started_at ?? null, finished_at: result.finished_at ?? null,
    };
  }
}
