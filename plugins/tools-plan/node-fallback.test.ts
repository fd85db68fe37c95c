/**
 * `tool_fallback_mode` of the special nodes in one real kernel (PGlite, flow engine, tooling, HTTP API): memory, plan,
 * milestone and decision answer their fallback payload with `all`; `conflict_only` covers the plan's ambiguous key but
 * not a missing plan; the default fails; the same holds when the node calls back over the HTTP tool host that process
 * and Kubernetes executors use; a flow whose special nodes all fall back completes with their artifacts; bad modes are
 * refused on save and at run time. (A saved decision always has decision_conditions — the connector sync writes them
 * — so its evaluation cannot fail inside a run; its fallback routing is covered in core/tooling/node-fallback.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiServerRef, coreServices, createHttpToolHost, definePlugin, toolHostIssuerSlotRef, toolHostRef, toolHostScopeOf,
  type ExecutionRequest, type ExecutionResult, type KernelToolHost, type ToolHost,
} from "../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../core/testing/index.js";
import decisionPlugin from "../tools-decision/index.js";
import memoryPlugin from "../tools-memory/index.js";
import milestonePlugin from "../tools-milestone/index.js";
import planPlugin from "./index.js";

const flowUser = definePlugin({ id: "node-fallback-user", version: "1.0.0", kernel: "^1.0.0", requires: ["flow", "flow-api", "tooling", "tooling-api"] });
const MISSING = 987_654;

function flowYaml(name: string, bad = ""): string {
  return `schema_version: 2
name: ${name}
settings: { max_node_executions: 10, max_parallel_nodes: 1 }
nodes:
  - { id: start, type: start }
  - { id: recall, type: memory, ref_id: ${MISSING}, config: { action: retrieve, mode: deterministic, fallback_enabled: false, tool_fallback_mode: all } }
  - { id: step, type: milestone, ref_id: ${MISSING}, config: { action: update, tool_fallback_mode: enabled } }
  - { id: roadmap, type: plan, ref_id: ${MISSING}, config: { mode: deterministic, store_mode: append, tool_fallback_mode: fallback${bad} } }
  - { id: triage, type: decision, config: { tool_fallback_mode: all, fallback_condition_key: done } }
  - { id: done, type: end }
connectors:
  - { source: start, target: recall }
  - { source: recall, target: step }
  - { source: step, target: roadmap }
  - { source: roadmap, target: triage }
  - { source: triage, target: done, condition_key: done }
`;
}

describe("tool_fallback_mode in a kernel", () => {
  let kernel: TestKernel;
  let host: KernelToolHost;
  let ambiguousPlanId: number;
  const signal = new AbortController().signal;
  let nextId = 9000;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${kernel.get(apiServerRef).address()!.url}${path}`, {
      method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as any };
  };
  const request = (nodeType: string, config: Record<string, unknown>, refId: number | null = MISSING): ExecutionRequest => ({
    contract_version: "v1", node_id: `${nodeType}-node`, node_type: nodeType, input_context: {}, execution_id: String(nextId++), execution_index: 1,
    ...(refId === null ? {} : { node_ref_id: refId }), node_config: config,
  });
  const run = (req: ExecutionRequest, tools: ToolHost = host.forExecution(req)): Promise<ExecutionResult> =>
    kernel.get(coreServices.registries).nodeTypes.get(req.node_type)!.execute!(req, signal, { tools });
  const ambiguousUpdate = (mode?: string) =>
    request("plan", { mode: "deterministic", store_mode: "update", patch: { stages: [{ stage_key: "dup", name: "x" }] }, ...(mode ? { tool_fallback_mode: mode } : {}) }, ambiguousPlanId);

  beforeAll(async () => {
    kernel = await startTestKernel({
      plugins: [planPlugin, milestonePlugin, memoryPlugin, decisionPlugin, flowUser],
      config: { api: { port: 0 }, flow: { pollIntervalMs: 50, heartbeatMs: 500, leaseSeconds: 5 }, kernel: { pluginTimeoutMs: 60_000 } },
    });
    host = kernel.get(toolHostRef);
    const created = await host.invoke({ domain: "plan", operation: "create", input: { name: "Dups", stages: [{ name: "Dup" }, { name: "dup!" }] } });
    ambiguousPlanId = (created.output as { plan: { id: number } }).plan.id;
  }, 120_000);
  afterAll(async () => kernel?.stop(), 60_000);

  it("with `all`, each special node answers its fallback payload as success_with_warning", async () => {
    const memory = await run(request("memory", { action: "search", mode: "deterministic", fallback_enabled: false, tool_fallback_mode: "all", route_key: "on" }));
    expect(memory).toMatchObject({ status: "success", routing_state: { route_key: "on", fallback_used: true }, run_metadata: { deterministic_fallback_used: true } });
    expect(memory.output_state).toMatchObject({
      node_type: "memory", action: "retrieve", action_results: ["Deterministic memory tool fallback contract applied."], memory_id: MISSING, execution_index: 1,
      retrieved_memories: [], stored_memory: null, mcp_server_keys: [], execution_status: "success_with_warning", fallback_used: true,
      warnings: [{ code: "deterministic_tool_failure", details: { node_type: "memory", operation: "retrieve", error_code: "memory.not_found", tool_fallback_mode: "all" } }],
      deterministic_tooling: { tool_name: "deterministic.memory", operation: "retrieve", execution_status: "success_with_warning", fallback_used: true },
    });
    const milestone = await run(request("milestone", { action: "complete", tool_fallback_mode: "all" }));
    expect(milestone.output_state).toMatchObject({
      node_type: "milestone", action: "mark_complete", checkpoint_hit: false, before_milestone: {}, milestone: {}, execution_status: "success_with_warning",
      warnings: [{ details: { error_code: "ARK_MILESTONE_NOT_FOUND", operation: "mark_complete" } }],
    });
    const plan = await run(request("plan", { mode: "deterministic", store_mode: "add", tool_fallback_mode: "all" }));
    expect(plan.output_state).toMatchObject({ node_type: "plan", mode: "deterministic", store_mode: "append", plan: {}, operation_counts: { created: 0 }, execution_status: "success_with_warning" });
    expect(plan.output_state.warnings).toHaveLength(1); // once, not twice (quirk §9.2)
    const decision = await run(request("decision", { __agent_runtime_cutover_enabled: "true", tool_fallback_mode: "all" }, null));
    expect(decision).toMatchObject({
      status: "success", output_state: { node_type: "decision", no_match: true, matched_connector_ids: [], evaluations: [], action: "evaluate", execution_status: "success_with_warning" },
      routing_state: { no_match: true, matched_connector_ids: [] },
    });
  });

  it("conflict_only falls back on the plan's ambiguous key only; disabled (the default) fails as before", async () => {
    expect((await run(ambiguousUpdate("conflict_only"))).output_state).toMatchObject({
      store_mode: "update", execution_status: "success_with_warning", warnings: [{ details: { error_code: "ARK_PLAN_TARGET_AMBIGUOUS", tool_fallback_mode: "conflict_only" } }],
    });
    const missing = await run(request("plan", { mode: "deterministic", store_mode: "append", tool_fallback_mode: "conflicts_only" }));
    expect(missing).toMatchObject({ status: "failed", error: { details: { code: "ARK_PLAN_NOT_FOUND" } } });
    for (const mode of [undefined, "disabled", "strict"]) {
      expect(await run(ambiguousUpdate(mode)), String(mode)).toMatchObject({ status: "failed", error: { code: "execution_error", details: { code: "ARK_PLAN_TARGET_AMBIGUOUS" } } });
    }
    expect(await run(request("decision", { __agent_runtime_cutover_enabled: "true" }, null))).toMatchObject({ status: "failed", error: { code: "execution_error" } });
    expect(await run(request("decision", { __agent_runtime_cutover_enabled: "true", tool_fallback_mode: "conflict_only" }, null))).toMatchObject({ status: "failed" });
  });

  it("works the same over the HTTP tool host of process and Kubernetes executors", async () => {
    const overHttp = async (req: ExecutionRequest) => {
      const issued = await kernel.get(toolHostIssuerSlotRef).get()!(toolHostScopeOf(req, "process"));
      return run(req, createHttpToolHost({ url: issued!.url, token: issued!.token }));
    };
    const conflict = await overHttp(ambiguousUpdate("conflict_only"));
    expect(conflict.output_state).toMatchObject({ node_type: "plan", execution_status: "success_with_warning", warnings: [{ details: { error_code: "ARK_PLAN_TARGET_AMBIGUOUS" } }] });
    expect(await overHttp(ambiguousUpdate())).toMatchObject({ status: "failed", error: { details: { code: "ARK_PLAN_TARGET_AMBIGUOUS" } } });
    const memory = await overHttp(request("memory", { action: "retrieve", mode: "deterministic", fallback_enabled: false, tool_fallback_mode: "all" }));
    expect(memory.output_state).toMatchObject({ node_type: "memory", execution_status: "success_with_warning", warnings: [{ details: { error_code: "memory.not_found" } }] });
  });

  it("a flow of failing special nodes completes: each fallback passes the output and artifact contracts", async () => {
    const engine = kernel.get(coreServices.flow);
    const imported = await api("POST", "/api/flowcharts/import", { content: flowYaml("Fallback flow") });
    expect(imported.status, JSON.stringify(imported.json)).toBe(201);
    const finished = await engine.waitForRun((await engine.startRun({ flowchartId: imported.json.flowchart.id })).id, { timeoutMs: 30_000 });
    expect(finished.status).toBe("completed");
    const nodeRuns = (await engine.queries.listNodeRuns(finished.id)).items;
    expect(nodeRuns.map((nr) => `${nr.nodeId}:${nr.status}`)).toEqual(["start:succeeded", "recall:succeeded", "step:succeeded", "roadmap:succeeded", "triage:succeeded", "done:succeeded"]);
    for (const nr of nodeRuns.slice(1, 4)) expect((nr.outputState as any).execution_status, nr.nodeId).toBe("success_with_warning");
    await kernel.get(coreServices.events).flush();
    const persisted = (await engine.runEvents(finished.id)).filter((e) => e.event_type === "flowchart:node_artifact:persisted").map((e) => (e.payload as any).artifact_type);
    expect(persisted).toEqual(["start", "memory", "milestone", "plan", "decision", "end"]);
  });

  it("refuses bad tool_fallback_mode values on save (naming node and key) and at run time", async () => {
    const refused = await api("POST", "/api/flowcharts/import", { content: flowYaml("Bad mode", ", tool_fallback_enabled: [1]").replace("tool_fallback_mode: all, fallback", "tool_fallback_mode: sometimes, fallback") });
    expect(refused.status).toBe(400);
    const text = JSON.stringify(refused.json);
    expect(text).toContain("Node triage (decision) config /tool_fallback_mode must be one of");
    expect(text).toContain("Node roadmap (plan) config /tool_fallback_enabled must be");
    const retries = await api("POST", "/api/flowcharts/import", { content: flowYaml("Bad retries", ", tool_retry_attempts: 0, tool_retry_backoff_ms: fast") });
    expect(retries.status).toBe(400);
    expect(JSON.stringify(retries.json)).toContain("Node roadmap (plan) config /tool_retry_attempts must be >= 1");
    expect(JSON.stringify(retries.json)).toContain("Node roadmap (plan) config /tool_retry_backoff_ms must be integer");
    for (const req of [request("plan", { mode: "deterministic", store_mode: "append", tool_fallback_mode: "maybe" }), request("decision", { tool_fallback_mode: 3 }, null), request("memory", { tool_fallback_mode: "yes" })]) {
      expect(await run(req), req.node_type).toMatchObject({ status: "failed", error: { code: "validation_error", details: { code: "ARK_TOOL_FALLBACK_MODE_INVALID", field: "tool_fallback_mode" } } });
    }
  });

  it("accepts legacy mcp_server_keys on a memory node and ignores them (no MCP guard in ARK)", async () => {
    const yaml = `schema_version: 2
name: Memory with legacy MCP keys
nodes:
  - { id: start, type: start }
  - { id: recall, type: memory, config: { action: add, mode: deterministic, text: kept, mcp_server_keys: [github, jira] } }
connectors:
  - { source: start, target: recall }
`;
    const imported = await api("POST", "/api/flowcharts/import", { content: yaml });
    expect(imported.status, JSON.stringify(imported.json)).toBe(201);
    const added = await run(request("memory", { action: "add", mode: "deterministic", text: "kept", mcp_server_keys: ["github"] }, null));
    expect(added).toMatchObject({ status: "success", output_state: { node_type: "memory", mcp_server_keys: [], stored_memory: { description: "kept" } } });
  });
});
