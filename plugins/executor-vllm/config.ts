import { configOrEnv, llmLoopConfigProperties, type JSONSchema, type LlmLoopConfig } from "../../core/plugin-api/index.js";

/** The plugin's `config:` section as written. */
export interface VllmPluginConfig extends LlmLoopConfig {
  readonly baseUrl?: string;
  readonly model?: string;
  readonly apiKey?: string;
  readonly apiKeyEnv?: readonly string[];
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly maxTokensField?: "max_tokens" | "max_completion_tokens";
}

/** The endpoint the executor talks to. */
export interface VllmEndpoint {
  readonly baseUrl: string | undefined;
  readonly model: string | undefined;
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly maxTokensField: "max_tokens" | "max_completion_tokens";
}

/** Schema of the plugin's `config:` section. */
export const vllmConfigSchema: JSONSchema = Object.freeze({
  type: "object",
  description: "vLLM executor: LLM nodes against a vLLM OpenAI-compatible server, with the tool loop.",
  properties: {
    baseUrl: { type: "string", pattern: "^https?://", description: "Server root, /v1 optional (default: env VLLM_BASE_URL, then VLLM_REMOTE_BASE_URL)." },
    model: { type: "string", minLength: 1, description: "Served model name used when a node names none (default: env VLLM_MODEL)." },
    apiKey: { type: "string", description: "Bearer token if the server was started with --api-key; write it as ${ENV_VAR}." },
    apiKeyEnv: { type: "array", items: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }, description: "Environment variables searched for the key (default [VLLM_API_KEY])." },
    timeoutMs: { type: "integer", minimum: 100, maximum: 3600000, description: "Per-call timeout (default 240000)." },
    headers: { type: "object", additionalProperties: { type: "string" }, description: "Extra request headers." },
    maxTokensField: { enum: ["max_tokens", "max_completion_tokens"], description: "Field for the output-token limit (default max_tokens)." },
    ...llmLoopConfigProperties,
  },
  additionalProperties: false,
});

/** The endpoint from the config and the environment (config wins). */
export function resolveVllmEndpoint(config: VllmPluginConfig, env: Readonly<Record<string, string | undefined>>): VllmEndpoint {
  return {
    baseUrl: configOrEnv(config.baseUrl, env, ["VLLM_BASE_URL", "VLLM_REMOTE_BASE_URL"]),
    model: configOrEnv(config.model, env, ["VLLM_MODEL"]),
    apiKey: configOrEnv(config.apiKey, env, config.apiKeyEnv && config.apiKeyEnv.length > 0 ? config.apiKeyEnv : ["VLLM_API_KEY"]),
    timeoutMs: config.timeoutMs ?? 240_000,
    headers: { ...config.headers },
    maxTokensField: config.maxTokensField ?? "max_tokens",
  };
}
