/**
 * The `milestone` node type (reference §3.4): normalises its action, calls its own domain through the node run's
 * tool host, and routes: `terminate_run` on completion / checkpoint / run count when configured, `route_key` (or
 * `route_key_on_terminate`). Fixes: the traced operation is the action that ran (`complete` is `mark_complete`, not
 * `create_or_update`; §9 quirk 4); a missing execution index stays null instead of becoming 1 (quirk 3).
 */
import {
  ArkError, attachToolTrace, assertNodeToolFallbackMode, callNodeRunTool, failedNodeResultFromError, failedOrFallbackNodeResult, NODE_TOOL_FALLBACK_CONFIG_PROPERTIES, extractPathValue,
  type ExecutionRequest, type ExecutionResult, type JSONSchema, type NodeExecutionContext, type NodeTypeContribution, type ToolDomainContribution,
} from "../../core/plugin-api/index.js";
import { inputContextOf, nodeOriginKey, nodeRefId } from "../../core/plugin-api/index.js";
import type { MilestoneAction, MilestoneActionOutput } from "./milestone-actions.js";

const ACTION_ALIASES: Readonly<Record<string, MilestoneAction>> = {
  update: "create_or_update", checkpoint: "create_or_update", read: "create_or_update", create: "create_or_update",
  create_or_update: "create_or_update", "create/update": "create_or_update",
  complete: "mark_complete", mark_complete: "mark_complete", "mark milestone complete": "mark_complete",
};

/** Config of a milestone node (extra keys, such as retention settings, are allowed). */
export const milestoneNodeConfigSchema: JSONSchema = {
  type: "object",
  required: ["action"],
  properties: {
    action: { type: "string", description: `create_or_update | mark_complete, or an alias: ${Object.keys(ACTION_ALIASES).join(", ")}.` },
    patch: { type: "object" },
    completion_source_path: { type: "string" },
    additive_prompt: { type: "string" },
    mark_complete: { type: "boolean" },
    loop_checkpoint_every: { type: "integer", minimum: 0 },
    loop_exit_after_runs: { type: "integer", minimum: 0 },
    terminate_always: { type: "boolean" },
    terminate_on_complete: { type: "boolean" },
    terminate_on_checkpoint: { type: "boolean" },
    route_key: { type: "string" },
    route_key_on_terminate: { type: "string" },
    milestone_id: { type: "integer", minimum: 1, description: "The milestone, when the node has no ref_id." },
    name: { type: "string", description: "Name of the milestone created when the node has neither ref_id nor milestone_id (default: the node id)." },
    description: { type: "string", description: "Description of that created milestone." },
    ...NODE_TOOL_FALLBACK_CONFIG_PROPERTIES,
  },
};

function configError(field: string, message: string, value?: unknown): ArkError {
  return new ArkError("ARK_MILESTONE_CONFIG_INVALID", message, { details: { field, ...(value === undefined ? {} : { value }) } });
}

/** The action a config word names; anything else is ARK_MILESTONE_CONFIG_INVALID. */
export function milestoneActionOf(value: unknown): MilestoneAction {
  const action = ACTION_ALIASES[String(value ?? "").trim().toLowerCase().replace(/\s+/g, " ")];
  if (!action) throw configError("action", "Milestone node action is required: create_or_update or mark_complete.", value);
  return action;
}

function count(config: Readonly<Record<string, unknown>>, key: string): number {
  const n = Number.parseInt(String(config[key] ?? 0), 10);
  return Number.isNaN(n) || n < 0 ? 0 : n;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(config: Readonly<Record<string, unknown>>, key: string): string | undefined {
  return typeof config[key] === "string" && (config[key] as string).trim() !== "" ? (config[key] as string).trim() : undefined;
}

/**
 * The milestone a node without ref_id / milestone_id creates: `config.name` (else the node id), `config.description`,
 * under the origin key of its run and node, so every execution of the node in one run works on one milestone.
 */
export function milestoneToCreate(request: ExecutionRequest): { name: string; description?: string; origin_key?: string } {
  const description = text(request.node_config, "description");
  const originKey = nodeOriginKey(request);
  return {
    name: text(request.node_config, "name") ?? String(request.node_id),
    ...(description === undefined ? {} : { description }),
    ...(originKey === null ? {} : { origin_key: originKey }),
  };
}

/**
 * The operation input a milestone node's config asks for; `milestone_id` is null when the node names no milestone
 * (it then creates one, see milestoneToCreate).
 */
export function milestoneCallInput(request: ExecutionRequest): { action: MilestoneAction; input: Record<string, unknown> & { milestone_id: number | null } } {
  const config = request.node_config;
  const action = milestoneActionOf(config.action);
  const milestoneId = nodeRefId(request, "milestone_id");
  if (config.patch !== undefined && config.patch !== null && !isObject(config.patch)) throw configError("patch", "Milestone node patch must be a JSON object.", config.patch);
  const index = Number.isSafeInteger(request.execution_index) && request.execution_index >= 1 ? request.execution_index : null;
  const input: Record<string, unknown> & { milestone_id: number | null } = { milestone_id: milestoneId, execution_index: index, loop_checkpoint_every: count(config, "loop_checkpoint_every") };
  if (typeof config.additive_prompt === "string" && config.additive_prompt.trim() !== "") input.additive_prompt = config.additive_prompt;
  if (action === "create_or_update") {
    if (isObject(config.patch)) input.patch = config.patch;
    if (config.mark_complete === true) input.mark_complete = true;
    const path = typeof config.completion_source_path === "string" ? config.completion_source_path : "";
    const completion = path ? extractPathValue(inputContextOf(request), path) : undefined;
    if (isObject(completion)) input.completion = completion;
  }
  return { action, input };
}

/** terminate_run and route_key of a milestone node (reference §3.4). */
function milestoneRouting(config: Readonly<Record<string, unknown>>, out: MilestoneActionOutput): Record<string, unknown> {
  const exitAfter = count(config, "loop_exit_after_runs");
  const terminate =
    config.terminate_always === true ||
    (config.terminate_on_complete === true && out.milestone.completed) ||
    (config.terminate_on_checkpoint === true && out.checkpoint_hit) ||
    (exitAfter > 0 && out.execution_index !== null && out.execution_index >= exitAfter);
  const routeKey = terminate ? (text(config, "route_key_on_terminate") ?? text(config, "route_key")) : text(config, "route_key");
  return { ...(routeKey ? { route_key: routeKey } : {}), ...(terminate ? { terminate_run: true } : {}) };
}

/** Builds the milestone node type over the domain registered in this kernel (for the direct path). */
export function milestoneNodeType(domain: () => ToolDomainContribution): NodeTypeContribution {
  return {
    type: "milestone",
    description: "Updates or completes the milestone named by ref_id (or one it creates once per node run); can end the run on completion, checkpoint or run count.",
    configSchema: milestoneNodeConfigSchema,
    // ref_id is optional: a node without one creates its milestone (the reference's API did that when saving the node).
    capabilities: { ref: "optional" },
    async execute(request: ExecutionRequest, signal: AbortSignal, context?: NodeExecutionContext): Promise<ExecutionResult> {
      let call: ReturnType<typeof milestoneCallInput>;
      try {
        assertNodeToolFallbackMode(request);
        call = milestoneCallInput(request);
      } catch (err) {
        return failedNodeResultFromError(err);
      }
      const fallback = (operation: string) => ({ operation, fields: { action: call.action } });
      let created: string[] = [];
      if (call.input.milestone_id === null) {
        // Once per run and node (origin key); a node run outside a run still creates once per node run (ledger key).
        const made = await callNodeRunTool(request, signal, context, { domain, operation: "create", input: milestoneToCreate(request) });
        if (made.status === "failed") return failedOrFallbackNodeResult(request, made, fallback("create"));
        const { milestone, created: isNew } = made.output as { milestone: { id: number }; created: boolean };
        call.input.milestone_id = milestone.id;
        created = isNew ? [`Created milestone ${milestone.id} (the node has no ref_id).`] : [];
      }
      const result = await callNodeRunTool(request, signal, context, { domain, operation: call.action, input: call.input });
      if (result.status === "failed") return failedOrFallbackNodeResult(request, result, fallback(call.action));
      const out = result.output as MilestoneActionOutput;
      const output = { node_type: "milestone", ...out, action_results: [...created, ...out.action_results], milestone_created: created.length > 0, mcp_server_keys: [], attachments: [] };
      const states = attachToolTrace(output, milestoneRouting(request.node_config, out), result);
      return { contract_version: "v1", status: "success", exit_code: 0, output_state: states.output_state, routing_state: states.routing_state, error: null };
    },
  };
}
