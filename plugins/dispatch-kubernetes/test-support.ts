/**
 * Test harness: a Kubernetes API simulator, a kernel with this plugin and the tooling API (so pods get a tool host
 * and can call the `memory.get` probe below back), and helpers to build requests.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { coreServices, definePlugin, toolHostIssuerSlotRef, toolHostRef, type ExecutionRequest, type NodeExecutorSettingsService, type ToolHostIssuer } from "../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../core/testing/index.js";
import { startK8sSimulator, type K8sSimulator, type ImageSpec } from "../../test/fixtures/k8s-simulator/index.js";
import type { KubernetesDispatchConfig } from "./config.js";
import plugin, { KUBERNETES_DISPATCHER_ID, KubernetesDispatcher } from "./index.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** The fixture executor as an image. */
export const FIXTURE_IMAGE: ImageSpec = { command: [process.execPath, join(repoRoot, "test/fixtures/k8s-simulator/fixture-executor.mjs")] };

/** The real executor entrypoint, from source, as an image (tsx by absolute URL: the pod's working dir is its own). */
export const REAL_EXECUTOR_IMAGE: ImageSpec = {
  command: [process.execPath, "--import", import.meta.resolve("tsx"), join(repoRoot, "core/execution/executor-main.ts")],
  env: { ARK_EXECUTOR_PLUGIN_BASE_DIR: repoRoot },
};

/** The real executor with the executor test plugin (its `exec_tool` node calls `memory.get` through the tool host). */
export const TOOL_EXECUTOR_IMAGE: ImageSpec = {
  ...REAL_EXECUTOR_IMAGE,
  env: { ...REAL_EXECUTOR_IMAGE.env, ARK_EXECUTOR_PLUGIN_MODULES: JSON.stringify([join(repoRoot, "test/fixtures/executor-test-plugin.ts")]) },
};

/** Every `memory.get` call the kernel served: its input and the scope the node-run token forced onto it. */
export const toolCalls: { input: unknown; scope: unknown }[] = [];

/** A `memory` tool domain with one operation, served by the harness kernel's tooling API. */
const probeTools = definePlugin({
  id: "k8s-probe-tools", version: "1.0.0", kernel: "^1.0.0", requires: ["tooling-api"],
  register: (r) => r.toolDomain({
    id: "memory",
    description: "Test domain: answers the key it was asked for.",
    operations: {
      get: {
        description: "Echoes the key.",
        input: { type: "object", required: ["key"], properties: { key: { type: "string" } } },
        handler: async (input: { key: string }, ctx) => {
          toolCalls.push({ input, scope: ctx.scope });
          return { key: input.key, value: `value of ${input.key}` };
        },
      },
    },
  }),
});

/** A running harness. */
export interface Harness {
  readonly sim: K8sSimulator;
  readonly kernel: TestKernel;
  readonly dispatcher: KubernetesDispatcher;
  readonly settings: NodeExecutorSettingsService;
  readonly kubeconfigPath: string;
  /** The kernel API's URL (what the tool-host issuer answers). */
  readonly apiUrl: string;
  /** Rebinds the dispatcher with this config on top of the harness defaults (`toolHost: false`: no issuer bound). */
  configure(overrides?: Partial<KubernetesDispatchConfig>, options?: { toolHost?: boolean }): void;
  close(): Promise<void>;
}

/** Fast polling and short timeouts for tests; tests override what they exercise. */
export function baseConfig(kubeconfigPath: string): KubernetesDispatchConfig {
  return {
    kubeconfigPath, pollIntervalMs: 40, apiTimeoutMs: 10_000,
    timeouts: { dispatchSeconds: 60, executionSeconds: 60, logCollectionSeconds: 5, cancelGraceSeconds: 1 },
    env: { ARK_FIXTURE_PLAIN: "plain-value" },
    secretEnv: { ARK_FIXTURE_SECRET: { secretName: "ark-llm", key: "api-key" } },
  };
}

/** Starts a simulator (namespace `ark-runs`) and a kernel with the plugin bound to it. */
export async function startHarness(): Promise<Harness> {
  const sim = await startK8sSimulator({
    namespaces: ["default", "ark-runs"],
    images: {
      "ark-executor-frontier:fixture": FIXTURE_IMAGE, "ark-executor-vllm:fixture": FIXTURE_IMAGE, "ark-executor-frontier:real": REAL_EXECUTOR_IMAGE,
      "ark-executor-frontier:tools": TOOL_EXECUTOR_IMAGE,
    },
    secrets: { "ark-llm": { "api-key": "s3cr3t-from-secret" } },
  });
  const dir = mkdtempSync(join(tmpdir(), "ark-k8s-test-"));
  const kubeconfigPath = sim.writeKubeconfig(dir);
  const kernel = await startTestKernel({
    plugins: [plugin, probeTools], pluginConfig: { [plugin.id]: { ...baseConfig(kubeconfigPath) } as Record<string, unknown> },
    config: { api: { port: 0 }, kernel: { pluginTimeoutMs: 60_000 } },
  });
  const settings = kernel.get(coreServices.settings);
  await settings.update({ k8s_namespace: "ark-runs", k8s_frontier_image: "ark-executor-frontier:fixture", k8s_vllm_image: "ark-executor-vllm:fixture", k8s_gpu_limit: 1 }, "test");
  const dispatcher = kernel.get(coreServices.registries).dispatchers.require(KUBERNETES_DISPATCHER_ID) as KubernetesDispatcher;
  const issuers = kernel.get(toolHostIssuerSlotRef);
  const apiUrl = kernel.get(toolHostRef).callbackUrl();
  if (!issuers.get() || !apiUrl) throw new Error("the harness kernel has no tool host (the tooling API did not start)");
  return {
    sim, kernel, dispatcher, settings, kubeconfigPath, apiUrl,
    configure: (overrides = {}, options = {}) => dispatcher.bind({ ...baseConfig(kubeconfigPath), ...overrides }, settings, (): ToolHostIssuer | null => (options.toolHost === false ? null : issuers.get())),
    async close() {
      await kernel.stop();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A v1 request for the fixture executor; `fixture_mode` picks its behaviour. */
export function fixtureRequest(executionId: string, nodeConfig: Record<string, unknown> = {}): ExecutionRequest {
  return {
    contract_version: "v1", node_id: "node-1", node_type: "task", node_config: nodeConfig, input_context: {}, execution_id: executionId,
    execution_index: 1, attempt: 1, request_id: `req-${executionId}`, flowchart_run_id: "run-1", idempotency_key: `run:run-1:node:node-1:execution:1`,
  };
}

/** Waits until `check` is true (polling), failing after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
