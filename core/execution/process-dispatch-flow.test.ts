/** A flow run end to end through the process dispatcher (executor from source with tsx), with the cutover gate on and off. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import executorTestPlugin from "../../test/fixtures/executor-test-plugin.js";
import { createNodeTypeCapabilityRegistry, flowFileInvalidError, parseFlowFile } from "../flow/graph/index.js";
import { flowEngineRef } from "../flow/engine/flow-module.js";
import { builtinModules } from "../kernel/builtin-modules.js";
import { coreServices } from "../plugin-api/core-services.js";
import { definePlugin } from "../plugin-api/plugin.js";
import { startTestKernel } from "../testing/index.js";
import { storeRoutingMetadataWriter } from "./route-metadata.js";

const fixture = fileURLToPath(new URL("../../test/fixtures/executor-test-plugin.ts", import.meta.url));
const FLOW = `schema_version: 1
name: process flow
nodes:
  - id: start
    type: start
  - id: work
    type: exec_echo
    config: { value: 5 }
  - id: end
    type: end
connectors:
  - source: start
    target: work
  - source: work
    target: end
`;

describe("a flow through the process dispatcher", () => {
  it("runs exec_echo in a child process when the cutover gate is on, inline when it is off; metadata lands on the node run", async () => {
    const workspaceRoot = mkdtempSync(path.join(tmpdir(), "ark-flow-process-"));
    const kernel = await startTestKernel({
      plugins: [executorTestPlugin, definePlugin({ id: "flow-user", version: "1.0.0", kernel: "^1.0.0", requires: ["flow"] })],
      builtins: builtinModules(),
      config: {
        kernel: { logLevel: "warn", pluginTimeoutMs: 60_000 },
        flow: { pollIntervalMs: 50, heartbeatMs: 2000, leaseSeconds: 30 },
        execution: { routes: { exec_echo: "process" }, process: { pluginModules: [fixture], workspaceRoot, maxConcurrent: 2 } },
      },
    });
    try {
      const engine = kernel.get(flowEngineRef);
      const parsed = parseFlowFile(FLOW, "process-flow.yaml", { registry: createNodeTypeCapabilityRegistry([{ type: "exec_echo", capabilities: {} }]) });
      if (!parsed.definition || parsed.errors.length > 0) throw flowFileInvalidError(parsed);
      const flowchartId = (await engine.flowcharts.importDefinition(parsed.definition)).id;
      const work = async () => {
        const run = await engine.waitForRun((await engine.startRun({ flowchartId })).id, { timeoutMs: 60_000 });
        expect(run.status).toBe("completed");
        return (await engine.queries.listNodeRuns(run.id)).items.find((n) => n.nodeId === "work")!;
      };

      const inline = await work();
      expect([inline.outputState?.pid, inline.routingMetadata.dispatcher, inline.routingMetadata.route]).toEqual([process.pid, "inline", "legacy"]);

      await kernel.get(coreServices.settings).update({ agent_runtime_cutover_enabled: true }, "test");
      const viaProcess = await work();
      expect(viaProcess.outputState).toMatchObject({ node_type: "exec_echo", config_value: 5 });
      expect(viaProcess.outputState?.pid).not.toBe(process.pid);
      expect(viaProcess.routingMetadata).toMatchObject({
        dispatcher: "process", route: "unified", selected_provider: "process", dispatch_status: "dispatch_confirmed", dispatch_uncertain: false, executor_class: "frontier",
      });
      expect(viaProcess.routingMetadata.provider_dispatch_id).toBe(`process:${String(viaProcess.routingMetadata.provider_dispatch_id).split(":")[1]}`);

      const write = storeRoutingMetadataWriter(kernel.get(coreServices.store));
      await write(String(viaProcess.id), { probe: 1 });
      const [row] = (await kernel.get(coreServices.store).query<{ routing_metadata: Record<string, unknown> }>("SELECT routing_metadata FROM ark_flow_node_runs WHERE id = $1", [viaProcess.id])).rows;
      expect(row!.routing_metadata).toMatchObject({ probe: 1, dispatcher: "process" });
    } finally {
      await kernel.stop();
    }
  }, 120_000);
});
