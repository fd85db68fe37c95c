/**
 * tools-memory in a real kernel (PGlite store, tooling envelope, HTTP API, flow engine): both modes, retries and the
 * single fallback hop with a scripted local model behind an executor's complete(), idempotent replay of an add, the
 * memory routes, and a flow run whose memory nodes get the node run's tool host.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { apiServerRef, coreServices, toolHostRef, type ExecutionRequest, type KernelToolHost, type ToolInvocationResult } from "../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../core/testing/index.js";
import plugin from "./index.js";
import { fakeModel, fakeModelPlugin, toolsInlinePlugin } from "./test-support.js";

const model = fakeModel();

function flowYaml(memoryId: number): string {
  return `schema_version: 1
name: Memory flow
settings: { max_node_executions: 20, max_runtime_minutes: 5, max_parallel_nodes: 1 }
nodes:
  - id: start
    type: start
  - id: remember
    type: memory
    ref_id: ${memoryId}
    config: { action: store, mode: deterministic, text: "Launch is on March 3", retention_mode: forever, route_key: next }
  - id: recall
    type: memory
    ref_id: ${memoryId}
    config: { action: search, mode: llm_guided, additive_prompt: "When is the launch?", retry_count: 0, retention_mode: forever }
  - id: end
    type: end
connectors:
  - { source: start, target: remember }
  - { source: remember, target: recall }
  - { source: recall, target: end }
`;
}

describe("tools-memory in a kernel", () => {
  let kernel: TestKernel;
  let tools: KernelToolHost;

  beforeAll(async () => {
    kernel = await startTestKernel({
      plugins: [plugin, fakeModelPlugin(model), toolsInlinePlugin()],
      config: {
        api: { port: 0 }, kernel: { pluginTimeoutMs: 60_000 },
        flow: { pollIntervalMs: 50, heartbeatMs: 500, leaseSeconds: 5 }, execution: { legacyDispatcher: "tools-inline" },
      },
    });
    tools = kernel.get(toolHostRef);
  }, 90_000);
  afterAll(async () => kernel?.stop());
  beforeEach(() => {
    model.answers = [];
    model.requests.length = 0;
  });

  const call = (operation: string, input: Record<string, unknown>, idempotencyKey?: string) =>
    tools.invoke({ domain: "memory", operation, input, ...(idempotencyKey ? { idempotencyKey } : {}) });
  const out = (result: ToolInvocationResult) => result.output as any;
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${kernel.get(apiServerRef).address()!.url}${path}`, {
      method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as any };
  };

  it("adds, appends and replaces deterministically, and refuses what it cannot store", async () => {
    const paris = await call("add", { text: "Paris is the capital of France", mode: "deterministic" });
    expect(paris).toMatchObject({ status: "success", output: { action: "add", mode: "deterministic", mode_fallback_used: false, retrieved_memories: [] } });
    const id = out(paris).stored_memory.id;
    expect(out(await call("add", { memory_id: id, text: "It has the Louvre." }))).toMatchObject({ stored_memory: { id, description: "Paris is the capital of France\n\nIt has the Louvre." } });
    expect(out(await call("add", { memory_id: id, text: " Paris, France ", store_mode: "replace" })).stored_memory.description).toBe("Paris, France");
    expect(await call("add", { mode: "deterministic" })).toMatchObject({ status: "failed", error: { code: "memory.empty_text" } });
    expect(await call("add", { memory_id: 987654, text: "x" })).toMatchObject({ status: "failed", error: { code: "memory.not_found", details: { memory_id: 987654 } } });
    expect((await call("add", { text: "x", retry_count: 9 })).error?.code).toBe("ARK_TOOL_INPUT_INVALID");
  });

  it("retrieves by id, by ranked query and most recent; empty is a failure unless allowed", async () => {
    const ids: number[] = [];
    for (const text of ["Quokkas live on Rottnest island", "Quokkas and wombats are marsupials", "Wombat droppings are cubes"]) {
      ids.push(out(await call("add", { text })).stored_memory.id);
    }
    const ranked = out(await call("retrieve", { query: "quokkas live on rottnest", limit: 5 })).retrieved_memories;
    expect(ranked.map((m: { id: number }) => m.id)).toEqual([ids[0], ids[1]]);
    expect(ranked[0].score).toBeGreaterThan(ranked[1].score);
    expect(out(await call("retrieve", { query: "%", allow_empty: true })).retrieved_memories).toEqual([]);
    expect(out(await call("retrieve", { query: "WOMBAT droppings" })).retrieved_memories[0]).toMatchObject({ id: ids[2] });
    expect(out(await call("retrieve", { memory_id: ids[2] }))).toMatchObject({ memory_id: ids[2], retrieved_memories: [{ id: ids[2], description: "Wombat droppings are cubes" }] });
    expect(out(await call("retrieve", { limit: 2 })).retrieved_memories.map((m: { id: number }) => m.id)).toEqual([ids[2], ids[1]]);
    expect(await call("retrieve", { query: "zeppelin", fallback_enabled: false })).toMatchObject({ status: "failed", error: { code: "memory.empty_result" } });
    expect(await call("retrieve", { memory_id: 987654 })).toMatchObject({ status: "failed", error: { code: "memory.not_found" } });
  });

  it("asks the executor's model in llm_guided mode, and skips it when only upstream context is given", async () => {
    model.answers = ['```json\n{"text": "Kiwi fruit is green", "store_mode": "replace", "confidence": 1.7}\n```'];
    const guided = out(await call("add", { mode: "llm_guided", additive_prompt: "Remember the fruit colour", provider: "openai" }));
    expect(guided).toMatchObject({ mode: "llm_guided", stored_memory: { description: "Kiwi fruit is green" }, llm_guided_add: { provider: "openai", model: "fake-1", inference_payload: { text: "Kiwi fruit is green", store_mode: "replace", confidence: 1 } } });
    expect(model.requests[0]).toMatchObject({ json: true, provider: "openai", messages: [{ role: "system" }, { role: "user", content: expect.stringContaining("Remember the fruit colour") }] });
    const skipped = out(await call("add", { mode: "llm_guided", context_text: "Upstream said hello" }));
    expect(skipped).toMatchObject({ stored_memory: { description: "Upstream said hello" }, llm_guided_add: { provider: null, raw_output: "(skipped llm inference; used connector context)", inference_payload: { store_mode: "append" } } });
    expect(model.requests).toHaveLength(1);
  });

  it("retries the primary mode, then hops once to the other mode with one warning and the degraded markers", async () => {
    model.answers = ["I think you should store something nice."];
    const result = await call("add", { mode: "llm_guided", retry_count: 2, additive_prompt: "Store it", text: "Fallback text one" });
    expect(model.requests).toHaveLength(3);
    expect(result).toMatchObject({ status: "success_with_warning", trace: { fallback_used: true, execution_status: "success_with_warning" } });
    expect(out(result)).toMatchObject({
      requested_mode: "llm_guided", mode: "deterministic", mode_fallback_used: true, failed_mode: "llm_guided", fallback_mode: "deterministic",
      fallback_reason: "llm_validation_error", execution_status: "success_with_warning", fallback_used: true, stored_memory: { description: "Fallback text one" },
    });
    expect(out(result).action_results).toContain("Primary memory mode failed; succeeded via single-attempt fallback mode.");
    expect(result.warnings.map((w) => w.code)).toEqual(["mode_fallback"]);
    expect(result.trace.warnings).toEqual(result.warnings);

    const target = out(await call("add", { text: "Capybaras are rodents" })).stored_memory.id;
    model.answers = [JSON.stringify({ memory_id: target, limit: 3 })];
    const hop = await call("retrieve", { mode: "deterministic", query: "zeppelins", retry_count: 0 });
    expect(out(hop)).toMatchObject({ mode: "llm_guided", fallback_reason: "primary_empty_result", retrieved_memories: [{ id: target }], llm_guided_retrieve: { retrieval_resolution: "inferred_memory_id", resolved_memory_id: target } });
  });

  it("fails with memory.fallback_failed naming both errors, or with the primary error when the fallback is off", async () => {
    model.answers = [new Error("model down")];
    const failed = await call("retrieve", { mode: "deterministic", query: "zeppelins", retry_count: 0 });
    expect(failed).toMatchObject({
      status: "failed",
      error: { code: "memory.fallback_failed", details: { failed_mode: "deterministic", fallback_mode: "llm_guided", fallback_reason: "primary_empty_result", fallback_error: { code: "memory.llm_failed" } } },
    });
    const inference = await call("retrieve", { mode: "llm_guided", additive_prompt: "anything", retry_count: 1, allow_empty: true });
    expect(out(inference)).toMatchObject({ mode: "deterministic", fallback_reason: "llm_inference_error" });
    expect(model.requests).toHaveLength(3);
    expect((await call("add", { mode: "llm_guided", additive_prompt: "x", fallback_enabled: false, retry_count: 0 })).error?.code).toBe("memory.llm_failed");
  });

  it("replays an add with the same idempotency key: one memory, the first result", async () => {
    const first = await call("add", { text: "Replay me exactly once" }, "add-once");
    const again = await call("add", { text: "Replay me exactly once" }, "add-once");
    expect(again).toMatchObject({ replayed: true, output: out(first) });
    const { rows } = await kernel.get(coreServices.store).query<{ n: number }>("SELECT count(*)::int AS n FROM ark_memories WHERE description = $1", ["Replay me exactly once"]);
    expect(rows[0]!.n).toBe(1);
  });

  it("runs memory nodes in a flow with the node run's tool host, writing artifacts served by the memory routes", async () => {
    const created = await api("POST", "/api/memories", { description: "Project notes" });
    expect(created.status).toBe(201);
    const memoryId = created.json.memory_id;
    model.answers = [JSON.stringify({ query_text: "launch", limit: 3 })];
    const imported = await api("POST", "/api/flowcharts/import", { content: flowYaml(memoryId) });
    expect(imported.status, JSON.stringify(imported.json)).toBe(201);
    const engine = kernel.get(coreServices.flow);
    const run = await engine.startRun({ flowchartId: imported.json.flowchart.id });
    expect((await engine.waitForRun(run.id, { timeoutMs: 30_000 })).status).toBe("completed");
    const nodeRuns = (await engine.queries.listNodeRuns(run.id)).items;
    const remember = nodeRuns.find((nr) => nr.nodeId === "remember")!;
    const recall = nodeRuns.find((nr) => nr.nodeId === "recall")!;
    expect(remember.outputState).toMatchObject({
      node_type: "memory", action: "add", mode: "deterministic", memory_id: memoryId, stored_memory: { id: memoryId, description: "Project notes\n\nLaunch is on March 3" },
      execution_status: "success", deterministic_tooling: { tool_name: "deterministic.memory", operation: "add", idempotency_scope: "tool:memory.add", idempotency_key: `flowchart_run_id=${run.id},node_run_id=${remember.id}|node_run:${remember.id}:memory.add` },
    });
    expect(remember.outputState?.deterministic_tooling).not.toHaveProperty("via");
    expect(remember.routingState).toMatchObject({ route_key: "next", deterministic_tooling: { operation: "add" } });
    expect(recall.outputState).toMatchObject({ action: "retrieve", mode: "llm_guided", retrieved_memories: [{ id: memoryId }], llm_guided_retrieve: { retrieval_resolution: "node_ref_id" }, effective_prompt: "When is the launch?" });
    const history = await api("GET", `/api/memories/${memoryId}/artifacts?limit=1`);
    expect(history.json).toMatchObject({ ok: true, memory_id: memoryId, count: 1, total_count: 2 });
    const artifact = (await api("GET", `/api/memories/${memoryId}/artifacts/${history.json.items[0].id}`)).json.item;
    expect(artifact).toMatchObject({ artifact_type: "memory", ref_id: String(memoryId), payload: { action: "retrieve", routing_state: {} } });
    expect(Object.keys(artifact.payload)).toEqual(expect.arrayContaining(["action_prompt_template", "internal_action_prompt", "action_results", "additive_prompt", "inferred_prompt", "effective_prompt", "stored_memory", "retrieved_memories", "mcp_server_keys"]));
  });

  it("serves the memory routes with paging and stable error codes", async () => {
    const page = await api("GET", "/api/memories?limit=2&offset=1");
    expect(page.json).toMatchObject({ ok: true, count: 2, limit: 2, offset: 1 });
    expect(page.json.total_count).toBeGreaterThan(3);
    const id = (await api("POST", "/api/memories", { description: "Short-lived" })).json.memory_id;
    expect((await api("GET", `/api/memories/${id}`)).json).toMatchObject({ ok: true, memory_id: id, item: { description: "Short-lived" }, request_id: expect.any(String) });
    expect((await api("DELETE", `/api/memories/${id}`)).json).toMatchObject({ ok: true, deleted: true });
    expect([(await api("GET", `/api/memories/${id}`)).status, (await api("GET", `/api/memories/${id}`)).json.error.code]).toEqual([404, "ARK_NOT_FOUND"]);
    expect((await api("GET", `/api/memories/${id}/artifacts`)).status).toBe(404);
    expect((await api("POST", "/api/memories", { description: "   " })).status).toBe(400);
    expect((await api("GET", "/api/memories?limit=0")).status).toBe(400);
    const viaTools = await api("POST", "/api/tools/memory/retrieve", { input: { query: "capybaras", mode: "deterministic" } });
    expect(viaTools.json).toMatchObject({ ok: true, status: "success" });
  });

  it("fails a node with a bad action, and reports degraded markers when the node's mode fell back", async () => {
    const nodeType = kernel.get(coreServices.registries).nodeTypes.get("memory")!;
    const request: ExecutionRequest = {
      contract_version: "v1", node_id: "m", node_type: "memory", node_config: { action: "explode" }, input_context: {}, execution_id: "9001", execution_index: 1, flowchart_run_id: "77",
    };
    const signal = new AbortController().signal;
    expect(await nodeType.execute!(request, signal, { tools: tools.forExecution(request) })).toMatchObject({ status: "failed", error: { code: "validation_error", details: { code: "memory.config_invalid" } } });
    model.answers = ["no json here"];
    const degraded = { ...request, execution_id: "9002", node_config: { action: "add", mode: "llm_guided", retry_count: 0 }, input_context: { latest_upstream: { output_state: { answer: "Upstream answer text" } } } };
    const result = await nodeType.execute!({ ...degraded, node_config: { ...degraded.node_config, additive_prompt: "Keep it" } }, signal, { tools: tools.forExecution(degraded) });
    expect(result).toMatchObject({
      status: "success",
      output_state: { execution_status: "success_with_warning", fallback_used: true, mode: "deterministic", stored_memory: { description: "Keep it" } },
      routing_state: { fallback_used: true, mode_fallback_used: true, fallback_reason: "llm_validation_error" },
      run_metadata: { deterministic_execution_status: "success_with_warning", deterministic_fallback_used: true, fallback_attempted: true },
    });
    expect((result.output_state.warnings as unknown[]).length).toBe(1);
    // Without a tool host (a dispatcher that passes none) the node calls its handler directly, marked in the trace.
    const direct = await nodeType.execute!({ ...request, execution_id: "9003", node_config: { action: "add", mode: "deterministic", text: "Direct path" } }, signal);
    expect(direct).toMatchObject({ status: "success", output_state: { stored_memory: { description: "Direct path" }, deterministic_tooling: { via: "direct", operation: "add" } } });
  });
});
