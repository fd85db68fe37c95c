import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coreServices, definePlugin, toolHostRef, type KernelToolHost, type ToolInvocationResult } from "../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../core/testing/index.js";
import { flowYaml, Latches, until } from "../../core/flow/testing/flow-test-kit.js";
import { parseFlowFile } from "../../core/flow/index.js";
import observability from "../../plugins/tools-observability/index.js";
import workflow from "../../plugins/tools-workflow/index.js";

// `gate` waits for its latch (per run), so a test can look at and act on a run while a node is running.
const latches = new Latches();
const gate = definePlugin({
  id: "test-gate", version: "1.0.0", kernel: "^1.0.0", requires: ["tooling"],
  register(r) {
    r.nodeType({
      type: "gate",
      async execute(request, signal) {
        await Promise.race([latches.wait(`gate:${String(request.flowchart_run_id)}`), new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }))]);
        return { contract_version: "v1", status: signal.aborted ? "cancelled" : "success", output_state: { node_type: "gate", gate: "open" }, routing_state: {} };
      },
    });
  },
});

describe("workflow and observability tool domains", () => {
  let kernel: TestKernel;
  let tools: KernelToolHost;
  let flowchartId: string;

  const call = (domain: string, operation: string, input: Record<string, unknown>, scope?: Record<string, unknown>): Promise<ToolInvocationResult> =>
    tools.invoke({ domain, operation, input, ...(scope ? { scope } : {}) });

  beforeAll(async () => {
    kernel = await startTestKernel({
      plugins: [gate, workflow, observability],
      config: { kernel: { pluginTimeoutMs: 60_000 }, flow: { pollIntervalMs: 50, recoveryIntervalMs: 200, heartbeatMs: 500 } },
    });
    tools = kernel.get(toolHostRef);
    const engine = kernel.get(coreServices.flow);
    const text = flowYaml({ name: "gated", nodes: ["start:start", "wait:gate", "end:end"], connectors: ["start->wait", "wait->end"] });
    const parsed = parseFlowFile(text, "gated.yaml", { registry: { get: () => undefined } as never });
    flowchartId = (await engine.flowcharts.importDefinition(parsed.definition!)).id;
  }, 90_000);
  afterAll(async () => kernel?.stop());

  async function startGated(): Promise<string> {
    const started = await call("workflow", "start_flowchart", { flowchart_id: flowchartId });
    expect(started.status, JSON.stringify(started.error)).toBe("success");
    const runId = (started.output as { run_id: string }).run_id;
    await until(async () => {
      const q = await call("observability", "queue_state", { run_id: runId });
      return (q.output as { leases: { node_id: string }[] }).leases.some((l) => l.node_id === "wait");
    }, 20_000, "the gate node to run");
    return runId;
  }

  it("starts a run, sees its queue and lease, pauses and resumes it, and waits for the end", async () => {
    const runId = await startGated();
    const queue = (await call("observability", "queue_state", { run_id: runId })).output as { leases: { node_id: string; lease_owner: string | null; expired: boolean }[] };
    expect(queue.leases).toEqual([expect.objectContaining({ node_id: "wait", expired: false, lease_owner: expect.any(String) })]);
    const paused = await call("workflow", "pause", { run_id: runId });
    expect(paused.output).toMatchObject({ run_id: runId, status: "pausing", applied_action: "pausing", updated: true });
    const again = await call("workflow", "pause", { run_id: runId });
    expect(again.output).toMatchObject({ status: "pausing", updated: false });
    const resumed = await call("workflow", "resume", { run_id: runId });
    expect(resumed.output).toMatchObject({ status: "running", updated: true });
    latches.open(`gate:${runId}`);
    const run = await kernel.get(coreServices.flow).waitForRun(runId, { timeoutMs: 20_000 });
    expect(run.status, run.failureMessage ?? "").toBe("completed");
    const nodeRuns = (await call("observability", "node_runs", { run_id: runId })).output as { items: { node_id: string; status: string; duration_ms: number | null }[]; total: number };
    expect(nodeRuns.items.map((n) => `${n.node_id}:${n.status}`)).toEqual(["start:succeeded", "wait:succeeded", "end:succeeded"]);
    expect(nodeRuns.items.every((n) => typeof n.duration_ms === "number" && n.duration_ms >= 0)).toBe(true);
    const events = (await call("observability", "run_events", { run_id: runId, after_sequence: 0 })).output as { events: { sequence: number; event_type: string }[]; next_after_sequence: number };
    expect(events.events.map((e) => e.sequence)).toEqual(events.events.map((_, i) => i + 1));
    const later = (await call("observability", "run_events", { run_id: runId, after_sequence: 3 })).output as { events: { sequence: number }[] };
    expect(later.events[0]?.sequence).toBe(4);
    const trace = (await call("observability", "run_trace", { run_id: runId, include: ["run", "node"] })).output as { trace: Record<string, unknown> };
    expect(Object.keys(trace.trace)).toEqual(expect.arrayContaining(["run"]));
    const artifacts = (await call("observability", "artifacts", { run_id: runId })).output as { items: { flowchart_run_id: string }[]; total: number };
    expect(artifacts.total).toBeGreaterThanOrEqual(3);
    const one = (await call("observability", "artifacts", { artifact_id: (artifacts.items[0] as unknown as { id: string }).id })).output as { artifact: { flowchart_run_id: string } };
    expect(one.artifact.flowchart_run_id).toBe(runId);
  });

  it("stops gracefully and cancels by force", async () => {
    const stopping = await startGated();
    const stop = await call("workflow", "stop", { run_id: stopping });
    expect(stop.output).toMatchObject({ applied_action: "stopping" });
    latches.open(`gate:${stopping}`);
    expect((await kernel.get(coreServices.flow).waitForRun(stopping, { timeoutMs: 20_000 })).status).toBe("stopped");
    const canceling = await startGated();
    const cancel = await call("workflow", "cancel", { run_id: canceling });
    expect(cancel.output).toMatchObject({ status: "canceled", applied_action: "canceled" });
  });

  it("confines a node's calls to its own run, and defaults to it", async () => {
    const runId = await startGated();
    const scope = { flowchart_run_id: runId, node_run_id: "1" };
    const own = await call("observability", "queue_state", {}, scope);
    expect(own.output).toMatchObject({ run_id: runId });
    const other = await call("observability", "node_runs", { run_id: "999999" }, scope);
    expect(other).toMatchObject({ status: "failed", error: { code: "observability.run_not_accessible" } });
    const control = await call("workflow", "cancel", { run_id: "999999" }, scope);
    expect(control).toMatchObject({ status: "failed", error: { code: "workflow.run_not_accessible" } });
    latches.open(`gate:${runId}`);
    await kernel.get(coreServices.flow).waitForRun(runId, { timeoutMs: 20_000 });
  });

  it("answers bad input with codes and touches nothing", async () => {
    expect((await call("workflow", "pause", {})).error?.code).toBe("workflow.run_id_required");
    expect((await call("workflow", "pause", { run_id: "abc" })).error?.code).toBe("ARK_TOOL_INPUT_INVALID");
    expect((await call("workflow", "resume", { run_id: "987654" })).error?.code).toBe("ARK_NOT_FOUND");
    expect((await call("workflow", "start_flowchart", { flowchart_id: 424242 })).error?.code).toBe("ARK_NOT_FOUND");
    expect((await call("observability", "run_trace", { run_id: 1, include: ["bogus"] })).error?.code).toBe("ARK_TOOL_INPUT_INVALID");
    expect((await call("observability", "kernel_health", { extra: 1 })).error?.code).toBe("ARK_TOOL_INPUT_INVALID");
  });

  it("reports kernel health with every plugin and the store", async () => {
    const health = (await call("observability", "kernel_health", {})).output as { ok: boolean; store: { ok: boolean }; plugins: { id: string; status: string }[] };
    expect(health.ok).toBe(true);
    expect(health.store.ok).toBe(true);
    expect(health.plugins.map((p) => p.id)).toEqual(expect.arrayContaining(["tools-workflow", "tools-observability", "flow", "store"]));
  });
});
