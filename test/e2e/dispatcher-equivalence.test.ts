/**
 * One flow, three dispatchers: `inline`, `process` (on an executor bundle) and `kubernetes` (the API simulator running
 * the same bundle as its "image"). Only the `execution:` config differs between the kernels; the node's output is the
 * same everywhere, and each node run records where it ran.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildExecutorBundles } from "../../core/bundle/build-bundle.js";
import { resolvePluginSet } from "../../core/bundle/plugin-set.js";
import { createNodeTypeCapabilityRegistry, flowFileInvalidError, parseFlowFile } from "../../core/flow/graph/index.js";
import { coreServices, definePlugin } from "../../core/plugin-api/index.js";
import { startTestKernel } from "../../core/testing/index.js";
import dispatchKubernetes from "../../plugins/dispatch-kubernetes/index.js";
import echoPlugin from "../fixtures/bundle-plugins/bundle-echo-executor/index.js";
import { startK8sSimulator, type K8sSimulator } from "../fixtures/k8s-simulator/index.js";

const root = path.resolve(import.meta.dirname, "../..");
const FLOW = `schema_version: 1
name: same everywhere
nodes:
  - { id: start, type: start }
  - { id: echo, type: bundle_echo, config: { message: same result } }
  - { id: end, type: end }
connectors:
  - { source: start, target: echo }
  - { source: echo, target: end }
`;

describe("the same flow on inline, process and kubernetes", () => {
  let dir: string;
  let bundle: string;
  let pluginSetHash: string;
  let sim: K8sSimulator;
  let kubeconfigPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "ark-equivalence-"));
    const plugins = await resolvePluginSet(["bundle-echo-executor"], root, ["test/fixtures/bundle-plugins"]);
    const [built] = await buildExecutorBundles({ root, outDir: path.join(dir, "bundle"), classes: ["frontier"], plugins });
    bundle = path.join(built!.dir, "executor.mjs");
    pluginSetHash = built!.manifest.plugin_set_hash;
    sim = await startK8sSimulator({ namespaces: ["ark-runs"], images: { "ark-executor-frontier:eq": { command: [process.execPath, bundle] } } });
    kubeconfigPath = sim.writeKubeconfig(dir);
  }, 120_000);
  afterAll(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function runOn(dispatcher: "inline" | "process" | "kubernetes"): Promise<{ output: Record<string, unknown>; meta: Record<string, unknown>; status: string }> {
    const kernel = await startTestKernel({
      plugins: [echoPlugin, dispatchKubernetes, definePlugin({ id: "flow-user", version: "1.0.0", kernel: "^1.0.0", requires: ["flow"] })],
      pluginConfig: {
        "dispatch-kubernetes": { kubeconfigPath, expectedPluginSetHash: pluginSetHash, pollIntervalMs: 40, timeouts: { dispatchSeconds: 60, executionSeconds: 60, logCollectionSeconds: 5, cancelGraceSeconds: 1 } },
      },
      config: {
        kernel: { logLevel: "warn", pluginTimeoutMs: 90_000 },
        flow: { pollIntervalMs: 50 },
        // The only difference between the three kernels.
        execution: { legacyDispatcher: dispatcher, process: { bundle, workspaceRoot: path.join(dir, "ws") } },
      },
    });
    try {
      await kernel.get(coreServices.settings).update({ k8s_namespace: "ark-runs", k8s_frontier_image: "ark-executor-frontier:eq" }, "test");
      const engine = kernel.get(coreServices.flow);
      const parsed = parseFlowFile(FLOW, "same.yaml", { registry: createNodeTypeCapabilityRegistry([{ type: "bundle_echo", capabilities: {} }]) });
      if (!parsed.definition || parsed.errors.length > 0) throw flowFileInvalidError(parsed);
      const flowchartId = (await engine.flowcharts.importDefinition(parsed.definition)).id;
      const run = await engine.waitForRun((await engine.startRun({ flowchartId })).id, { timeoutMs: 90_000 });
      const echo = (await engine.queries.listNodeRuns(run.id)).items.find((n) => n.nodeId === "echo")!;
      return { output: echo.outputState ?? {}, meta: echo.routingMetadata, status: run.status };
    } finally {
      await kernel.stop();
    }
  }

  it("produces the same node output on each, and records the dispatcher that ran it", async () => {
    const results = { inline: await runOn("inline"), process: await runOn("process"), kubernetes: await runOn("kubernetes") };
    for (const [dispatcher, result] of Object.entries(results)) {
      expect(result.status, dispatcher).toBe("completed");
      const { executed_in_pid: pid, ...output } = result.output;
      expect(output, dispatcher).toEqual({ node_type: "bundle_echo", message: "same result" });
      expect(typeof pid).toBe("number");
      expect(result.meta).toMatchObject({ dispatcher, dispatch_status: "dispatch_confirmed", dispatch_uncertain: false });
    }
    expect(results.inline.output.executed_in_pid).toBe(process.pid);
    expect(results.process.output.executed_in_pid).not.toBe(process.pid);
    expect(results.kubernetes.meta.provider_dispatch_id).toMatch(/^kubernetes:ark-runs\//);
    expect(sim.list("jobs", "ark-runs").length).toBeGreaterThanOrEqual(1);
  }, 300_000);
});
