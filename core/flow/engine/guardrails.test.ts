/** Guardrails (reference §4.4, §4.5): max_node_executions (and the hard cap), max_runtime_minutes, max_parallel_nodes. */
import { afterEach, expect, it } from "vitest";
import { describeStore } from "../../../test/support/store-harness.js";
import { HARD_MAX_NODE_EXECUTIONS } from "../store/flow-settings.js";
import { createTestEngine, flowYaml, importFlow, nodeTrace, runToEnd, until, type TestEngine } from "../testing/flow-test-kit.js";
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
    t = await createTestEngine(getStore());
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

  it("flowchart settings are validated with stable codes", async () => {
    t = await createTestEngine(getStore());
    const flowchartId = await importFlow(t.engine, "linear.yaml");
    const codeOf = (settings: unknown) => t!.engine.flowcharts.update(flowchartId, { settings }).then(() => "ok", (err: { code?: string }) => err.code);
    expect(await codeOf({ max_node_executions: 10_001 })).toBe("ARK_FLOW_SETTINGS_INVALID");
    expect(await codeOf({ max_node_executions: 0 })).toBe("ARK_FLOW_SETTINGS_INVALID");
    expect(await codeOf({ max_parallel_nodes: 1.5 })).toBe("ARK_FLOW_SETTINGS_INVALID");
    expect(await codeOf({ max_runtime_minutes: "5" })).toBe("ARK_FLOW_SETTINGS_INVALID");
    expect(await codeOf({ max_retries: 3 })).toBe("ARK_FLOW_SETTINGS_INVALID");
    expect(await codeOf({ max_node_executions: null, max_parallel_nodes: 4 })).toBe("ok");
    expect((await t.engine.flowcharts.get(flowchartId)).settings).toEqual({ max_node_executions: null, max_runtime_minutes: 5, max_parallel_nodes: 4 });
  });
}, { migrate: "core" });
