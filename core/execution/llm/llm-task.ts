/**
 * Runs an LLM node (`task`, `llm_call`) on a chat adapter: the prompt from node config plus the input context, the
 * tool loop with the node run's ToolHost, optional `output_schema` with repair retries (orchestration §10), and the
 * v1 result with `output_state.sdk_tooling` and `usage`. Shared by the frontier and vLLM executors.
 */
import { errorMessage } from "../../errors/index.js";
import type { ExecutionRequest, ExecutionResult, NodeExecutionContext } from "../../plugin-api/contributions.js";
import { failedResult, successResult } from "../execution-results.js";
import type { ChatAdapter, ChatMessage, ChatUsage } from "./chat-model.js";
import type { RetryNotice, RetryPolicy } from "./llm-retry.js";
import { compileOutputSchema, repairInstructions, structuredOutputOf, type OutputSchemaCheck } from "./task-output.js";
import type { ToolCatalog } from "./tool-catalog.js";
import { buildCatalog, resolveMaxCycles, runToolLoop, type LoopError, type ToolLoopOutcome } from "./tool-loop.js";
import { sdkToolingEvidence, type ToolTraceEntry } from "./tool-trace.js";

/** Executor-level settings of LLM nodes. */
export interface LlmTaskSettings {
  /** Prepended to the node's `system_prompt` (blank line between). */
  readonly systemPrompt?: string;
  readonly maxCycles: number;
  readonly hardMaxCycles: number;
  readonly retry: RetryPolicy;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly onRetry?: (notice: RetryNotice) => void;
}

/** An LLM node's config, as read from `node_config` (documented in the executor plugins' READMEs). */
export interface LlmNodeConfig {
  readonly prompt: string;
  readonly system: string | undefined;
  readonly model: string | undefined;
  readonly maxCycles: unknown;
  readonly maxTokens: number | undefined;
  readonly temperature: number | undefined;
  readonly outputSchema: unknown;
  readonly schemaAttempts: number;
  readonly toolDomains: readonly string[] | undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function finite(value: unknown): number | undefined {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

/** Reads an LLM node's config; `model_config` keys win over top-level ones. */
export function readLlmNodeConfig(config: Readonly<Record<string, unknown>>): LlmNodeConfig {
  const modelConfig = (typeof config.model_config === "object" && config.model_config !== null ? config.model_config : {}) as Record<string, unknown>;
  const pick = (key: string) => modelConfig[key] ?? config[key];
  const attempts = finite(config.task_schema_retry_attempts);
  const domains = config.tool_domains;
  return {
    prompt: text(config.task_prompt) ?? text(config.prompt) ?? "",
    system: text(config.system_prompt),
    model: text(pick("model")) ?? text(config.model_name),
    maxCycles: pick("tool_loop_max_cycles"),
    maxTokens: finite(pick("max_tokens")),
    temperature: finite(pick("temperature")),
    outputSchema: config.output_schema ?? null,
    schemaAttempts: attempts !== undefined && attempts >= 1 ? Math.min(Math.floor(attempts), 10) : 2,
    toolDomains: Array.isArray(domains) ? domains.filter((d): d is string => typeof d === "string") : undefined,
  };
}

/** The first user message: the prompt, then the input context as JSON when there is one. */
export function taskUserMessage(prompt: string, inputContext: Readonly<Record<string, unknown>>): string {
  if (Object.keys(inputContext).length === 0) return prompt;
  return `${prompt}\n\nInput context (JSON):\n${JSON.stringify(inputContext, null, 2)}`;
}

function mergeSystem(...parts: (string | undefined)[]): string | undefined {
  const kept = parts.map((p) => p?.trim()).filter((p): p is string => !!p);
  return kept.length > 0 ? kept.join("\n\n") : undefined;
}

interface TaskRun {
  outcome: ToolLoopOutcome;
  usage: ChatUsage;
  trace: ToolTraceEntry[];
  structured?: Record<string, unknown>;
  error?: LoopError;
}

/** Executes one LLM node run; never throws (every failure is a failed result with a normalised error envelope). */
export async function executeLlmTask(
  request: ExecutionRequest,
  signal: AbortSignal,
  context: NodeExecutionContext | undefined,
  options: { adapter: ChatAdapter; settings: LlmTaskSettings },
): Promise<ExecutionResult> {
  const config = readLlmNodeConfig(request.node_config);
  if (config.prompt === "") return configFailure(request, `Node ${String(request.node_id)} (${request.node_type}) requires config.task_prompt.`);
  let schema: OutputSchemaCheck | null = null;
  try {
    if (config.outputSchema !== null) schema = compileOutputSchema(config.outputSchema);
  } catch (err) {
    return configFailure(request, `Node ${String(request.node_id)} has an invalid output_schema: ${errorMessage(err)}`);
  }
  let catalog: ToolCatalog;
  try {
    catalog = await buildCatalog(context?.tools, config.toolDomains);
  } catch (err) {
    return configFailure(request, `Tool discovery failed: ${errorMessage(err)}`, "tool_dispatch_failed");
  }
  const run = await runAttempts(request, signal, context, { ...options, catalog }, config, schema);
  return resultOf(request, options.adapter.provider, run, config);
}

async function runAttempts(
  request: ExecutionRequest, signal: AbortSignal, context: NodeExecutionContext | undefined,
  options: { adapter: ChatAdapter; settings: LlmTaskSettings; catalog: ToolCatalog }, config: LlmNodeConfig, schema: OutputSchemaCheck | null,
): Promise<TaskRun> {
  const { adapter, settings, catalog } = options;
  let messages: ChatMessage[] = [{ role: "user", content: taskUserMessage(config.prompt, request.input_context) }];
  const run: TaskRun = { outcome: undefined!, usage: { inputTokens: 0, outputTokens: 0 }, trace: [] };
  const attempts = schema ? config.schemaAttempts : 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const outcome = await runToolLoop({
      adapter, catalog, messages, signal, retry: settings.retry,
      ...(context ? { tools: context.tools } : {}),
      ...optional({ system: mergeSystem(settings.systemPrompt, config.system), model: config.model, maxTokens: config.maxTokens ?? settings.maxTokens, temperature: config.temperature ?? settings.temperature }),
      json: schema !== null,
      maxCycles: resolveMaxCycles(config.maxCycles, settings.maxCycles, settings.hardMaxCycles),
      idempotencyPrefix: `node_run:${String(request.execution_id)}:sdk_tool${attempt > 1 ? `:schema_attempt:${attempt}` : ""}`,
      scope: { node_run_id: request.execution_id, node_id: request.node_id, flowchart_run_id: request.flowchart_run_id ?? null, execution_index: request.execution_index },
      ...(settings.onRetry ? { onRetry: settings.onRetry } : {}),
    });
    run.outcome = outcome;
    run.usage = { inputTokens: run.usage.inputTokens + outcome.usage.inputTokens, outputTokens: run.usage.outputTokens + outcome.usage.outputTokens };
    run.trace.push(...outcome.trace);
    if (!outcome.ok) return { ...run, ...(outcome.error ? { error: outcome.error } : {}) };
    if (!schema) return { ...run, structured: structuredOutputOf(outcome.text) };
    const checked = schema.check(outcome.text);
    if ("value" in checked) return { ...run, structured: checked.value };
    if (attempt === attempts) {
      const message = `Task node schema validation failed after ${attempts} attempt(s): ${checked.problem}`;
      return { ...run, error: { code: "task_schema_validation_failed", message, details: { attempts, validation_error: checked.problem }, retryable: false } };
    }
    messages = [...outcome.messages, { role: "user", content: repairInstructions(attempt, attempts, checked.problem, outcome.text) }];
  }
  return run;
}

function optional(values: Record<string, string | number | undefined>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Record<string, string | number>;
}

function resultOf(request: ExecutionRequest, provider: string, run: TaskRun, config: LlmNodeConfig): ExecutionResult {
  const { outcome } = run;
  const sdkTooling = sdkToolingEvidence(run.trace, provider);
  const usage = {
    input_tokens: run.usage.inputTokens, output_tokens: run.usage.outputTokens, total_tokens: run.usage.inputTokens + run.usage.outputTokens,
    provider, model: outcome.model, cycles: outcome.cycles,
  };
  const common = { node_type: request.node_type, provider, model: outcome.model, ...(sdkTooling ? { sdk_tooling: sdkTooling } : {}) };
  if (run.error) return failureWithEnvelope(request, run.error, { ...common, raw_output: "" }, usage);
  const structured = run.structured ?? structuredOutputOf(outcome.text);
  const routeKey = typeof structured.route_key === "string" && structured.route_key.trim() !== "" ? structured.route_key.trim() : null;
  const output = {
    ...common, task_prompt_source: "config", structured_output: structured, raw_output: outcome.text, raw_error: "",
    task_current_stage: "post_run", tool_loop: { cycles: outcome.cycles, tool_domains: config.toolDomains ?? null },
  };
  return successResult(output, routeKey ? { route_key: routeKey } : {}, { usage });
}

function failureWithEnvelope(request: ExecutionRequest, error: LoopError, output: Record<string, unknown>, usage?: Record<string, unknown>): ExecutionResult {
  const status = error.code === "cancelled" ? "cancelled" : "failed";
  const base = failedResult(error.code, error.message, { status });
  const ids = { request_id: request.request_id ?? null, correlation_id: request.correlation_id ?? null };
  return { ...base, output_state: output, error: { ...error, details: { ...error.details, ...ids } } as ExecutionResult["error"], ...(usage ? { usage } : {}) };
}

function configFailure(request: ExecutionRequest, message: string, code = "config_error"): ExecutionResult {
  return failureWithEnvelope(request, { code, message, details: { node_id: request.node_id }, retryable: false }, { node_type: request.node_type });
}
