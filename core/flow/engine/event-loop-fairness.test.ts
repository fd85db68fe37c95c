/** A busy run must not starve the process: timers, signals and HTTP requests keep being served while it runs. */
import { afterEach, expect, it } from "vitest";
import { describeStore } from "../../../test/support/store-harness.js";
import { createTestEngine, importFlow, type TestEngine } from "../testing/flow-test-kit.js";

// Only built-in decision nodes, looping until the guardrail: on PGlite every step resolves through microtasks.
const busyLoop = `
schema_version: 1
name: Busy loop
settings: { max_node_executions: 400, max_parallel_nodes: 1 }
nodes:
  - { id: start, type: start }
  - { id: spin, type: decision, config: { fan_in_mode: any } }
  - { id: back, type: decision }
connectors:
  - { source: start, target: spin }
  - { source: spin, target: back, condition_key: again, condition: "node.execution_index != 0" }
  - { source: back, target: spin, condition_key: loop, condition: "latest_upstream.node_type == decision" }
`;

describeStore("flow engine: event-loop fairness", (getStore) => {
  let t: TestEngine | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it("lets timers run while a run of built-in nodes is busy", async () => {
    t = await createTestEngine(getStore());
    const id = await importFlow(t.engine, busyLoop);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const run = await t.engine.startRun({ flowchartId: id });
      const ended = await t.engine.waitForRun(run.id, { timeoutMs: 60_000 });
      expect(ended.status).toBe("failed"); // the guardrail ends the endless loop
      // Before the fix the interval never fired until the run had ended.
      expect(ticks).toBeGreaterThan(3);
    } finally {
      clearInterval(timer);
    }
  }, 90_000);
}, { migrate: "core" });
