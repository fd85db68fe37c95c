/**
 * The config keys every LLM executor plugin shares (tool-loop cycles, retries, token and temperature defaults,
 * system prompt): one JSON Schema fragment for their `configSchema` and one resolver with the code defaults, so an
 * executor inside a sandbox (where only `register` runs and no config is validated) behaves the same.
 */
import type { JSONSchema } from "../../contracts/json-schema.js";
import type { LlmTaskSettings } from "./llm-task.js";
import { DEFAULT_RETRY_POLICY } from "./llm-retry.js";
import { TOOL_LOOP_DEFAULT_MAX_CYCLES, TOOL_LOOP_HARD_MAX_CYCLES } from "./tool-loop.js";

/** The shared keys as written in a plugin's `config:` section. */
export interface LlmLoopConfig {
  readonly systemPrompt?: string;
  readonly maxCycles?: number;
  readonly hardMaxCycles?: number;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly retry?: { readonly maxAttempts?: number; readonly baseDelayMs?: number; readonly maxDelayMs?: number };
}

/** JSON Schema properties of the shared keys (spread into a plugin's `configSchema.properties`). */
export const llmLoopConfigProperties: Readonly<Record<string, JSONSchema>> = Object.freeze({
  systemPrompt: { type: "string", description: "System prompt put before every node's system_prompt." },
  maxCycles: { type: "integer", minimum: 1, maximum: TOOL_LOOP_HARD_MAX_CYCLES, description: `Tool-loop cycles when a node sets no tool_loop_max_cycles (default ${TOOL_LOOP_DEFAULT_MAX_CYCLES}).` },
  hardMaxCycles: { type: "integer", minimum: 1, maximum: TOOL_LOOP_HARD_MAX_CYCLES, description: `Cap on any node's tool_loop_max_cycles (default and maximum ${TOOL_LOOP_HARD_MAX_CYCLES}).` },
  maxTokens: { type: "integer", minimum: 1, description: "Output-token limit when a node sets no max_tokens." },
  temperature: { type: "number", minimum: 0, maximum: 2, description: "Sampling temperature when a node sets none (left to the provider when unset)." },
  retry: {
    type: "object",
    description: "Retries of one provider call on 429, timeouts, unreachable hosts and 5xx (Retry-After honoured).",
    properties: {
      maxAttempts: { type: "integer", minimum: 1, maximum: 10, description: "Attempts in total (default 3)." },
      baseDelayMs: { type: "integer", minimum: 0, maximum: 60000, description: "First backoff, doubled each retry (default 500)." },
      maxDelayMs: { type: "integer", minimum: 0, maximum: 600000, description: "Longest single wait, Retry-After included (default 30000)." },
    },
    additionalProperties: false,
  },
});

/** The loop settings of a plugin config, code defaults filled in. */
export function resolveLlmLoopSettings(config: LlmLoopConfig, defaults: { maxTokens?: number; temperature?: number } = {}): LlmTaskSettings {
  const hardMaxCycles = Math.min(config.hardMaxCycles ?? TOOL_LOOP_HARD_MAX_CYCLES, TOOL_LOOP_HARD_MAX_CYCLES);
  const maxTokens = config.maxTokens ?? defaults.maxTokens;
  const temperature = config.temperature ?? defaults.temperature;
  return {
    ...(config.systemPrompt ? { systemPrompt: config.systemPrompt } : {}),
    maxCycles: Math.min(config.maxCycles ?? TOOL_LOOP_DEFAULT_MAX_CYCLES, hardMaxCycles),
    hardMaxCycles,
    retry: {
      maxAttempts: config.retry?.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
      baseDelayMs: config.retry?.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs,
      maxDelayMs: config.retry?.maxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
    },
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
  };
}

/** The first non-blank value among a config value and environment variables. */
export function configOrEnv(value: string | undefined, env: Readonly<Record<string, string | undefined>>, names: readonly string[]): string | undefined {
  if (value && value.trim() !== "") return value.trim();
  for (const name of names) {
    const found = env[name];
    if (found && found.trim() !== "") return found.trim();
  }
  return undefined;
}
