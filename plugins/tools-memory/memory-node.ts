/**
 * The `memory` node type (reference §3.1, §3.5): reads its config and upstream context, calls its own domain's add or
 * retrieve through the node run's tool host (so the envelope applies: ledger key `node_run:<id>:memory.<action>`,
 * trace), and shapes the memory output_state / routing_state with the degraded markers of §3.6.
 * Deviations: the traced operation is the action that ran (quirk §9.4); `memory_id`/`execution_index` are null when
 * unknown, never 1 (quirk §9.3); ARK has no MCP servers, so `mcp_server_keys` is empty and not required.
 * A failed call answers the fallback payload when `tool_fallback_mode` covers it (core/tooling/node-fallback.ts).
 */
import {
  assertNodeToolFallbackMode, attachToolTrace, callNodeRunTool, degradedRunMetadata, extractPathValue, failedNodeResultFromError, failedOrFallbackNodeResult,
  failedResult, NODE_TOOL_FALLBACK_CONFIG_PROPERTIES, successResult,
  type ExecutionRequest, type ExecutionResult, type JSONSchema, type NodeExecutionContext, type NodeTypeContribution, type ToolDomainContribution,
} from "../../core/plugin-api/index.js";
import type { MemoryAction, MemoryMode } from "./memory-actions.js";
import { inferMemoryPrompt } from "./memory-context.js";
import { MEMORY_DOMAIN_ID, type ActionOutput } from "./memory-domain.js";
import { actionTemplate } from "./memory-llm.js";

const ACTION_ALIASES: Readonly<Record<string, MemoryAction>> = {
  add: "add", store: "add", upsert: "add", append: "add", create: "add", create_or_update: "add",
  retrieve: "retrieve", fetch: "retrieve", read: "retrieve", query: "retrieve", search: "retrieve", list: "retrieve",
};

/** Config of a memory node (extra keys, such as retention settings, are allowed). */
export const memoryNodeConfigSchema: JSONSchema = {
  type: "object",
  properties: {
    action: { type: "string", description: `add | retrieve, or an alias: ${Object.keys(ACTION_ALIASES).join(", ")} (default retrieve).` },
    mode: { type: "string", description: "llm_guided (default) or deterministic." },
    retry_count: { type: "integer", minimum: 0, maximum: 5 },
    fallback_enabled: { type: "boolean" },
    additive_prompt: { type: "string" },
    text: { type: "string" }, text_source_path: { type: "string" },
    query: { type: "string" }, query_source_path: { type: "string" },
    limit: { type: "integer", minimum: 1, maximum: 50 },
    store_mode: { enum: ["append", "replace"] },
    memory_id: { type: "integer", minimum: 1, description: "The memory, when the node has no ref_id." },
    allow_empty: { type: "boolean" },
    route_key: { type: "string" },
    ...NODE_TOOL_FALLBACK_CONFIG_PROPERTIES,
  },
};

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

function refIdOf(request: ExecutionRequest): number | undefined {
  for (const value of [request.node_ref_id, request.node_config.memory_id]) {
    const id = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof id === "number" && Number.isSafeInteger(id) && id >= 1) return id;
  }
  return undefined;
}

/** A value at a context path as text: strings trimmed, anything else as JSON; undefined when missing. */
function sourced(inputContext: unknown, path: unknown): string | undefined {
  if (text(path) === "") return undefined;
  const value = extractPathValue(inputContext, text(path));
  if (value === undefined) return undefined;
  return typeof value === "string" ? value.trim() : JSON.stringify(value);
}

/** The domain input a memory node's config and context ask for. */
export function memoryCallInput(request: ExecutionRequest, action: MemoryAction): { input: Record<string, unknown>; additive: string; inferred: string } {
  const config = request.node_config;
  const context = (request.input_context ?? {}) as Record<string, unknown>;
  const additive = text(config.additive_prompt);
  const inferred = additive === "" ? inferMemoryPrompt(context) : "";
  const mode: MemoryMode = text(config.mode).toLowerCase() === "deterministic" ? "deterministic" : "llm_guided";
  const retry = Number.parseInt(String(config.retry_count ?? 1), 10);
  const input: Record<string, unknown> = { mode, retry_count: Number.isNaN(retry) ? 1 : Math.min(5, Math.max(0, retry)), fallback_enabled: config.fallback_enabled !== false };
  if (additive) input.additive_prompt = additive;
  if (inferred) input.context_text = inferred;
  const memoryId = refIdOf(request);
  if (memoryId !== undefined) input.memory_id = memoryId;
  for (const key of ["provider", "model"]) if (text(config[key])) input[key] = text(config[key]);
  if (action === "add") {
    const value = sourced(context, config.text_source_path) ?? (text(config.text) || undefined);
    if (value) input.text = value;
    if (config.store_mode === "append" || config.store_mode === "replace") input.store_mode = config.store_mode;
  } else {
    const query = sourced(context, config.query_source_path) || (text(config.query) || undefined);
    if (query) input.query = query;
    const limit = Number.parseInt(String(config.limit ?? ""), 10);
    if (!Number.isNaN(limit)) input.limit = Math.min(50, Math.max(1, limit));
    if (config.allow_empty === true) input.allow_empty = true;
  }
  return { input, additive, inferred };
}

/** The memory output_state of a successful call (reference §3.5 shape plus the mode markers). */
function outputStateOf(request: ExecutionRequest, action: MemoryAction, out: ActionOutput, prompts: { additive: string; inferred: string }): Record<string, unknown> {
  const template = actionTemplate(action);
  const effective = prompts.additive || prompts.inferred;
  const { action: _a, effective_prompt: _e, ...rest } = out;
  return {
    node_type: "memory", action, ...rest,
    action_prompt_template: template,
    internal_action_prompt: effective ? `${template}\n\nAdditional instructions:\n${effective}` : template,
    additive_prompt: prompts.additive, inferred_prompt: prompts.inferred, effective_prompt: effective,
    mcp_server_keys: [], attachments: [],
    execution_index: typeof request.execution_index === "number" ? request.execution_index : null,
  };
}

function routingStateOf(request: ExecutionRequest, out: ActionOutput): Record<string, unknown> {
  const routing: Record<string, unknown> = {};
  if (text(request.node_config.route_key)) routing.route_key = text(request.node_config.route_key);
  if (out.mode_fallback_used) Object.assign(routing, { fallback_used: true, fallback_reason: out.fallback_reason, mode_fallback_used: true });
  return routing;
}

/** Runs one memory node. */
async function executeMemoryNode(domain: () => ToolDomainContribution, request: ExecutionRequest, signal: AbortSignal, context?: NodeExecutionContext): Promise<ExecutionResult> {
  const rawAction = text(request.node_config.action).toLowerCase() || "retrieve";
  const action = ACTION_ALIASES[rawAction];
  if (!action) {
    return failedResult("validation_error", "Memory node action is required: add or retrieve.", { details: { code: "memory.config_invalid", action: request.node_config.action } });
  }
  try {
    assertNodeToolFallbackMode(request);
  } catch (err) {
    return failedNodeResultFromError(err);
  }
  const prompts = memoryCallInput(request, action);
  const result = await callNodeRunTool(request, signal, context, { domain, operation: action, input: prompts.input });
  if (result.status === "failed") return failedOrFallbackNodeResult(request, result, { operation: action, fields: { action } });
  const out = result.output as ActionOutput;
  const { output_state, routing_state } = attachToolTrace(outputStateOf(request, action, out, prompts), routingStateOf(request, out), result);
  return successResult(output_state, routing_state, { run_metadata: degradedRunMetadata(output_state, routing_state) });
}

/** The node type over the plugin's domain. */
export function memoryNodeType(domain: () => ToolDomainContribution): NodeTypeContribution {
  return {
    type: MEMORY_DOMAIN_ID,
    description: "Adds or retrieves memories (deterministic or llm_guided, with retries and one fallback hop to the other mode).",
    configSchema: memoryNodeConfigSchema,
    // Memory goes through the tool host, not an MCP server; the row is created by the node itself, not by the API.
    capabilities: { requiresSystemMcp: false, autoCreatesRef: false },
    execute: (request, signal, context) => executeMemoryNode(domain, request, signal, context),
  };
}
