/**
 * Flows through the process dispatcher on a built executor bundle: a flow whose nodes the bundle carries completes;
 * a flow that needs a domain the bundle lacks fails at dispatch with ARK_EXECUTOR_PLUGIN_SET_MISMATCH, before any of
 * that node's work runs (no executor is spawned for it).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildExecutorBundles } from "../../core/bundle/build-bundle.js";
import { resolvePluginSet } from "../../core/bundle/plugin-set.js";
import { createNodeTypeCapabilityRegistry, flowFileInvalidError, parseFlowFile } from "../../core/flow/graph/index.js";
import { coreServices, definePlugin, type FlowEngineService } from "../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../core/testing/index.js";
import echoPlugin from "../fixtures/bundle-plugins/bundle-echo-executor/index.js";
import greetingPlugin from "../fixtures/bundle-plugins/bundle-greeting-domain/index.js";

const root = path.resolve(import.meta.dirname, "../..");
const flow = (name: string, type: string) => `schema_version: 1
name: ${name}
nodes:
  - { id: start, type: start }
  - { id: work, type: ${type}, config: { message: from the bundle, name: ark } }
  - { id: end, type: end }
connectors:
  - { source: start, target: work }
  - { source: work, target: end }
`;

describe("flows on an executor bundle through the process dispatcher", () => {
  let dir: string;
  let kernel: TestKernel;
  let engine: FlowEngineService;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "ark-bundle-flow-"));
    // The bundle carries only what the echo flow needs: not the greeting domain.
    const plugins = await resolvePluginSet(["bundle-echo-executor"], root, ["test/fixtures/bundle-plugins"]);
    const [built] = await buildExecutorBundles({ root, outDir: path.join(dir, "bundle"), classes: ["frontier"], plugins });
    kernel = await startTestKernel({
      // The kernel knows both node types (graphs validate); the bundle decides what its executors can run.
      plugins: [echoPlugin, greetingPlugin, definePlugin({ id: "flow-user", version: "1.0.0", kernel: "^1.0.0", requires: ["flow"] })],
      config: {
        kernel: { logLevel: "warn", pluginTimeoutMs: 90_000 },
        flow: { pollIntervalMs: 50 },
        execution: { legacyDispatcher: "process", process: { bundle: path.join(built!.dir, "executor.mjs"), workspaceRoot: path.join(dir, "ws") } },
      },
    });
    engine = kernel.get(coreServices.flow);
  }, 180_000);
  afterAll(async () => {
    await kernel?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(name: string, type: string) {
    const registry = createNodeTypeCapabilityRegistry([{ type, capabilities: {} }]);
    const parsed = parseFlowFile(flow(name, type), `${name}.yaml`, { registry });
    if (!parsed.definition || parsed.errors.length > 0) throw flowFileInvalidError(parsed);
    const flowchartId = (await engine.flowcharts.importDefinition(parsed.definition)).id;
    const done = await engine.waitForRun((await engine.startRun({ flowchartId })).id, { timeoutMs: 120_000 });
    return { run: done, work: (await engine.queries.listNodeRuns(done.id)).items.find((n) => n.nodeId === "work")! };
  }

  it("runs a flow whose node types the bundle carries, in executor processes", async () => {
    const { run: done, work } = await run("echo-flow", "bundle_echo");
    expect(done.status).toBe("completed");
    expect(work.outputState).toMatchObject({ node_type: "bundle_echo", message: "from the bundle" });
    expect(work.outputState?.executed_in_pid).not.toBe(process.pid);
    expect(work.routingMetadata).toMatchObject({ dispatcher: "process", dispatch_status: "dispatch_confirmed" });
  }, 150_000);

  it("fails a node whose domain the bundle lacks at dispatch, with the mismatch code, before any work", async () => {
    const { run: done, work } = await run("greet-flow", "bundle_greet");
    expect(done.status).toBe("failed");
    expect(work.status).toBe("failed");
    expect(work.errorCode).toBe("ARK_EXECUTOR_PLUGIN_SET_MISMATCH");
    expect(work.error).toContain("bundle_greet");
    expect(work.routingMetadata).toMatchObject({ dispatch_status: "dispatch_failed" });
    // No executor was prepared for it: its per-node-run workspace (payload.json) was never written.
    expect(existsSync(path.join(dir, "ws", done.id, work.id, "payload.json"))).toBe(false);
  }, 150_000);
});
