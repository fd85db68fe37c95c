/**
 * The dispatcher port's router (execution-plane §1, §2, §8.3, §8.5): picks the dispatcher for a node execution — the
 * cutover gate off → `execution.legacyDispatcher` (default `inline`); on → the unified executor route
 * (`execution.routes` by node type, else `execution.dispatcher`) — builds the v1 execution request and executor payload
 * and validates both against the core contracts, records the pending routing metadata on the node run before an
 * out-of-process dispatch, dispatches with an AbortSignal, and validates the v1 result (envelope, then the node's
 * output and routing state). It never throws for a node's failure: every problem becomes a failed result with a
 * stable error code, plus the dispatch metadata the node run stores.
 */
import { validateNodeStates } from "../contracts/index.js";
import type { ContractRegistry } from "../contracts/contract-registry-port.js";
import { contractIds, registerCoreContracts } from "../contracts/schemas/index.js";
import { TOO_DEEP_MESSAGE, isTooDeep } from "../contracts/nesting-depth.js";
import { replaceUnstorableText } from "../contracts/unstorable-text.js";
import { ArkError, errorMessage } from "../errors/index.js";
import type { DispatcherContribution, ExecutionRequest, ExecutionResult } from "../plugin-api/contributions.js";
import { failedResult } from "./execution-results.js";
import { buildExecutorPayload, executorClassFor } from "./executor-payload.js";
import { INLINE_DISPATCHER_ID } from "./inline-dispatcher.js";
import type { DispatchOptions } from "./process-dispatcher.js";
import { finalRunMetadata, pendingRunMetadata, type RouteFacts, type RoutingMetadataWriter } from "./route-metadata.js";

export { buildExecutorPayload, executorClassFor } from "./executor-payload.js";

/** Node types that need the kernel itself (the flow engine): they run inline unless a route names them explicitly. */
const KERNEL_BOUND_NODE_TYPES = new Set(["flowchart"]);

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
  /** Node type → dispatcher id (the unified route, used when the cutover gate is on). */
  readonly routes?: Readonly<Record<string, string>>;
  /** The dispatcher while the cutover gate is off (default `inline`). */
  readonly legacyDispatcher?: string;
  readonly workspaceIdentity?: string;
  /** Records routing metadata on the node run; required for it to be stored before an out-of-process dispatch. */
  readonly recordMetadata?: RoutingMetadataWriter;
  /** Where a failed metadata write is reported (dispatch-state updates are best effort). */
  readonly onMetadataError?: (err: unknown, nodeRunId: string) => void;
}

/** Picks dispatchers and runs node executions through them. */
export class DispatchRouter {
  private readonly defaultDispatcher: string;
  private readonly legacyDispatcher: string;

  constructor(private readonly options: DispatchRouterOptions) {
    this.defaultDispatcher = options.defaultDispatcher ?? INLINE_DISPATCHER_ID;
    this.legacyDispatcher = options.legacyDispatcher ?? INLINE_DISPATCHER_ID;
    registerCoreContracts(options.contracts);
  }

  /** The dispatcher id for a node type: legacy while the cutover gate is off, the unified route when it is on. */
  routeFor(nodeType: string, cutover: boolean): { id: string; route: RouteFacts["route"] } {
    const kernelBound = KERNEL_BOUND_NODE_TYPES.has(nodeType);
    if (!cutover) return { id: kernelBound ? INLINE_DISPATCHER_ID : this.legacyDispatcher, route: "legacy" };
    const routed = this.options.routes?.[nodeType];
    if (routed) return { id: routed, route: "unified" };
    return { id: kernelBound ? INLINE_DISPATCHER_ID : this.defaultDispatcher, route: "unified" };
  }

  /** The dispatcher for a node type; ARK_DISPATCHER_UNKNOWN when the configured one is not registered. */
  dispatcherFor(nodeType: string, cutover = true): DispatcherContribution {
    const { id } = this.routeFor(nodeType, cutover);
    const dispatcher = this.options.dispatchers.get(id);
    if (!dispatcher) {
      throw new ArkError("ARK_DISPATCHER_UNKNOWN", `No dispatcher '${id}' is registered for node type '${nodeType}'.`, {
        details: { dispatcher: id, nodeType, cutover, registered: this.options.dispatchers.ids() },
      });
    }
    return dispatcher;
  }

  /** Checks at boot that every configured dispatcher exists (ARK_DISPATCHER_UNKNOWN naming all that do not). */
  checkRoutes(): void {
    const wanted = new Set([this.defaultDispatcher, this.legacyDispatcher, ...Object.values(this.options.routes ?? {})]);
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
    let facts: RouteFacts;
    try {
      dispatcher = this.dispatcherFor(execution.node.type, execution.cutover);
      request = this.buildRequest(execution, dispatcher.id);
      facts = { dispatcherId: dispatcher.id, executorClass: executorClassFor(request), route: this.routeFor(execution.node.type, execution.cutover).route, attempt: execution.attempt };
      this.options.contracts.validate(contractIds.executorPayload, buildExecutorPayload(request, { dispatcherId: dispatcher.id, executorClass: facts.executorClass, requestId: execution.requestId }));
      if (dispatcher.id !== INLINE_DISPATCHER_ID) await this.recordPending(execution.nodeRunId, pendingRunMetadata(request, facts));
    } catch (err) {
      // Nothing was dispatched: an unknown dispatcher, a request that breaks the v1 contract, or no pending record.
      const code = err instanceof ArkError && err.code === "ARK_CONTRACT_VIOLATION" ? "contract_violation" : "dispatch_error";
      const details = err instanceof ArkError ? { ...err.details, ark_code: err.code } : {};
      const result = failedResult(code, errorMessage(err), { details });
      return { result, runMetadata: { dispatch_status: "dispatch_failed", attempt: execution.attempt } };
    }
    const updates: Promise<void>[] = [];
    const options: DispatchOptions = {
      executorClass: facts.executorClass, signal,
      onDispatchState: (state, metadata) => updates.push(this.recordState(execution.nodeRunId, { ...metadata, dispatch_status: state })),
    };
    let raw: unknown;
    try {
      raw = await dispatcher.dispatch(request, options);
    } catch (err) {
      raw = signal.aborted
        ? failedResult("cancelled", "Node execution was cancelled.", { status: "cancelled" })
        : failedResult("dispatch_error", `Dispatch through '${dispatcher.id}' failed: ${errorMessage(err)}`);
    }
    // State updates land before the caller writes the final metadata over them.
    await Promise.all(updates);
    // An executor's text may hold NUL characters or lone surrogates (a model's answer, a process's output) that no
    // column can store as they are: each is replaced by U+FFFD, and the run metadata says how many.
    const { value: result, replaced, nul, loneSurrogates } = replaceUnstorableText(this.checkedResult(execution.node.type, raw));
    const runMetadata = finalRunMetadata(request, facts, result);
    if (replaced === 0) return { result, runMetadata };
    return {
      result,
      runMetadata: { ...runMetadata, ...(nul > 0 ? { nul_characters_replaced: nul } : {}), ...(loneSurrogates > 0 ? { lone_surrogates_replaced: loneSurrogates } : {}) },
    };
  }

  private async recordPending(nodeRunId: string, metadata: Record<string, unknown>): Promise<void> {
    if (!this.options.recordMetadata) return;
    try {
      await this.options.recordMetadata(nodeRunId, metadata);
    } catch (err) {
      throw new ArkError("ARK_DISPATCH_METADATA_PERSIST_FAILED", `Routing metadata of node run ${nodeRunId} could not be recorded before dispatch: ${errorMessage(err)}`, {
        details: { nodeRunId }, cause: err,
      });
    }
  }

  private async recordState(nodeRunId: string, metadata: Record<string, unknown>): Promise<void> {
    try {
      await this.options.recordMetadata?.(nodeRunId, metadata);
    } catch (err) {
      this.options.onMetadataError?.(err, nodeRunId);
    }
  }

  private checkedResult(nodeType: string, raw: unknown): ExecutionResult {
    // Before any other walk: a result nested thousands deep would overflow the contract check or the node run's write.
    if (isTooDeep(raw)) {
      return failedResult("contract_violation", `The executor result ${TOO_DEEP_MESSAGE}; it cannot be stored.`, {
        details: { issues: [{ instancePath: "", keyword: "depth", message: TOO_DEEP_MESSAGE }] },
      });
    }
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
}
