/**
 * The three frontier providers' settings: plugin config first, then the environment the SDKs also read
 * (OPENAI_BASE_URL, ANTHROPIC_API_KEY, GEMINI_API_KEY, ...), then the defaults. API keys only ever come from the
 * config (usually `${ENV}`-interpolated) or the environment, and are never logged.
 */
import { ArkError, configOrEnv } from "../../core/plugin-api/index.js";

/** Provider keys the frontier executor serves. */
export const FRONTIER_PROVIDERS = ["openai", "anthropic", "gemini"] as const;
/** One of FRONTIER_PROVIDERS. */
export type FrontierProvider = (typeof FRONTIER_PROVIDERS)[number];

/** One provider's section of the plugin config, as written. */
export interface ProviderConfig {
  readonly baseUrl?: string;
  readonly model?: string;
  readonly apiKey?: string;
  /** Environment variables searched for the key, in order. */
  readonly apiKeyEnv?: readonly string[];
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** anthropic: the `anthropic-version` header. */
  readonly apiVersion?: string;
  /** anthropic: `max_tokens` when neither node nor plugin sets one (the API requires it). */
  readonly maxTokens?: number;
  /** openai: which field carries the output-token limit. */
  readonly maxTokensField?: "max_tokens" | "max_completion_tokens";
}

/** One provider's resolved settings. */
export interface ProviderSettings {
  readonly provider: FrontierProvider;
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey: string | undefined;
  readonly apiKeyEnv: readonly string[];
  readonly timeoutMs: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly apiVersion?: string;
  readonly maxTokens: number;
  readonly maxTokensField?: "max_tokens" | "max_completion_tokens";
}

const DEFAULTS: Readonly<Record<FrontierProvider, { baseUrl: string; baseUrlEnv: string[]; model: string; modelEnv: string[]; keyEnv: string[] }>> = {
  openai: { baseUrl: "https://api.openai.com", baseUrlEnv: ["OPENAI_BASE_URL"], model: "gpt-5", modelEnv: ["ARK_OPENAI_MODEL"], keyEnv: ["OPENAI_API_KEY", "CODEX_API_KEY"] },
  anthropic: { baseUrl: "https://api.anthropic.com", baseUrlEnv: ["ANTHROPIC_BASE_URL"], model: "claude-sonnet-4-0", modelEnv: ["ARK_ANTHROPIC_MODEL"], keyEnv: ["ANTHROPIC_API_KEY"] },
  gemini: { baseUrl: "https://generativelanguage.googleapis.com", baseUrlEnv: ["GEMINI_BASE_URL"], model: "gemini-2.5-flash", modelEnv: ["ARK_GEMINI_MODEL"], keyEnv: ["GEMINI_API_KEY", "GOOGLE_API_KEY"] },
};

const ALIASES: Readonly<Record<string, FrontierProvider>> = {
  openai: "openai", codex: "openai", chatgpt: "openai",
  anthropic: "anthropic", claude: "anthropic",
  gemini: "gemini", google: "gemini",
};

/** The provider a node or request names (aliases: codex → openai, claude → anthropic, google → gemini). */
export function frontierProviderOf(name: string | undefined, fallback: FrontierProvider): FrontierProvider {
  const key = (name ?? "").trim().toLowerCase();
  if (key === "") return fallback;
  const provider = ALIASES[key];
  if (!provider) {
    throw new ArkError("ARK_LLM_NOT_CONFIGURED", `Unknown frontier provider '${name}'.`, { details: { provider: name, known: Object.keys(ALIASES).sort() } });
  }
  return provider;
}

/** Resolves one provider's settings from its config section and the environment. */
export function resolveProviderSettings(provider: FrontierProvider, config: ProviderConfig | undefined, env: Readonly<Record<string, string | undefined>>): ProviderSettings {
  const d = DEFAULTS[provider];
  const keyEnv = config?.apiKeyEnv && config.apiKeyEnv.length > 0 ? [...config.apiKeyEnv] : d.keyEnv;
  const baseUrl = configOrEnv(config?.baseUrl, env, d.baseUrlEnv) ?? d.baseUrl;
  return {
    provider,
    baseUrl: baseUrl.replace(/\/+$/, ""),
    model: configOrEnv(config?.model, env, d.modelEnv) ?? d.model,
    apiKey: configOrEnv(config?.apiKey, env, keyEnv),
    apiKeyEnv: keyEnv,
    timeoutMs: config?.timeoutMs ?? 120_000,
    headers: { ...config?.headers },
    ...(config?.apiVersion ? { apiVersion: config.apiVersion } : {}),
    maxTokens: config?.maxTokens ?? 4096,
    maxTokensField: config?.maxTokensField ?? "max_completion_tokens",
  };
}
