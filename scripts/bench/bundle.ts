// Benchmark: `ark bundle` build time and size per image class, and executor cold start (spawn → exit with a result)
// from the bundle against the same entrypoint and plugins run from source with tsx. Target: bundle ≤ 0.5× tsx.
// Plugin set: ARK_BENCH_BUNDLE_PLUGINS (comma list) or the classes' executor plugins plus the workspace domain;
// falls back to the test fixtures when those plugins are not in this checkout.
import "reflect-metadata";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildExecutorBundles, type ImageClass } from "../../core/bundle/build-bundle.js";
import { resolvePluginSet, type BundlePlugin } from "../../core/bundle/plugin-set.js";
import { isMain, median, printTable } from "./bench-format.js";

const root = path.resolve(import.meta.dirname, "../..");
const ROUNDS = 7;

async function pluginsFor(imageClass: ImageClass): Promise<{ plugins: BundlePlugin[]; note: string }> {
  const wanted = process.env.ARK_BENCH_BUNDLE_PLUGINS?.split(",") ?? [`executor-${imageClass}`, "tools-workspace"];
  try {
    return { plugins: await resolvePluginSet(wanted, root), note: wanted.join(",") };
  } catch {
    if (imageClass !== "frontier") throw new Error(`plugins ${wanted.join(", ")} are not available for the ${imageClass} class`);
    const fixtures = ["bundle-echo-executor", "bundle-greeting-domain"];
    return { plugins: await resolvePluginSet(fixtures, root, ["test/fixtures/bundle-plugins"]), note: `${fixtures.join(",")} (fixtures)` };
  }
}

function payloadFor(nodeType: string): string {
  const request = {
    contract_version: "v1", node_id: "bench", node_type: nodeType, node_config: {}, input_context: {}, execution_id: "1", execution_index: 1,
    idempotency_key: "run:1:node:bench:execution:1", attempt: 1,
  };
  return JSON.stringify({
    contract_version: "v1", result_contract_version: "v1", provider: "process", request_id: "bench",
    node_execution: { executor_class: "frontier", request, request_context: { idempotency_key: request.idempotency_key, attempt: 1, flowchart_run_id: "1" } },
  });
}

/** Wall time of one executor process from spawn to exit (it must print a result line). */
function coldStart(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("exit", () => {
      const ms = performance.now() - began;
      if (!out.includes("ARK_EXECUTOR_RESULT_JSON=")) reject(new Error(`executor printed no result line: ${(out + err).slice(-600)}`));
      else resolve(ms);
    });
  });
}

async function measure(imageClass: ImageClass): Promise<(string | number)[]> {
  const { plugins, note } = await pluginsFor(imageClass);
  const outDir = mkdtempSync(path.join(os.tmpdir(), "ark-bench-bundle-"));
  const [built] = await buildExecutorBundles({ root, outDir, classes: [imageClass], plugins });
  const nodeType = plugins.flatMap((p) => p.nodeTypes)[0] ?? "start";
  const payload = payloadFor(nodeType);
  const env = { PATH: process.env.PATH ?? "" };
  const bundleArgs = [path.join(built!.dir, "executor.mjs"), "--payload-json", payload];
  const sourceArgs = ["--import", "tsx", path.join(root, "core/execution/executor-main.ts"), "--payload-json", payload];
  const sourceEnv = { ...env, ARK_EXECUTOR_PLUGIN_MODULES: JSON.stringify(plugins.map((p) => p.entryFile)), ARK_EXECUTOR_PLUGIN_BASE_DIR: root };
  // Warm the OS file cache for both paths once, then alternate so drift hits both equally.
  await coldStart(bundleArgs, env);
  await coldStart(sourceArgs, sourceEnv);
  const bundleMs: number[] = [];
  const sourceMs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    bundleMs.push(await coldStart(bundleArgs, env));
    sourceMs.push(await coldStart(sourceArgs, sourceEnv));
  }
  const b = median(bundleMs);
  const s = median(sourceMs);
  return [imageClass, note, built!.buildMs, built!.bundleBytes / 1024, b, s, `${(b / s).toFixed(2)}x`];
}

/** Runs the bundle benchmark and prints its table. */
export async function main(): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const imageClass of ["frontier", "vllm"] as const) {
    try {
      rows.push(await measure(imageClass));
    } catch (err) {
      rows.push([imageClass, `skipped: ${(err as Error).message}`, "-", "-", "-", "-", "-"]);
    }
  }
  printTable(
    `Executor bundles: build and cold start (median of ${ROUNDS}; target: bundle/tsx ≤ 0.50x)`,
    ["class", "plugins", "build ms", "size KiB", "bundle start ms", "tsx start ms", "bundle/tsx"],
    rows,
  );
}

if (isMain(import.meta.url)) await main();
