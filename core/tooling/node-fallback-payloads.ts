/**
 * The output a special node answers when its tool call failed and its `tool_fallback_mode` covers the failure
 * (reference tools-and-migration §3.1 "Fallback payloads", `_build_special_node_tool_fallback_payload`). One shape per
 * node type, each passing the special-node output contract (core/contracts/node-output-contract.ts) and the artifact
 * contract. ARK deviations: `memory_id` / `execution_index` are null when unknown, never 1 (quirk §9.3); memory's
 * `mcp_server_keys` is `[]` like its normal output (ARK has no MCP servers); a decision's routing never carries a
 * `route_key` (with no matched connector it could only break routing); a tool node type other than the four gets its
 * own generic shape instead of the reference's `node_type: "plan"` (which would break its output contract).
 */
import type { ExecutionRequest } from "../plugin-api/contributions.js";
import type { ToolWarning } from "./tool-call.js";

/** What a payload builder gets. `fields` are the values only the node type knows (normalised action, mode, ...). */
export interface FallbackPayloadInput {
  readonly request: ExecutionRequest;
  readonly operation: string;
  readonly warning: ToolWarning;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** output_state and routing_state of a fallback, before the trace is attached. */
export interface FallbackPayload {
  readonly output_state: Record<string, unknown>;
  readonly routing_state: Record<string, unknown>;
}

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

function positiveInt(value: unknown): number | null {
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 1 ? n : null;
}

/** The first field the node type passed, else the first config value, else `fallback` (blank strings skipped). */
function pick(input: FallbackPayloadInput, key: string, fallback: string): string {
  return text(input.fields[key]) || text(input.request.node_config[key]).toLowerCase() || fallback;
}

function appliedMessage(kind: string): string {
  return `Deterministic ${kind} tool fallback contract applied.`;
}

function routeKeyRouting(request: ExecutionRequest): Record<string, unknown> {
  const routeKey = text(request.node_config.route_key);
  return routeKey ? { route_key: routeKey } : {};
}

function decisionPayload(input: FallbackPayloadInput): FallbackPayload {
  const attachments = Array.isArray(input.fields.attachments) ? input.fields.attachments : [];
  return {
    output_state: {
      node_type: "decision", matched_connector_ids: [], evaluations: [], no_match: true, action: pick(input, "action", "evaluate"),
      action_results: [appliedMessage("decision")], attachments,
    },
    routing_state: { matched_connector_ids: [], evaluations: [], no_match: true },
  };
}

function memoryPayload(input: FallbackPayloadInput): FallbackPayload {
  const { request } = input;
  return {
    output_state: {
      node_type: "memory", action: pick(input, "action", "retrieve"), action_prompt_template: "", internal_action_prompt: "",
      action_results: [appliedMessage("memory")], additive_prompt: text(request.node_config.additive_prompt), inferred_prompt: "", effective_prompt: "",
      memory_id: positiveInt(request.node_ref_id) ?? positiveInt(request.node_config.memory_id),
      mcp_server_keys: [], attachments: [], retrieved_memories: [], stored_memory: null, execution_index: positiveInt(request.execution_index),
    },
    routing_state: routeKeyRouting(request),
  };
}

function milestonePayload(input: FallbackPayloadInput): FallbackPayload {
  const { request } = input;
  return {
    output_state: {
      node_type: "milestone", action: pick(input, "action", "create_or_update"), additive_prompt: text(request.node_config.additive_prompt),
      execution_index: positiveInt(request.execution_index), checkpoint_hit: false, action_results: [appliedMessage("milestone")],
      mcp_server_keys: [], attachments: [], before_milestone: {}, milestone: {},
    },
    routing_state: routeKeyRouting(request),
  };
}

function planPayload(input: FallbackPayloadInput): FallbackPayload {
  const { request } = input;
  return {
    output_state: {
      node_type: "plan", mode: pick(input, "mode", "deterministic").replace("-", "_"), store_mode: pick(input, "store_mode", "append"),
      additive_prompt: text(request.node_config.additive_prompt), action_results: [appliedMessage("plan")],
      operation_counts: { created: 0, updated: 0, replaced: 0, skipped_missing: 0 },
      touched: { stage_ids: [], task_ids: [], stages: [], tasks: [] },
      warnings: [input.warning], errors: [], mcp_server_keys: [], attachments: [], plan: {},
    },
    routing_state: routeKeyRouting(request),
  };
}

/** A tool node type that is none of the four special ones (workspace, git, command, plugin types). */
function genericPayload(input: FallbackPayloadInput): FallbackPayload {
  const { request } = input;
  return {
    output_state: {
      node_type: request.node_type, tool_domain: text(input.fields.tool_domain) || request.node_type, operation: input.operation, result: null,
      action_results: [appliedMessage(request.node_type)],
    },
    routing_state: routeKeyRouting(request),
  };
}

const BUILDERS: Readonly<Record<string, (input: FallbackPayloadInput) => FallbackPayload>> = {
  decision: decisionPayload, memory: memoryPayload, milestone: milestonePayload, plan: planPayload,
};

/** The fallback payload of the request's node type. */
export function fallbackPayloadOf(input: FallbackPayloadInput): FallbackPayload {
  return (BUILDERS[input.request.node_type] ?? genericPayload)(input);
}
