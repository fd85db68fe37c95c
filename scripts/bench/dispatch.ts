// Benchmark: per-node dispatch overhead. `inline`: the router + inline dispatcher (v1 request, contract checks, result
// validation) against calling the node handler directly. `process`: one node run through the real process dispatcher
// on a built executor bundle (and from source with tsx) against spawning a bare `node -e 0`, in the same run.
// Target (issue 5): process dispatch ≤ 1.5× a bare node spawn once bundled.
import "reflect-metadata";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildExecutorBundles } from "../../core/bundle/build-bundle.js";
import { resolvePluginSet } from "../../core/bundle/plugin-set.js";
import { createContractRegistry } from "../../core/contracts/index.js";
import { DispatchRouter, type NodeExecution } from "../../core/execution/dispatch-router.js";
import { createInlineDispatcher } from "../../core/execution/inline-dispatcher.js";
import { createProcessDispatcher } from "../../core/execution/process-dispatcher.js";
import type { ExecutionRequest, NodeTypeContribution } from "../../core/plugin-api/index.js";
import { isMain, median, printTable } from "./bench-format.js";

const root = path.resolve(import.meta.dirname, "../..");
const INLINE_CALLS = 2000;
const SPAWNS = 9;

const echo: NodeTypeContribution = {
  type: "bundle_echo",
  execute: async (request) => ({ contract_version: "v1", status: "success", output_state: { node_type: "bundle_echo", message: request.node_config.message ?? null }, routing_state: {} }),
};

function execution(i: number): NodeExecution {
  return {
    flowchartId: "1", runId: "1", nodeRunId: String(i + 1), node: { id: "n", type: "bundle_echo", config: { message: "hi" } }, inputContext: {},
    executionIndex: 1, idempotencyKey: `run:1:node:n:execution:${i + 1}`, attempt: 1, requestId: "bench", correlationId: "bench", cutover: true,
  };
}

async function inlineRow(): Promise<(string | number)[]> {
  const inline = createInlineDispatcher(() => ({ get: (t: string) => (t === echo.type ? echo : undefined) }));
  const router = new DispatchRouter({ dispatchers: { get: (id) => (id === "inline" ? inline : undefined), ids: () => ["inline"] }, contracts: createContractRegistry() });
  const signal = new AbortController().signal;
  const request = router.buildRequest(execution(0), "inline") as ExecutionRequest;
  const time = async (fn: (i: number) => Promise<unknown>): Promise<number> => {
    for (let i = 0; i < 200; i++) await fn(i);
    const began = performance.now();
    for (let i = 0; i < INLINE_CALLS; i++) await fn(i);
    return ((performance.now() - began) * 1000) / INLINE_CALLS;
  };
  const direct = await time(() => echo.execute!(request, signal));
  const routed = await time((i) => router.execute(execution(i), signal));
  return ["inline (µs per node)", direct, routed, `+${(routed - direct).toFixed(0)} µs`];
}

function bareSpawn(): Promise<number> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", () => resolve(performance.now() - began));
  });
}

async function processRows(): Promise<(string | number)[][]> {
  const plugins = await resolvePluginSet(["bundle-echo-executor"], root, ["test/fixtures/bundle-plugins"]);
  const [built] = await buildExecutorBundles({ root, outDir: mkdtempSync(path.join(os.tmpdir(), "ark-bench-dispatch-")), classes: ["frontier"], plugins });
  const workspaceRoot = mkdtempSync(path.join(os.tmpdir(), "ark-bench-ws-"));
  const base = { workspaceRoot, maxConcurrent: 1, pluginModules: [], envAllowlist: [], env: {} };
  const bundled = createProcessDispatcher({ config: { ...base, bundle: path.join(built!.dir, "executor.mjs") }, cwd: root });
  const source = createProcessDispatcher({ config: base, cwd: root, pluginModules: async () => ({ modules: [plugins[0]!.entryFile], baseDir: root }) });
  const router = (d: ReturnType<typeof createProcessDispatcher>) =>
    new DispatchRouter({ dispatchers: { get: (id) => (id === "process" ? d : undefined), ids: () => ["process"] }, contracts: createContractRegistry(), defaultDispatcher: "process" });
  const viaBundle = router(bundled);
  const viaSource = router(source);
  const signal = new AbortController().signal;
  let n = 1000;
  const dispatchOnce = async (r: DispatchRouter): Promise<number> => {
    const began = performance.now();
    const { result } = await r.execute(execution(n++), signal);
    if (result.status !== "success") throw new Error(`dispatch failed: ${JSON.stringify(result.error)}`);
    return performance.now() - began;
  };
  await bareSpawn();
  await dispatchOnce(viaBundle);
  await dispatchOnce(viaSource);
  const bare: number[] = [];
  const bundle: number[] = [];
  const tsx: number[] = [];
  for (let i = 0; i < SPAWNS; i++) {
    bare.push(await bareSpawn());
    bundle.push(await dispatchOnce(viaBundle));
    if (i < 3) tsx.push(await dispatchOnce(viaSource));
  }
  const b = median(bare);
  return [
    ["process, bundle (ms per node)", b, median(bundle), `${(median(bundle) / b).toFixed(2)}x bare spawn (target ≤ 1.50x)`],
    ["process, tsx source (ms per node)", b, median(tsx), `${(median(tsx) / b).toFixed(2)}x bare spawn`],
  ];
}

/** Runs the dispatch benchmark and prints its table. */
export async function main(): Promise<void> {
  const rows = [await inlineRow(), ...(await processRows())];
  printTable("Dispatch overhead per node run (process: median of 9 spawns)", ["case", "baseline", "measured", "ratio / overhead"], rows);
}

if (isMain(import.meta.url)) await main();
