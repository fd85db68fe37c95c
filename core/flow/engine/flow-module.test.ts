/** The built-in `flow` and `execution` modules booted in a real kernel: node types registered, engine served, runs work. */
import { describe, expect, it } from "vitest";
import { dispatchRouterRef } from "../../execution/execution-module.js";
import { successResult } from "../../execution/execution-results.js";
import { builtinModules } from "../../kernel/builtin-modules.js";
import { coreServices } from "../../plugin-api/core-services.js";
import { definePlugin } from "../../plugin-api/plugin.js";
import { startTestKernel } from "../../testing/index.js";
import { importFlow, nodeTrace, runToEnd } from "../testing/flow-test-kit.js";
import { flowEngineRef } from "./flow-module.js";

const user = definePlugin({
  id: "flow-user",
  version: "1.0.0",
  kernel: "^1.0.0",
  requires: ["flow"],
  register(r) {
    r.nodeType({
      type: "record", capabilities: { attachments: true }, configSchema: { type: "object", properties: { mode: { enum: ["quick"] } } },
      execute: async (request) => successResult({ node_type: "record", seen: request.node_id }),
    });
  },
});

describe("flow module", () => {
  it("boots lazily when required, registers start/end/decision/flowchart, and runs a flow through the inline dispatcher", async () => {
    const kernel = await startTestKernel({
      plugins: [user],
      builtins: builtinModules(),
      // A generous init deadline: the embedded store boots slowly on a loaded machine.
      config: { kernel: { pluginTimeoutMs: 120_000 }, flow: { pollIntervalMs: 50, heartbeatMs: 500, leaseSeconds: 5 } },
    });
    try {
      expect(kernel.report.plugins.map((p) => p.id)).toEqual(expect.arrayContaining(["store", "events", "execution", "flow", "flow-user"]));
      const registries = kernel.get(coreServices.registries);
      expect(registries.nodeTypes.ids().sort()).toEqual(["decision", "end", "flowchart", "record", "start"]);
      expect(registries.dispatchers.ids()).toContain("inline"); // the execution module also offers `process`
      expect(kernel.get(dispatchRouterRef).dispatcherFor("record").id).toBe("inline");
      const engine = kernel.get(flowEngineRef);
      const run = await runToEnd(engine, await importFlow(engine, "decision-branch.yaml"));
      expect(run.status).toBe("completed");
      expect(await nodeTrace(engine, run.id)).toEqual(["start#1:succeeded", "triage#1:succeeded", "accepted#1:succeeded"]);
      // The plugin type's configSchema is checked wherever graphs are validated.
      const { id } = await engine.flowcharts.create({ name: "schema check" });
      const saved = await engine.flowcharts.saveGraph(id, {
        nodes: [{ id: "start", type: "start" }, { id: "r", type: "record", config: { mode: "slow" } }],
        edges: [{ source: "start", target: "r", edge_mode: "solid" }],
      });
      expect(saved.validation.errors).toEqual([`Node r (record) config /mode must be one of: "quick" (node type configSchema).`]);
    } finally {
      await kernel.stop();
    }
  }, 120_000); // booting the embedded store can take long on a loaded machine

  it("refuses a heartbeat that is not shorter than the lease", async () => {
    const boot = startTestKernel({
      plugins: [user],
      builtins: builtinModules(),
      config: { kernel: { pluginTimeoutMs: 120_000 }, flow: { heartbeatMs: 5000, leaseSeconds: 5 } },
    });
    await expect(boot).rejects.toMatchObject({ code: "ARK_CONFIG_INVALID", message: expect.stringMatching(/flow\.heartbeatMs: must be shorter than flow\.leaseSeconds \(5000 ms ≥ 5 s\)/) });
  });
});
