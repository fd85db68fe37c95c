/**
 * The node-level tool fallback without a kernel: the mode table (aliases, legacy switch, bad values), which failures
 * are conflicts, and every node type's payload — exact shape, the trace and warning attached once, and that it passes
 * the special-node output contract, the artifact contract and the flow engine's decision routing.
 */
import { describe, expect, it } from "vitest";
import { validateArtifactPayload, validateNodeStates } from "../contracts/index.js";
import { artifactPayload } from "../flow/engine/node-artifacts.js";
import { resolveOutgoingConnectors, type FlowConnector } from "../flow/graph/index.js";
import type { ExecutionRequest, ToolInvocationResult } from "../plugin-api/contributions.js";
import { failedOrFallbackNodeResult, isToolConflictFailure, nodeToolFallbackResult, resolveNodeToolFallbackMode } from "./node-fallback.js";

function request(nodeType: string, config: Record<string, unknown>, extra: Partial<ExecutionRequest> = {}): ExecutionRequest {
  return { contract_version: "v1", node_id: "n1", node_type: nodeType, input_context: {}, execution_id: "41", execution_index: 2, node_config: config, ...extra } as ExecutionRequest;
}

function failed(code: string, message: string): ToolInvocationResult {
  const trace = { contract_version: "v1", tool_name: "deterministic.plan", domain: "plan", operation: "update", execution_status: "failed", fallback_used: false, warnings: [], attempt_count: 1, calls: [], replayed: false };
  return { status: "failed", output: null, warnings: [], error: { code, message }, trace, replayed: false };
}

const notFound = failed("ARK_PLAN_NOT_FOUND", "No plan 9.");
const strip = ({ deterministic_tooling: _t, ...rest }: Record<string, unknown>) => rest;

describe("tool_fallback_mode", () => {
  it("resolves the reference's table, the legacy switch and the default", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, "disabled"], [{ tool_fallback_mode: "" }, "disabled"], [{ tool_fallback_mode: null }, "disabled"],
      ...["strict", "disabled", "off", "none", " OFF "].map((w): [Record<string, unknown>, string] => [{ tool_fallback_mode: w }, "disabled"]),
      ...["enabled", "all", "fallback", "on", "All"].map((w): [Record<string, unknown>, string] => [{ tool_fallback_mode: w }, "all"]),
      ...["conflict", "conflict_only", "conflicts_only"].map((w): [Record<string, unknown>, string] => [{ tool_fallback_mode: w }, "conflict_only"]),
      [{ tool_fallback_enabled: true }, "all"], [{ tool_fallback_enabled: "yes" }, "all"], [{ tool_fallback_enabled: 1 }, "all"],
      [{ tool_fallback_enabled: false }, "disabled"], [{ tool_fallback_enabled: "no" }, "disabled"],
      [{ tool_fallback_mode: "", tool_fallback_enabled: "on" }, "all"], [{ tool_fallback_mode: "strict", tool_fallback_enabled: true }, "disabled"],
    ];
    for (const [config, mode] of cases) expect(resolveNodeToolFallbackMode(config), JSON.stringify(config)).toBe(mode);
  });

  it("refuses a word outside the table, and anything that is not a string, with ARK_TOOL_FALLBACK_MODE_INVALID", () => {
    for (const bad of ["sometimes", "conflicts", "true", "constructor", "toString", 1, true, ["all"]]) {
      expect(() => resolveNodeToolFallbackMode({ tool_fallback_mode: bad }), JSON.stringify(bad)).toThrow(expect.objectContaining({
        code: "ARK_TOOL_FALLBACK_MODE_INVALID", message: expect.stringContaining("is not one of: strict, disabled, off, none, enabled, all"),
      }));
    }
  });
});

describe("conflict failures", () => {
  it("go by stable code first, then by the reference's message keywords", () => {
    const conflicts = [
      { code: "ARK_PLAN_TARGET_AMBIGUOUS", message: "x" }, { code: "ARK_TOOL_IDEMPOTENCY_CONFLICT", message: "x" }, { code: "ARK_TOOL_IN_PROGRESS", message: "x" },
      { code: "ARK_WORKSPACE_CONFLICT", message: "x" }, { code: "git.merge_conflict", message: "x" }, { code: "memory.duplicate_key", message: "x" },
      { code: "x.already_exists", message: "x" }, { code: "ARK_GIT_FAILED", message: "CONFLICT (content): Merge conflict in a.txt" },
      ...["duplicate row", "Key already exists", "plan already has it", "idempotency key reused", "ambiguous stage"].map((message) => ({ code: "ARK_TOOL_HANDLER_FAILED", message })),
    ];
    for (const error of conflicts) expect(isToolConflictFailure(error), JSON.stringify(error)).toBe(true);
    const others = [{ code: "ARK_PLAN_NOT_FOUND", message: "No plan 9." }, { code: "memory.not_found", message: "gone" }, { code: "ARK_IDEMPOTENCY_INVALID", message: "bad key" }];
    for (const error of others) expect(isToolConflictFailure(error), JSON.stringify(error)).toBe(false);
    expect(isToolConflictFailure(null)).toBe(false);
  });
});

describe("fallback results", () => {
  it("apply only when the mode covers the failure; never to a cancellation", () => {
    const ambiguous = failed("ARK_PLAN_TARGET_AMBIGUOUS", "Key 'dup' matches 2 stages.");
    const plan = (config: Record<string, unknown>) => request("plan", { mode: "deterministic", store_mode: "update", ...config });
    expect(nodeToolFallbackResult(plan({}), notFound, { operation: "update" })).toBeNull();
    expect(nodeToolFallbackResult(plan({ tool_fallback_mode: "disabled" }), ambiguous, { operation: "update" })).toBeNull();
    expect(nodeToolFallbackResult(plan({ tool_fallback_mode: "conflict_only" }), notFound, { operation: "update" })).toBeNull();
    expect(nodeToolFallbackResult(plan({ tool_fallback_mode: "conflict_only" }), ambiguous, { operation: "update" })?.status).toBe("success");
    expect(nodeToolFallbackResult(plan({ tool_fallback_mode: "all" }), failed("ARK_TOOL_CANCELLED", "aborted"), { operation: "update" })).toBeNull();
    expect(nodeToolFallbackResult(plan({ tool_fallback_mode: "all" }), failed("memory.cancelled", "aborted"), { operation: "update" })).toBeNull();
    expect(nodeToolFallbackResult(plan({ tool_fallback_mode: "bogus" }), notFound, { operation: "update" })).toBeNull();
    const refused = failedOrFallbackNodeResult(plan({}), notFound, { operation: "update" });
    expect(refused).toMatchObject({ status: "failed", error: { code: "execution_error", message: "ARK_PLAN_NOT_FOUND: No plan 9.", details: { code: "ARK_PLAN_NOT_FOUND" } } });
  });

  it("plan: the reference payload, the warning once, the trace marked, degraded markers, both contracts pass", () => {
    const result = nodeToolFallbackResult(request("plan", { tool_fallback_mode: "all", additive_prompt: " Be brief ", route_key: "next" }), notFound, {
      operation: "update", fields: { mode: "llm_guided", store_mode: "update" },
    })!;
    const warning = { code: "deterministic_tool_failure", message: "No plan 9.", details: { node_type: "plan", operation: "update", error_code: "ARK_PLAN_NOT_FOUND", tool_fallback_mode: "all" } };
    expect(strip(result.output_state)).toEqual({
      node_type: "plan", mode: "llm_guided", store_mode: "update", additive_prompt: "Be brief", action_results: ["Deterministic plan tool fallback contract applied."],
      operation_counts: { created: 0, updated: 0, replaced: 0, skipped_missing: 0 }, touched: { stage_ids: [], task_ids: [], stages: [], tasks: [] },
      warnings: [warning], errors: [], mcp_server_keys: [], attachments: [], plan: {}, execution_status: "success_with_warning", fallback_used: true,
    });
    expect(result.output_state.deterministic_tooling).toMatchObject({
      tool_name: "deterministic.plan", operation: "update", execution_status: "success_with_warning", fallback_used: true, warnings: [warning],
      node_fallback: { mode: "all", error_code: "ARK_PLAN_NOT_FOUND" },
    });
    expect(result.routing_state).toMatchObject({ route_key: "next", fallback_used: true, deterministic_tooling: { execution_status: "success_with_warning", fallback_used: true } });
    expect(result.run_metadata).toEqual({ deterministic_execution_status: "success_with_warning", deterministic_fallback_used: true, fallback_attempted: true, fallback_reason: "No plan 9." });
    expectContractsPass("plan", result);
  });

  it("memory and milestone: the reference payloads with null ids when unknown (quirk §9.3), given ids when known", () => {
    const memory = nodeToolFallbackResult(request("memory", { tool_fallback_mode: "on" }, { execution_index: 0 as never }), notFound, { operation: "add", fields: { action: "add" } })!;
    expect(strip(memory.output_state)).toEqual({
      node_type: "memory", action: "add", action_prompt_template: "", internal_action_prompt: "", action_results: ["Deterministic memory tool fallback contract applied."],
      additive_prompt: "", inferred_prompt: "", effective_prompt: "", memory_id: null, mcp_server_keys: [], attachments: [], retrieved_memories: [], stored_memory: null,
      execution_index: null, execution_status: "success_with_warning", fallback_used: true, warnings: [expect.objectContaining({ code: "deterministic_tool_failure" })],
    });
    expectContractsPass("memory", memory);
    const known = nodeToolFallbackResult(request("memory", { tool_fallback_mode: "all", memory_id: 5 }), notFound, { operation: "retrieve" })!;
    expect(known.output_state).toMatchObject({ action: "retrieve", memory_id: 5, execution_index: 2 });
    const milestone = nodeToolFallbackResult(request("milestone", { tool_fallback_mode: "all", additive_prompt: "Pass" }), notFound, { operation: "mark_complete", fields: { action: "mark_complete" } })!;
    expect(strip(milestone.output_state)).toEqual({
      node_type: "milestone", action: "mark_complete", additive_prompt: "Pass", execution_index: 2, checkpoint_hit: false,
      action_results: ["Deterministic milestone tool fallback contract applied."], mcp_server_keys: [], attachments: [], before_milestone: {}, milestone: {},
      execution_status: "success_with_warning", fallback_used: true, warnings: [expect.objectContaining({ details: expect.objectContaining({ node_type: "milestone", operation: "mark_complete" }) })],
    });
    expectContractsPass("milestone", milestone);
  });

  it("decision: no_match with empty ids and no route_key, so the engine takes the fallback connector (or fails as no-match does)", () => {
    const thrown = { error: { code: "ARK_FLOW_ROUTING_FAILED", message: "Decision node requires decision_conditions." }, trace: {} };
    const config = { tool_fallback_mode: "all", route_key: "yes", fallback_condition_key: "no" };
    const result = nodeToolFallbackResult(request("decision", config), thrown, { operation: "evaluate" })!;
    expect(strip(result.output_state)).toEqual({
      node_type: "decision", matched_connector_ids: [], evaluations: [], no_match: true, action: "evaluate",
      action_results: ["Deterministic decision tool fallback contract applied."], attachments: [], execution_status: "success_with_warning", fallback_used: true,
      warnings: [{ code: "deterministic_tool_failure", message: "Decision node requires decision_conditions.", details: expect.objectContaining({ node_type: "decision", operation: "evaluate" }) }],
    });
    expect(result.routing_state).toMatchObject({ matched_connector_ids: [], evaluations: [], no_match: true });
    expect(result.routing_state).not.toHaveProperty("route_key");
    expect(result.output_state.deterministic_tooling).toMatchObject({ tool_name: "deterministic.decision", domain: "decision", operation: "evaluate" });
    expectContractsPass("decision", result);
    const connectors: FlowConnector[] = ["yes", "no"].map((key) => ({ id: `c-${key}`, source: "n1", target: key, mode: "solid", conditionKey: key }));
    const routed = resolveOutgoingConnectors({ type: "decision", config }, connectors, result.routing_state);
    expect(routed).toMatchObject({ ok: true, selected: [{ target: "no" }] });
    const unrouted = resolveOutgoingConnectors({ type: "decision", config: {} }, connectors, result.routing_state);
    expect(unrouted).toMatchObject({ ok: false, reason: "decision_no_match" });
  });

  it("other tool node types get a generic payload that keeps their own node_type", () => {
    const result = nodeToolFallbackResult(request("workspace", { tool_fallback_mode: "all", operation: "write" }), failed("ARK_WORKSPACE_CONFLICT", "exists"), {
      operation: "write", domain: "workspace", fields: { tool_domain: "workspace" },
    })!;
    expect(strip(result.output_state)).toMatchObject({ node_type: "workspace", tool_domain: "workspace", operation: "write", result: null, execution_status: "success_with_warning" });
    expect(validateNodeStates("workspace", result.output_state, result.routing_state)).toEqual([]);
  });
});

function expectContractsPass(nodeType: string, result: { output_state: Record<string, unknown>; routing_state: Record<string, unknown> }): void {
  expect(validateNodeStates(nodeType, result.output_state, result.routing_state)).toEqual([]);
  const payload = artifactPayload(nodeType, { inputContext: {}, outputState: result.output_state, routingState: result.routing_state, config: {} });
  expect(validateArtifactPayload(nodeType, payload)).toEqual([]);
}
