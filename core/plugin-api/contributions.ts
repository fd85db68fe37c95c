import type { JSONSchema } from "../contracts/json-schema.js";

/**
 * Contribution types: what a plugin can register. The kernel keeps one registry per kind, keyed by id; the
 * engines that consume them (flow engine, execution plane, tooling, events, migration) live in their own modules.
 */

/** Anything that came from a plugin: the kernel stamps the owner so errors can name it. */
export interface Owned<T> {
  readonly pluginId: string;
  readonly value: T;
}

/** A request to execute one node run (dispatch contract v1 payload). */
export interface ExecutionRequest {
  readonly contract_version: "v1";
  readonly node_id: string | number;
  readonly node_type: string;
  readonly node_config: Record<string, unknown>;
  readonly input_context: Record<string, unknown>;
  readonly execution_id: string | number;
  readonly execution_index: number;
  readonly [key: string]: unknown;
}

/** What an executor returns (dispatch contract v1 result). */
export interface ExecutionResult {
  readonly contract_version: "v1";
  readonly status: "success" | "failed" | "cancelled" | "timeout";
  readonly output_state: Record<string, unknown>;
  readonly routing_state: Record<string, unknown>;
  readonly error?: { code: string; message: string; details?: Record<string, unknown> } | null;
  readonly usage?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** One chat message of an LLM completion request. */
export interface LlmMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

/** A single completion asked of an executor's model (used by `llm_guided` tool modes). */
export interface LlmCompletionRequest {
  readonly messages: readonly LlmMessage[];
  /** Provider key (`openai`, `anthropic`, `gemini`, `vllm_local`, ...); the executor's default when absent. */
  readonly provider?: string;
  readonly model?: string;
  /** Ask for a strict JSON object answer. */
  readonly json?: boolean;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly signal?: AbortSignal;
}

/** The answer to an LlmCompletionRequest. */
export interface LlmCompletion {
  readonly text: string;
  readonly provider: string;
  readonly model: string;
  readonly usage?: { readonly inputTokens?: number; readonly outputTokens?: number };
}

/** Runs node work inside a sandbox, e.g. `frontier` (hosted LLM APIs) or `vllm`. */
export interface ExecutorContribution {
  readonly id: string;
  readonly description?: string;
  /** Image class the executor is bundled into (defaults to its id). */
  readonly imageClass?: string;
  execute(request: ExecutionRequest, signal: AbortSignal, context?: NodeExecutionContext): Promise<ExecutionResult>;
  /** One plain completion from the executor's model; executors without a model leave it out. */
  complete?(request: LlmCompletionRequest): Promise<LlmCompletion>;
}

/** Decides where an execution runs: `inline`, `process`, `kubernetes`. */
export interface DispatcherContribution {
  readonly id: string;
  readonly description?: string;
  dispatch(request: ExecutionRequest, options: { executorClass: string; signal: AbortSignal }): Promise<ExecutionResult>;
  cancel?(dispatchId: string, options: { force: boolean }): Promise<void>;
}

/** Per-call context a tool handler receives. */
export interface ToolCallContext {
  readonly domain: string;
  readonly operation: string;
  readonly idempotencyKey: string;
  readonly attempt: number;
  /** Who calls: `flowchart_run_id`, `node_id`, `node_run_id`, `execution_index`, `workspace` (when known). */
  readonly scope: Record<string, unknown>;
  readonly signal: AbortSignal;
  /** A completion from the configured executor model, when an executor with `complete` is enabled (llm_guided modes). */
  readonly llm?: (request: LlmCompletionRequest) => Promise<LlmCompletion>;
}

/** A tool operation as advertised to models and listed over HTTP. */
export interface ToolDescriptor {
  readonly domain: string;
  readonly operation: string;
  readonly description?: string;
  readonly input: JSONSchema;
  readonly output?: JSONSchema;
}

/** One tool call through a ToolHost. */
export interface ToolInvocation {
  readonly domain: string;
  readonly operation: string;
  readonly input: unknown;
  /** Repeating a call with the same key (and scope) returns the first call's recorded result. */
  readonly idempotencyKey?: string;
  readonly scope?: Record<string, unknown>;
  readonly signal?: AbortSignal;
}

/** The outcome of a tool call (reference tools §1.5–1.7 trace envelope in `trace`). */
export interface ToolInvocationResult {
  readonly status: "success" | "success_with_warning" | "failed";
  readonly output: unknown;
  readonly warnings: readonly { readonly code: string; readonly message: string }[];
  readonly error?: { readonly code: string; readonly message: string; readonly details?: Record<string, unknown> } | null;
  readonly trace: Record<string, unknown>;
  /** True when the idempotency ledger returned a recorded result instead of running the handler. */
  readonly replayed: boolean;
}

/**
 * How node handlers and executors call tool domains: in-process for `inline`, an authenticated HTTP call back to the
 * kernel (token scoped to one node run) for `process` and `kubernetes`.
 */
export interface ToolHost {
  invoke(call: ToolInvocation): Promise<ToolInvocationResult>;
  /** The operations this host can call (for advertising to a model). */
  describe(): Promise<readonly ToolDescriptor[]>;
}

/** What a node handler gets besides its request: the tool host of its node run, and the executors where it runs. */
export interface NodeExecutionContext {
  readonly tools: ToolHost;
  /** The executors available where the node runs (the kernel's registry inline, the bundle's plugins in a sandbox). */
  readonly executors?: (id: string) => ExecutorContribution | undefined;
}

/** One operation of a tool domain, with its JSON Schemas. */
export interface ToolOperation<I = any, O = unknown> {
  readonly description?: string;
  readonly input: JSONSchema;
  readonly output?: JSONSchema;
  /** Whether a retry after an unknown outcome is safe; non-idempotent operations are never retried. */
  readonly idempotent?: boolean;
  handler(input: I, ctx: ToolCallContext): Promise<O>;
}

/** A named set of tool operations (memory, plan, git, ...). */
export interface ToolDomainContribution {
  readonly id: string;
  readonly description?: string;
  readonly operations: Readonly<Record<string, ToolOperation>>;
}

/** The envelope every event carries (see core/events). */
export interface EventEnvelope {
  readonly contract_version: "v1";
  readonly event_id: string;
  readonly idempotency_key: string;
  readonly sequence: number;
  readonly sequence_stream: string;
  readonly emitted_at: string;
  readonly event_type: string;
  readonly entity_kind: string;
  readonly entity_id: string;
  readonly room_keys: readonly string[];
  readonly request_id: string;
  readonly correlation_id?: string;
  readonly runtime: Record<string, unknown> | null;
  readonly payload: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** Fans committed events out (Socket.IO, webhooks, ...). */
export interface EventChannelContribution {
  readonly id: string;
  readonly description?: string;
  /**
   * `local` (default): only events this kernel committed (right when a shared fan-out such as the Socket.IO Redis
   * adapter reaches the other kernels). `all`: also events other kernels committed, heard through the database.
   */
  readonly receives?: "local" | "all";
  publish(event: EventEnvelope): Promise<void> | void;
}

/** One finding of a flow migration step (reference tools-and-migration §6.3: stable dotted code, severity, where). */
export interface FlowMigrationIssue {
  readonly code: string;
  readonly message: string;
  readonly severity: "error" | "warning";
  readonly node_id?: string;
  readonly edge_id?: string;
}

/** What a flow migration step is told about the run it is part of. */
export interface FlowMigrationContext {
  /** Strict policy (the default): `policy.*` findings are errors; non-strict makes them warnings. */
  readonly strictPolicy: boolean;
  /** Records a finding of the transform (validation and dry-run findings are returned instead). */
  issue(issue: FlowMigrationIssue): void;
}

/**
 * A versioned transform of stored flowchart definitions, run by `ark migrate`. The definition is the flowchart's
 * migration snapshot (`{flowchart, nodes, edges}` in the reference's field names; see core/migration/README.md).
 */
export interface FlowMigrationContribution {
  readonly id: string;
  readonly description?: string;
  readonly from: number;
  readonly to: number;
  /** Returns the transformed snapshot; must not change its input and must be a pure function of it (and the context). */
  transform(definition: Record<string, unknown>, context?: FlowMigrationContext): Record<string, unknown>;
  /** Problems with the transformed definition (plain messages count as errors); empty when valid. */
  validate?(definition: Record<string, unknown>, context?: FlowMigrationContext): readonly (string | FlowMigrationIssue)[];
  /** Dry execution checks of the transformed definition (routes and fan-in resolvable), run after `validate`. */
  dryRun?(definition: Record<string, unknown>, context?: FlowMigrationContext): readonly (string | FlowMigrationIssue)[];
}

/** A SQL schema migration a plugin ships; ids are namespaced by plugin id and applied in order. */
export interface SchemaMigrationContribution {
  /** `NNNN_description`, unique within the plugin. */
  readonly id: string;
  readonly sql: string;
}

/** A flowchart node type (start, end, decision, task, memory, ...). */
export interface NodeTypeContribution {
  readonly type: string;
  readonly description?: string;
  readonly configSchema?: JSONSchema;
  readonly outputSchema?: JSONSchema;
  /** Free-form capability flags the graph validator reads (e.g. `maxOutgoing`, `requiresRef`). */
  readonly capabilities?: Readonly<Record<string, unknown>>;
  execute?(request: ExecutionRequest, signal: AbortSignal, context?: NodeExecutionContext): Promise<ExecutionResult>;
}

/** One `ark doctor` verdict. */
export interface PreflightCheckResult {
  readonly status: "ok" | "warn" | "fail";
  readonly detail: string;
  /** What the operator should do when the status is not ok. */
  readonly hint?: string;
}

/** A preflight check `ark doctor` runs after a successful boot (Redis reachable, Kubernetes permissions, images...). */
export interface PreflightCheckContribution {
  readonly id: string;
  readonly description?: string;
  run(signal: AbortSignal): Promise<PreflightCheckResult | readonly PreflightCheckResult[]>;
}

/** Contribution kinds, as they appear in `ark plugins` and error messages. */
export type ContributionKind =
  | "executor"
  | "dispatcher"
  | "toolDomain"
  | "eventChannel"
  | "flowMigration"
  | "schemaMigration"
  | "nodeType"
  | "preflightCheck"
  | "service";
