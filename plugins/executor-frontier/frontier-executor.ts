/**
 * The `frontier` executor: LLM nodes on hosted APIs. Each node names its provider (`provider` / `model_provider`,
 * default from config) and runs the shared tool loop on that provider's adapter; `complete` answers single
 * completions for llm_guided tool modes. Settings come from the plugin config when the kernel bound it (init), else
 * from the environment alone (inside an executor sandbox only `register` runs).
 */
import {
  LlmError,
  OpenAiCompatibleClient,
  completeWith,
  executeLlmTask,
  failedResult,
  isArkError,
  resolveLlmLoopSettings,
  type ChatAdapter,
  type ExecutionRequest,
  type ExecutionResult,
  type ExecutorContribution,
  type LlmCompletion,
  type LlmCompletionRequest,
  type LlmTaskSettings,
  type NodeExecutionContext,
  type RetryNotice,
} from "../../core/plugin-api/index.js";
import { AnthropicAdapter } from "./anthropic-adapter.js";
import type { FrontierPluginConfig } from "./config.js";
import { GeminiAdapter } from "./gemini-adapter.js";
import { frontierProviderOf, resolveProviderSettings, type FrontierProvider } from "./provider-settings.js";

/** Id and image class of this executor. */
export const FRONTIER_EXECUTOR_ID = "frontier";

/** Where the executor reports retries (the plugin's logger; silent by default). */
export type RetryReporter = (notice: RetryNotice) => void;

/** The frontier ExecutorContribution. */
export class FrontierExecutor implements ExecutorContribution {
  readonly id = FRONTIER_EXECUTOR_ID;
  readonly imageClass = FRONTIER_EXECUTOR_ID;
  readonly description = "Hosted LLM APIs (OpenAI-compatible chat completions, Anthropic Messages, Gemini generateContent) with the tool loop.";
  private config: FrontierPluginConfig = {};
  private env: Readonly<Record<string, string | undefined>> = process.env;
  private reporter: RetryReporter | undefined;
  private readonly adapters = new Map<FrontierProvider, ChatAdapter>();

  /** Binds the validated plugin config (and, for tests, an environment other than process.env). */
  configure(config: FrontierPluginConfig, options: { env?: Readonly<Record<string, string | undefined>>; onRetry?: RetryReporter } = {}): void {
    this.config = config;
    if (options.env) this.env = options.env;
    this.reporter = options.onRetry;
    this.adapters.clear();
  }

  private get defaultProvider(): FrontierProvider {
    return this.config.defaultProvider ?? "openai";
  }

  /** The adapter of a provider name (aliases accepted); ARK_LLM_NOT_CONFIGURED for an unknown one. */
  adapterFor(name: string | undefined): ChatAdapter {
    const provider = frontierProviderOf(name, this.defaultProvider);
    let adapter = this.adapters.get(provider);
    if (!adapter) {
      adapter = this.buildAdapter(provider);
      this.adapters.set(provider, adapter);
    }
    return adapter;
  }

  private buildAdapter(provider: FrontierProvider): ChatAdapter {
    const settings = resolveProviderSettings(provider, this.config.providers?.[provider], this.env);
    if (provider === "anthropic") return new AnthropicAdapter(settings);
    if (provider === "gemini") return new GeminiAdapter(settings);
    return new KeyedOpenAiAdapter(settings.apiKey, settings.apiKeyEnv, new OpenAiCompatibleClient({
      provider: "openai", baseUrl: settings.baseUrl, model: settings.model, timeoutMs: settings.timeoutMs, headers: settings.headers,
      ...(settings.apiKey ? { apiKey: settings.apiKey } : {}), ...(settings.maxTokensField ? { maxTokensField: settings.maxTokensField } : {}),
    }));
  }

  private settings(): LlmTaskSettings {
    const settings = resolveLlmLoopSettings(this.config);
    return this.reporter ? { ...settings, onRetry: this.reporter } : settings;
  }

  async execute(request: ExecutionRequest, signal: AbortSignal, context?: NodeExecutionContext): Promise<ExecutionResult> {
    let adapter: ChatAdapter;
    try {
      adapter = this.adapterFor(providerNameOf(request));
    } catch (err) {
      if (!isArkError(err)) throw err;
      return failedResult("config_error", err.message, { details: err.details });
    }
    return executeLlmTask(request, signal, context, { adapter, settings: this.settings() });
  }

  async complete(request: LlmCompletionRequest): Promise<LlmCompletion> {
    return completeWith(this.adapterFor(request.provider), request, this.settings().retry);
  }
}

/** The provider a node names: `provider`, else `model_provider`. */
export function providerNameOf(request: ExecutionRequest): string | undefined {
  const raw = request.node_config.provider ?? request.node_config.model_provider;
  return typeof raw === "string" ? raw : undefined;
}

/** OpenAI needs a key (a local OpenAI-compatible server does not, but then it is the vLLM executor's job). */
class KeyedOpenAiAdapter implements ChatAdapter {
  readonly provider = "openai";
  readonly defaultModel: string;

  constructor(private readonly key: string | undefined, private readonly keyEnv: readonly string[], private readonly client: OpenAiCompatibleClient) {
    this.defaultModel = client.defaultModel;
  }

  chat(...args: Parameters<ChatAdapter["chat"]>): ReturnType<ChatAdapter["chat"]> {
    if (!this.key) {
      return Promise.reject(new LlmError("auth", `OpenAI requires an API key: set ${this.keyEnv.join(" or ")} (or providers.openai.apiKey).`, { provider: this.provider }));
    }
    return this.client.chat(...args);
  }
}
