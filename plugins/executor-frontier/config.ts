import { llmLoopConfigProperties, type JSONSchema, type LlmLoopConfig } from "../../core/plugin-api/index.js";
import { FRONTIER_PROVIDERS, type FrontierProvider, type ProviderConfig } from "./provider-settings.js";

/** The plugin's `config:` section as written. */
export interface FrontierPluginConfig extends LlmLoopConfig {
  readonly defaultProvider?: FrontierProvider;
  readonly providers?: Partial<Readonly<Record<FrontierProvider, ProviderConfig>>>;
}

const providerSchema = (extra: Record<string, JSONSchema> = {}): JSONSchema => ({
  type: "object",
  properties: {
    baseUrl: { type: "string", pattern: "^https?://", description: "API root (no /v1). Tests and gateways point this elsewhere." },
    model: { type: "string", minLength: 1, description: "Model used when a node names none." },
    apiKey: { type: "string", description: "The API key; write it as ${ENV_VAR}, never literally. Default: the apiKeyEnv variables." },
    apiKeyEnv: { type: "array", items: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }, description: "Environment variables searched for the key, in order." },
    timeoutMs: { type: "integer", minimum: 100, maximum: 3600000, description: "Per-call timeout (default 120000)." },
    headers: { type: "object", additionalProperties: { type: "string" }, description: "Extra request headers (gateways, organisation ids)." },
    ...extra,
  },
  additionalProperties: false,
});

/** Schema of the plugin's `config:` section. */
export const frontierConfigSchema: JSONSchema = Object.freeze({
  type: "object",
  description: "Frontier executor: hosted LLM APIs (OpenAI-compatible, Anthropic, Gemini) with the tool loop.",
  properties: {
    defaultProvider: { enum: [...FRONTIER_PROVIDERS], description: "Provider of nodes that name none (default openai)." },
    providers: {
      type: "object",
      properties: {
        openai: providerSchema({ maxTokensField: { enum: ["max_tokens", "max_completion_tokens"], description: "Field for the output-token limit (default max_completion_tokens)." } }),
        anthropic: providerSchema({
          apiVersion: { type: "string", description: "anthropic-version header (default 2023-06-01)." },
          maxTokens: { type: "integer", minimum: 1, description: "max_tokens when nothing else sets it (default 4096)." },
        }),
        gemini: providerSchema(),
      },
      additionalProperties: false,
    },
    ...llmLoopConfigProperties,
  },
  additionalProperties: false,
});
