/**
 * The `vllm` executor (execution-plane §9.9, `vllm_remote`): LLM nodes against a vLLM OpenAI-compatible server with
 * the shared tool loop and the shared OpenAI-compatible client; `complete` for llm_guided tool modes; a health
 * probe on `GET /v1/models` for `ark doctor`. Settings come from the plugin config (init) or the environment.
 */
import {
  LlmError,
  OpenAiCompatibleClient,
  completeWith,
  executeLlmTask,
  failedResult,
  isLlmError,
  resolveLlmLoopSettings,
  type ExecutionRequest,
  type ExecutionResult,
  type ExecutorContribution,
  type LlmCompletion,
  type LlmCompletionRequest,
  type LlmTaskSettings,
  type NodeExecutionContext,
  type RetryNotice,
} from "../../core/plugin-api/index.js";
import { resolveVllmEndpoint, type VllmPluginConfig } from "./config.js";

/** Id and image class of this executor. */
export const VLLM_EXECUTOR_ID = "vllm";
/** The provider key results and traces carry. */
export const VLLM_PROVIDER = "vllm";

/** The vLLM ExecutorContribution. */
export class VllmExecutor implements ExecutorContribution {
  readonly id = VLLM_EXECUTOR_ID;
  readonly imageClass = VLLM_EXECUTOR_ID;
  readonly description = "vLLM OpenAI-compatible chat completions (/v1/chat/completions) with the tool loop.";
  private config: VllmPluginConfig = {};
  private env: Readonly<Record<string, string | undefined>> = process.env;
  private onRetry: ((notice: RetryNotice) => void) | undefined;
  private cached: OpenAiCompatibleClient | null = null;

  /** Binds the validated plugin config (and, for tests, an environment other than process.env). */
  configure(config: VllmPluginConfig, options: { env?: Readonly<Record<string, string | undefined>>; onRetry?: (notice: RetryNotice) => void } = {}): void {
    this.config = config;
    if (options.env) this.env = options.env;
    this.onRetry = options.onRetry;
    this.cached = null;
  }

  /** The client of the configured endpoint; ARK_LLM_NOT_CONFIGURED when the base URL or the model is missing. */
  client(): OpenAiCompatibleClient {
    if (this.cached) return this.cached;
    const endpoint = resolveVllmEndpoint(this.config, this.env);
    if (!endpoint.baseUrl) throw new LlmError("config_error", "vLLM base URL is not configured: set baseUrl in the executor-vllm config or VLLM_BASE_URL.", { provider: VLLM_PROVIDER });
    if (!endpoint.model) throw new LlmError("config_error", "vLLM model is not configured: set model in the executor-vllm config or VLLM_MODEL.", { provider: VLLM_PROVIDER });
    this.cached = new OpenAiCompatibleClient({
      provider: VLLM_PROVIDER, baseUrl: endpoint.baseUrl, model: endpoint.model, timeoutMs: endpoint.timeoutMs, headers: endpoint.headers,
      maxTokensField: endpoint.maxTokensField, ...(endpoint.apiKey ? { apiKey: endpoint.apiKey } : {}),
    });
    return this.cached;
  }

  private settings(): LlmTaskSettings {
    // The reference's vLLM call defaults: temperature 0.2, max_tokens 4096.
    const settings = resolveLlmLoopSettings(this.config, { maxTokens: 4096, temperature: 0.2 });
    return this.onRetry ? { ...settings, onRetry: this.onRetry } : settings;
  }

  async execute(request: ExecutionRequest, signal: AbortSignal, context?: NodeExecutionContext): Promise<ExecutionResult> {
    let client: OpenAiCompatibleClient;
    try {
      client = this.client();
    } catch (err) {
      if (!isLlmError(err)) throw err;
      return failedResult("config_error", err.message, { details: err.details });
    }
    return executeLlmTask(request, signal, context, { adapter: client, settings: this.settings() });
  }

  async complete(request: LlmCompletionRequest): Promise<LlmCompletion> {
    const settings = this.settings();
    const defaults = { ...(settings.maxTokens !== undefined ? { maxTokens: settings.maxTokens } : {}), ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}) };
    return completeWith(this.client(), { ...defaults, ...request }, settings.retry);
  }
}
