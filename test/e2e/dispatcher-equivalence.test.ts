/**
 * One flow, three dispatchers: `inline`, `process` (on an executor bundle) and `kubernetes` (the API simulator running
 * the same bundle as its "image"). Only the `execution:` config differs between the kernels; the nodes' outputs are
 * the same everywhere, and each node run records where it ran. The flow has a plain node and the `task` node of
 * examples/flows/task-hello.yaml, answered by a local fake of the OpenAI wire format: in the sandboxes the executor
 * reads the provider from its environment (the API key from a Kubernetes Secret by secretKeyRef on the pod).
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
import frontierPlugin from "../../plugins/executor-frontier/index.js";
import echoPlugin from "../fixtures/bundle-plugins/bundle-echo-node/index.js";
import { startK8sSimulator, type K8sSimulator } from "../fixtures/k8s-simulator/index.js";
import { openAiReplies, startFakeLlmServer, type FakeLlmServer } from "../fixtures/llm-fakes/index.js";

const root = path.resolve(import.meta.dirname, "../..");
const FLOW = `schema_version: 1
name: same everywhere
nodes:
  - { id: start, type: start }
  - { id: echo, type: bundle_echo, config: { message: same result } }
  - id: greet
    type: task
    config:
      provider: openai
      task_prompt: 'Greet the operator. Answer with a JSON object {"greeting": "..."}.'
      output_schema: { type: object, properties: { greeting: { type: string } }, required: [greeting] }
  - { id: end, type: end }
connectors:
  - { source: start, target: echo }
  - { source: echo, target: greet }
  - { source: greet, target: end }
`;
const API_KEY = "sk-equivalence";

describe("the same flow on inline, process and kubernetes", () => {
  let dir: string;
  let bundle: string;
  let pluginSetHash: string;
  let sim: K8sSimulator;
  let kubeconfigPath: string;
  let llm: FakeLlmServer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "ark-equivalence-"));
    llm = await startFakeLlmServer();
    const plugins = await resolvePluginSet(["bundle-echo-node", "executor-frontier"], root, ["test/fixtures/bundle-plugins"]);
    const [built] = await buildExecutorBundles({ root, outDir: path.join(dir, "bundle"), classes: ["frontier"], plugins });
    bundle = path.join(built!.dir, "executor.mjs");
    pluginSetHash = built!.manifest.plugin_set_hash;
    sim = await startK8sSimulator({
      namespaces: ["ark-runs"], images: { "ark-executor-frontier:eq": { command: [process.execPath, bundle] } }, secrets: { llm: { "api-key": API_KEY } },
    });
    kubeconfigPath = sim.writeKubeconfig(dir);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([sim?.close(), llm?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  type NodeResult = { output: Record<string, unknown>; meta: Record<string, unknown> };
  async function runOn(dispatcher: "inline" | "process" | "kubernetes"): Promise<{ echo: NodeResult; greet: NodeResult; status: string }> {
    llm.enqueue(openAiReplies.text("{\"greeting\": \"Hello from anywhere.\"}"));
    const kernel = await startTestKernel({
      plugins: [echoPlugin, frontierPlugin, dispatchKubernetes, definePlugin({ id: "flow-user", version: "1.0.0", kernel: "^1.0.0", requires: ["flow"] })],
      pluginConfig: {
        "dispatch-kubernetes": {
          kubeconfigPath, expectedPluginSetHash: pluginSetHash, pollIntervalMs: 40, timeouts: { dispatchSeconds: 60, executionSeconds: 60, logCollectionSeconds: 5, cancelGraceSeconds: 1 },
          env: { OPENAI_BASE_URL: llm.url }, secretEnv: { OPENAI_API_KEY: { secretName: "llm", key: "api-key" } },
        },
        "executor-frontier": { providers: { openai: { baseUrl: llm.url, apiKey: API_KEY } } },
      },
      config: {
        kernel: { logLevel: "warn", pluginTimeoutMs: 90_000 },
        flow: { pollIntervalMs: 50 },
        // The only difference between the three kernels.
        execution: { legacyDispatcher: dispatcher, process: { bundle, workspaceRoot: path.join(dir, "ws"), env: { OPENAI_BASE_URL: llm.url, OPENAI_API_KEY: API_KEY } } },
      },
    });
    try {
      await kernel.get(coreServices.settings).update({ k8s_namespace: "ark-runs", k8s_frontier_image: "ark-executor-frontier:eq" }, "test");
      const engine = kernel.get(coreServices.flow);
      const parsed = parseFlowFile(FLOW, "same.yaml", { registry: createNodeTypeCapabilityRegistry([{ type: "bundle_echo", capabilities: {} }, { type: "task", capabilities: {} }]) });
      if (!parsed.definition || parsed.errors.length > 0) throw flowFileInvalidError(parsed);
      const flowchartId = (await engine.flowcharts.importDefinition(parsed.definition)).id;
      const run = await engine.waitForRun((await engine.startRun({ flowchartId })).id, { timeoutMs: 90_000 });
      const nodeRuns = (await engine.queries.listNodeRuns(run.id)).items;
      const result = (id: string): NodeResult => {
        const nodeRun = nodeRuns.find((n) => n.nodeId === id)!;
        return { output: nodeRun.outputState ?? {}, meta: nodeRun.routingMetadata };
      };
      return { echo: result("echo"), greet: result("greet"), status: run.status };
    } finally {
      await kernel.stop();
    }
  }

  it("produces the same node output on each, and records the dispatcher that ran it", async () => {
    const results = { inline: await runOn("inline"), process: await runOn("process"), kubernetes: await runOn("kubernetes") };
    for (const [dispatcher, result] of Object.entries(results)) {
      expect(result.status, dispatcher).toBe("completed");
      const { executed_in_pid: pid, ...output } = result.echo.output;
      expect(output, dispatcher).toEqual({ node_type: "bundle_echo", message: "same result" });
      expect(typeof pid).toBe("number");
      expect(result.echo.meta).toMatchObject({ dispatcher, dispatch_status: "dispatch_confirmed", dispatch_uncertain: false });
      expect(result.greet.output, dispatcher).toMatchObject({ node_type: "task", provider: "openai", structured_output: { greeting: "Hello from anywhere." } });
      expect(result.greet.meta).toMatchObject({ dispatcher, executor_class: "frontier", dispatch_status: "dispatch_confirmed" });
    }
    expect(results.inline.echo.output.executed_in_pid).toBe(process.pid);
    expect(results.process.echo.output.executed_in_pid).not.toBe(process.pid);
    expect(results.kubernetes.echo.meta.provider_dispatch_id).toMatch(/^kubernetes:ark-runs\//);
    // One model call per dispatcher, each authenticated with the key: from config inline, from env in the process,
    // from the Secret in the pod.
    expect(llm.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${API_KEY}`, `Bearer ${API_KEY}`, `Bearer ${API_KEY}`]);
    expect(sim.list("jobs", "ark-runs").length).toBeGreaterThanOrEqual(1);
  }, 300_000);
});
