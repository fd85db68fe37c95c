// Benchmark: kernel boot + stop of N no-op plugins vs importing the same plugin modules without the kernel.
import "reflect-metadata";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createKernel } from "../../core/kernel/index.js";
import { isMain, median, printTable } from "./bench-format.js";

const SIZES = [10, 50, 200];
const ROUNDS = 7;
const pluginApi = pathToFileURL(path.resolve(import.meta.dirname, "../../core/plugin-api/index.ts")).href;

/**
 * Writes N fresh no-op plugin modules and a config listing them. Every module and every config schema is new (the
 * folder name is in the schema), so neither the module cache nor the kernel's compiled-schema cache can help.
 */
function writePluginSet(root: string, n: number): { files: string[]; config: string } {
  const dir = mkdtempSync(path.join(root, `set-${n}-`));
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const file = path.join(dir, `p${i}.mjs`);
    const requires = i > 0 && i % 5 === 0 ? `requires: ["noop-${i - 1}"],` : "";
    writeFileSync(file, `import { definePlugin } from ${JSON.stringify(pluginApi)};
export default definePlugin({ id: "noop-${i}", version: "1.0.0", kernel: "^1.0.0", ${requires}
  configSchema: { type: "object", properties: { enabled_${i}: { type: "boolean", default: true }, limit: { type: "integer", minimum: ${i} } }, description: ${JSON.stringify(path.basename(dir))} },
  register() {}, async init() {}, async start() {}, async stop() {} });\n`);
    files.push(file);
  }
  const config = path.join(dir, "runtime.config.yaml");
  writeFileSync(config, `kernel:\n  logLevel: silent\nplugins:\n${files.map((f) => `  - from: ./${path.basename(f)}\n`).join("")}`);
  return { files, config };
}

/** The baseline: the same modules imported the way the kernel imports them (concurrently), without the kernel. */
async function importOnly(files: readonly string[]): Promise<number> {
  const began = performance.now();
  await Promise.all(files.map((file) => import(pathToFileURL(file).href)));
  return performance.now() - began;
}

async function kernelBootStop(config: string): Promise<number> {
  const began = performance.now();
  const kernel = await createKernel({ configPath: config, builtins: [] });
  await kernel.start();
  await kernel.stop();
  return performance.now() - began;
}

/** Runs the benchmark and prints the table; returns the figures for run-all. */
export async function main(): Promise<Record<string, number>> {
  const root = mkdtempSync(path.join(os.tmpdir(), "ark-bench-boot-"));
  mkdirSync(root, { recursive: true });
  await kernelBootStop(writePluginSet(root, 5).config); // warm the kernel's own modules
  const rows: (string | number)[][] = [];
  const figures: Record<string, number> = {};
  try {
    for (const n of SIZES) {
      const imports: number[] = [];
      const boots: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        imports.push(await importOnly(writePluginSet(root, n).files));
        boots.push(await kernelBootStop(writePluginSet(root, n).config));
      }
      const importMs = median(imports);
      const bootMs = median(boots);
      const overheadPerPlugin = (bootMs - importMs) / n;
      figures[`boot_ms_${n}`] = bootMs;
      figures[`overhead_ms_per_plugin_${n}`] = overheadPerPlugin;
      rows.push([n, importMs, bootMs, bootMs - importMs, overheadPerPlugin, bootMs / importMs]);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  printTable(
    `kernel-boot (median of ${ROUNDS}; baseline = importing the same plugin modules without the kernel)`,
    ["plugins", "import ms", "boot+stop ms", "overhead ms", "overhead/plugin ms", "ratio"],
    rows,
  );
  const growth = figures.boot_ms_200! / figures.boot_ms_50!;
  figures.growth_200_vs_50 = growth;
  const marginal = (figures.overhead_ms_per_plugin_200! * 200 - figures.overhead_ms_per_plugin_50! * 50) / 150;
  figures.marginal_overhead_ms_per_plugin = marginal;
  process.stdout.write(`  marginal kernel cost per added plugin (50 → 200): ${marginal.toFixed(3)} ms\n`);
  process.stdout.write(`  growth 200 vs 50 plugins: ${growth.toFixed(2)}× (target ≤ 5×); overhead per plugin at 200: ${figures.overhead_ms_per_plugin_200!.toFixed(3)} ms (target < 1 ms)\n`);
  return figures;
}

if (isMain(import.meta.url)) await main();
