/**
 * The `plan` node type (reference §3.3): reads its config, calls its own domain's store-mode operation through the
 * node run's tool host (so the envelope applies) and shapes the plan output_state / routing_state. Fixes: a store_mode
 * that is none of the known words is refused instead of silently becoming `append`, and the traced operation is the
 * store mode that ran (§9 quirk 4).
 */
import {
  ArkError, attachToolTrace, assertNodeToolFallbackMode, callNodeRunTool, failedNodeResultFromError, failedOrFallbackNodeResult, NODE_TOOL_FALLBACK_CONFIG_PROPERTIES,
  type ExecutionRequest, type ExecutionResult, type JSONSchema, type NodeExecutionContext, type NodeTypeContribution, type ToolDomainContribution,
} from "../../core/plugin-api/index.js";
import type { StoreMode } from "./plan-patch-modes.js";
import type { PlanMode, PlanPatchOutput } from "./plan-patch-run.js";
import { inputContextOf, nodeOriginKey, nodeRefId } from "../../core/plugin-api/index.js";

const STORE_MODE_ALIASES: Readonly<Record<string, StoreMode>> = {
  replace: "replace", overwrite: "replace", set: "replace",
  update: "update", patch: "update", mutate: "update",
  append: "append", add: "append", additive: "append", create: "append", create_or_update: "append",
};

/** Config of a plan node (extra keys, such as retention settings, are allowed). */
export const planNodeConfigSchema: JSONSchema = {
  type: "object",
  required: ["mode", "store_mode"],
  properties: {
    mode: { enum: ["llm_guided", "deterministic"] },
    store_mode: { type: "string", description: `append | replace | update, or an alias: ${Object.keys(STORE_MODE_ALIASES).join(", ")}.` },
    patch: { type: "object" },
    patch_source_path: { type: "string" },
    additive_prompt: { type: "string" },
    transform_with_llm: { type: "boolean" },
    transform_prompt: { type: "string" },
    retry_count: { type: "integer", minimum: 0, maximum: 5 },
    fallback_enabled: { type: "boolean" },
    route_key: { type: "string" },
    route_key_on_complete: { type: "string" },
    plan_id: { type: "integer", minimum: 1, description: "The plan, when the node has no ref_id." },
    name: { type: "string", description: "Name of the plan created when the node has neither ref_id nor plan_id (default: the node id)." },
    description: { type: "string", description: "Description of that created plan." },
    ...NODE_TOOL_FALLBACK_CONFIG_PROPERTIES,
  },
};

function configError(field: string, message: string, value?: unknown): ArkError {
  return new ArkError("ARK_PLAN_CONFIG_INVALID", message, { details: { field, ...(value === undefined ? {} : { value }) } });
}

/** The store mode a config word names; unknown words are ARK_PLAN_CONFIG_INVALID. */
export function storeModeOf(value: unknown): StoreMode {
  if (value === undefined || value === null || String(value).trim() === "") throw configError("store_mode", "Plan node store_mode is required: append, replace, or update.");
  const mode = STORE_MODE_ALIASES[String(value).trim().toLowerCase()];
  if (!mode) throw configError("store_mode", `Plan node store_mode '${String(value)}' is not one of: ${Object.keys(STORE_MODE_ALIASES).join(", ")}.`, value);
  return mode;
}

function modeOf(value: unknown): PlanMode {
  const mode = String(value ?? "").trim().toLowerCase().replace("-", "_");
  if (mode !== "llm_guided" && mode !== "deterministic") throw configError("mode", "Plan node mode is required: llm_guided or deterministic.", value);
  return mode;
}

function optionalText(config: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = config[key];
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/**
 * The plan a node without ref_id / plan_id creates: `config.name` (else the node id) and `config.description`, under the
 * origin key of its run and node, so every execution of the node in one run (loops, replays) works on one plan.
 */
export function planToCreate(request: ExecutionRequest): { name: string; description?: string; origin_key?: string } {
  const name = optionalText(request.node_config, "name")?.trim() ?? String(request.node_id);
  const description = optionalText(request.node_config, "description");
  const originKey = nodeOriginKey(request);
  return { name, ...(description === undefined ? {} : { description }), ...(originKey === null ? {} : { origin_key: originKey }) };
}

/**
 * The operation input a plan node's config asks for; `plan_id` is null when the node names no plan (it then creates
 * one, see planToCreate).
 */
export function planCallInput(request: ExecutionRequest): { storeMode: StoreMode; input: Record<string, unknown> & { plan_id: number | null } } {
  const config = request.node_config;
  const mode = modeOf(config.mode);
  const storeMode = storeModeOf(config.store_mode);
  const planId = nodeRefId(request, "plan_id");
  if (config.patch !== undefined && config.patch !== null && (typeof config.patch !== "object" || Array.isArray(config.patch))) {
    throw configError("patch", "Plan node patch must be a JSON object.", config.patch);
  }
  const retry = Number.parseInt(String(config.retry_count ?? 1), 10);
  const input: Record<string, unknown> & { plan_id: number | null } = {
    plan_id: planId, mode, retry_count: Number.isNaN(retry) ? 1 : Math.min(5, Math.max(0, retry)), fallback_enabled: config.fallback_enabled !== false,
  };
  if (config.patch) input.patch = config.patch;
  for (const key of ["patch_source_path", "additive_prompt", "transform_prompt", "model", "provider"]) {
    const value = optionalText(config, key);
    if (value !== undefined) input[key] = value;
  }
  if (config.transform_with_llm === true) input.transform_with_llm = true;
  if (input.patch_source_path !== undefined || mode === "llm_guided") input.context = inputContextOf(request);
  return { storeMode, input };
}

/** The routing of a plan node: route_key, or route_key_on_complete once the plan is complete; fallback markers. */
function planRouting(config: Readonly<Record<string, unknown>>, out: PlanPatchOutput): Record<string, unknown> {
  const routing: Record<string, unknown> = {};
  const onComplete = optionalText(config, "route_key_on_complete");
  const routeKey = onComplete && out.plan.completed_at ? onComplete : optionalText(config, "route_key");
  if (routeKey) routing.route_key = routeKey.trim();
  if (out.mode_fallback_used) Object.assign(routing, { fallback_used: true, fallback_reason: out.fallback_reason, mode_fallback_used: true });
  return routing;
}

/** Builds the plan node type over the domain registered in this kernel (for the direct path). */
export function planNodeType(domain: () => ToolDomainContribution): NodeTypeContribution {
  return {
    type: "plan",
    description: "Applies a patch (append, replace or update; deterministic or llm_guided) to the plan named by ref_id (or to a plan it creates once per node run).",
    configSchema: planNodeConfigSchema,
    // ref_id is optional: a node without one creates its plan (the reference's API did that when saving the node).
    capabilities: { ref: "optional" },
    async execute(request: ExecutionRequest, signal: AbortSignal, context?: NodeExecutionContext): Promise<ExecutionResult> {
      let call: ReturnType<typeof planCallInput>;
      try {
        assertNodeToolFallbackMode(request);
        call = planCallInput(request);
      } catch (err) {
        return failedNodeResultFromError(err);
      }
      const fallback = (operation: string) => ({ operation, fields: { mode: call.input.mode, store_mode: call.storeMode } });
      let created: string[] = [];
      if (call.input.plan_id === null) {
        // Once per run and node (origin key); a node run outside a run still creates once per node run (ledger key).
        const made = await callNodeRunTool(request, signal, context, { domain, operation: "create", input: planToCreate(request) });
        if (made.status === "failed") return failedOrFallbackNodeResult(request, made, fallback("create"));
        const { plan, created: isNew } = made.output as { plan: { id: number }; created: boolean };
        call.input.plan_id = plan.id;
        created = isNew ? [`Created plan ${plan.id} (the node has no ref_id).`] : [];
      }
      const result = await callNodeRunTool(request, signal, context, { domain, operation: call.storeMode, input: call.input });
      if (result.status === "failed") return failedOrFallbackNodeResult(request, result, fallback(call.storeMode));
      const out = result.output as PlanPatchOutput;
      const output = { node_type: "plan", ...out, action_results: [...created, ...out.action_results], plan_created: created.length > 0, mcp_server_keys: [], attachments: [] };
      const states = attachToolTrace(output, planRouting(request.node_config, out), result);
      return { contract_version: "v1", status: "success", exit_code: 0, output_state: states.output_state, routing_state: states.routing_state, error: null };
    },
  };
}
