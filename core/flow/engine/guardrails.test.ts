/** Guardrails (reference §4.4, §4.5): max_node_executions (and the hard cap), max_runtime_minutes, max_parallel_nodes. */
import { afterEach, expect, it } from "vitest";
import { describeStore } from "../../../test/support/store-harness.js";
import { HARD_MAX_NODE_EXECUTIONS } from "../store/flow-settings.js";
import { createTestEngine, flowYaml, importFlow, nodeTrace, recordedExecutions, runToEnd, until, type TestEngine } from "../testing/flow-test-kit.js";
import type { FlowRun } from "./engine-types.js";
import { guardrailBreach } from "./node-run-create.js";

describeStore("flow engine: guardrails", (getStore) => {
  let t: TestEngine | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it("a loop over max_node_executions fails the run with a guardrail node run", async () => {
    t = await createTestEngine(getStore());
    const flowchartId = await importFlow(t.engine, "loop-with-guardrail.yaml");
    await t.engine.flowcharts.update(flowchartId, { settings: { max_node_executions: 5 } });
    const run = await runToEnd(t.engine, flowchartId);
    expect(run.status).toBe("failed");
    expect(run.failureMessage).toBe("Flowchart exceeded max_node_executions (5).");
    expect(await nodeTrace(t.engine, run.id)).toEqual([
      "start#1:succeeded", "check#1:succeeded", "again#1:succeeded", "check#2:succeeded", "again#2:succeeded", "check#3:failed",
    ]);
    const guard = (await t.engine.queries.listNodeRuns(run.id)).items.at(-1)!;
    expect([guard.guardrail, guard.errorCode, guard.idempotencyKey]).toEqual([true, "guardrail", `run:${run.id}:node:check:execution:3`]);
    const completed = (await t.engine.runEvents(run.id)).filter((e) => e.event_type === "node:task:completed").at(-1)!;
    expect(completed.payload).toMatchObject({ terminal_status: "failed", guardrail_failure: true, failure_message: "Flowchart exceeded max_node_executions (5)." });
    expect(completed.runtime).toBeNull();
  });

  it("the hard cap applies whatever the settings say", () => {
    const run = { settings: { max_node_executions: null } } as unknown as FlowRun;
    expect(guardrailBreach(run, HARD_MAX_NODE_EXECUTIONS - 1)).toBeNull();
    expect(guardrailBreach(run, HARD_MAX_NODE_EXECUTIONS)).toBe("Flowchart exceeded hard safety limit (10000 node executions).");
  });

  it("a run past max_runtime_minutes fails before its next node", async () => {
    t = await createTestEngine(getStore(), { settings: { recoveryIntervalMs: 600_000 } }); // only the claim sees the limit here
    const yaml = flowYaml({ settings: { max_runtime_minutes: 1 }, nodes: ["start:start", "a:record:{latch: hold}", "b:record"], connectors: ["start->a", "a->b"] });
    const run = await t.engine.startRun({ flowchartId: await importFlow(t.engine, yaml) });
    await until(() => t!.stats.started.includes("a"), 15_000, "a to start");
    await getStore().query("UPDATE ark_flow_runs SET started_at = now() - interval '2 minutes' WHERE id = $1", [run.id]);
    t.latches.open("hold");
    const done = await t.engine.waitForRun(run.id, { timeoutMs: 15_000 });
    expect([done.status, done.failureMessage]).toEqual(["failed", "Flowchart exceeded max_runtime_minutes (1)."]);
    expect(await nodeTrace(t.engine, run.id)).toEqual(["start#1:succeeded", "a#1:succeeded", "b#1:failed"]);
  });

  for (const parallel of [1, 2]) {
    it(`max_parallel_nodes ${parallel}: at most ${parallel} node runs of the run execute at once`, async () => {
      t = await createTestEngine(getStore());
      const branches = ["p", "q", "r", "s"];
      const yaml = flowYaml({
        settings: { max_parallel_nodes: parallel },
        nodes: ["start:start", ...branches.map((b) => `${b}:record:{sleep_ms: 150}`)],
        connectors: branches.map((b) => `start->${b}`),
      });
      const run = await runToEnd(t.engine, await importFlow(t.engine, yaml));
      expect(run.status).toBe("completed");
      expect(t.stats.max).toBe(parallel);
      expect(t.stats.started.sort()).toEqual(branches);
    });
  }

  it("the engine tick fails a run past max_runtime_minutes whose node runs are all still executing", async () => {
    t = await createTestEngine(getStore());
    const yaml = flowYaml({
      settings: { max_runtime_minutes: 1, max_parallel_nodes: 2 },
      nodes: ["start:start", "a:record:{latch: hold}", "b:record:{latch: hold}", "c:record"],
      connectors: ["start->a", "start->b", "a->c", "b->c"],
    });
    const run = await t.engine.startRun({ flowchartId: await importFlow(t.engine, yaml) });
    await until(() => t!.stats.current === 2, 15_000, "a and b to be executing");
    await getStore().query("UPDATE ark_flow_runs SET started_at = now() - interval '2 minutes' WHERE id = $1", [run.id]);
    const done = await t.engine.waitForRun(run.id, { timeoutMs: 15_000 });
    expect([done.status, done.failureMessage]).toEqual(["failed", "Flowchart exceeded max_runtime_minutes (1)."]);
    expect((await nodeTrace(t.engine, run.id)).sort()).toEqual(["a#1:failed", "b#1:failed", "start#1:succeeded"]);
    const stopped = (await t.engine.queries.listNodeRuns(run.id)).items.filter((n) => n.nodeId !== "start");
    expect(stopped.map((n) => [n.guardrail, n.errorCode, n.error])).toEqual([
      [true, "guardrail", "Flowchart exceeded max_runtime_minutes (1)."], [true, "guardrail", "Flowchart exceeded max_runtime_minutes (1)."],
    ]);
    // The executions were told to stop (nothing recorded), and a late result changes nothing.
    await until(() => t!.stats.current === 0, 15_000, "the executions to stop");
    t.latches.open("hold");
    await t.bus.flush();
    expect(await recordedExecutions(getStore())).toEqual([]);
    expect((await t.engine.queries.getRun(run.id)).status).toBe("failed");
    const events = await t.engine.runEvents(run.id);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    const ends = events.filter((e) => e.event_type === "node:task:completed" && e.payload.guardrail_failure === true);
    expect(ends.map((e) => e.payload.failure_message)).toEqual(["Flowchart exceeded max_runtime_minutes (1).", "Flowchart exceeded max_runtime_minutes (1)."]);
    expect(events.at(-1)).toMatchObject({ event_type: "flowchart:run:updated", payload: { status: "failed", transition: "failed" } });
  });

  it("the engine tick fails a paused run past max_runtime_minutes on its head activation's node (pause time counts)", async () => {
    t = await createTestEngine(getStore());
    const yaml = flowYaml({ settings: { max_runtime_minutes: 1 }, nodes: ["start:start", "a:record:{latch: hold}", "b:record"], connectors: ["start->a", "a->b"] });
    const run = await t.engine.startRun({ flowchartId: await importFlow(t.engine, yaml) });
    await until(() => t!.stats.started.includes("a"), 15_000, "a to start");
    await t.engine.control(run.id, { action: "pause" });
    t.latches.open("hold");
    await until(async () => (await t!.engine.queries.getRun(run.id)).status === "paused", 15_000, "the run to pause");
    await getStore().query("UPDATE ark_flow_runs SET started_at = now() - interval '2 minutes' WHERE id = $1", [run.id]);
    const done = await t.engine.waitForRun(run.id, { timeoutMs: 15_000 });
    expect([done.status, done.failureMessage]).toEqual(["failed", "Flowchart exceeded max_runtime_minutes (1)."]);
    expect(await nodeTrace(t.engine, run.id)).toEqual(["start#1:succeeded", "a#1:succeeded", "b#1:failed"]);
    expect((await t.engine.queries.listNodeRuns(run.id, { nodeId: "b" })).items[0]).toMatchObject({ guardrail: true, errorCode: "guardrail" });
    expect((await recordedExecutions(getStore())).map((r) => r.node_id)).toEqual(["a"]);
  });

  it("the engine tick leaves runs within their limit, and runs without one, alone", async () => {
    t = await createTestEngine(getStore());
    const yaml = (limit: number | null) => flowYaml({ settings: { max_runtime_minutes: limit }, nodes: ["start:start", "a:record:{latch: hold}"], connectors: ["start->a"] });
    const within = await t.engine.startRun({ flowchartId: await importFlow(t.engine, yaml(5)) });
    const unlimited = await t.engine.startRun({ flowchartId: await importFlow(t.engine, yaml(null)) });
    await until(() => t!.stats.current === 2, 15_000, "both runs to execute a");
    await getStore().query("UPDATE ark_flow_runs SET started_at = now() - interval '2 minutes' WHERE id = ANY($1::bigint[])", [[within.id, unlimited.id]]);
    expect(await t.engine.enforceRuntimeLimits()).toEqual([]);
    t.latches.open("hold");
    expect((await t.engine.waitForRun(within.id, { timeoutMs: 15_000 })).status).toBe("completed");
    expect((await t.engine.waitForRun(unlimited.id, { timeoutMs: 15_000 })).status).toBe("completed");
  });

  it("flowchart settings are validated with stable codes", async () => {
    t = await createTestEngine(getStore());
    const flowchartId = await importFlow(t.engine, "linear.yaml");
    const codeOf = (settings: unknown) => t!.engine.flowcharts.update(flowchartId, { settings }).then(() => "ok", (err: { code?: string }) => err.code);
    expect(await codeOf({ max_node_executions: 10_001 })).toBe("ARK_FLOW_SETTINGS_INVALID");
    expect(await codeOf({ max_node_executions: 0 })).toBe("ARK_FLOW_SETTINGS_INVALID");
    expect(await codeOf({ max_parallel_nodes: 1.5 })).toBe("ARK_FLOW_SETTINGS_INVALID");
    expect(await codeOf({ max_runtime_minutes: "5" })).toBe("ARK_FLOW_SETTINGS_INVALID");
    expect(await codeOf({ max_retries: 3 })).toBe("ARK_FLOW_SETTINGS_INVALID");
    // The engine's SQL reads these two as PostgreSQL integers: beyond 2^31 − 1 a run would stay queued for ever.
    expect(await codeOf({ max_parallel_nodes: 2_147_483_648 })).toBe("ARK_FLOW_SETTINGS_INVALID");
    expect(await codeOf({ max_runtime_minutes: 9_007_199_254_740_991 })).toBe("ARK_FLOW_SETTINGS_INVALID");
    expect(await codeOf({ max_node_executions: null, max_parallel_nodes: 4 })).toBe("ok");
    expect((await t.engine.flowcharts.get(flowchartId)).settings).toEqual({ max_node_executions: null, max_runtime_minutes: 5, max_parallel_nodes: 4 });
  });

  it("runs a flowchart whose limits are the largest allowed (2^31 − 1) to completion", async () => {
    t = await createTestEngine(getStore());
    const flowchartId = await importFlow(t.engine, "linear.yaml");
    await t.engine.flowcharts.update(flowchartId, { settings: { max_runtime_minutes: 2_147_483_647, max_parallel_nodes: 2_147_483_647 } });
    const run = await t.engine.startRun({ flowchartId });
    expect((await t.engine.waitForRun(run.id, { timeoutMs: 15_000 })).status).toBe("completed");
    expect(await t.engine.enforceRuntimeLimits()).toEqual([]);
  });
}, { migrate: "core" });
