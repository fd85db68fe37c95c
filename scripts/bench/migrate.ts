/**
 * Flow migration benchmark (issue 7): dry-run and apply of generated legacy flowcharts through the real
 * runtime-schema step, on PGlite (in memory) and on PostgreSQL (ARK_BENCH_DATABASE_URL or ARK_TEST_DATABASE_URL; a
 * throwaway schema). Prints flowcharts per second per size, and the per-flowchart cost of each size relative to the
 * smallest (≈1.0 means the cost grows linearly with the number of flowcharts).
 * Run: `npx tsx scripts/bench/migrate.ts` (ARK_BENCH_MIGRATE_SIZES=1000,10000 to change the sizes).
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { buildMigrationChain, importLegacyExport, runFlowMigration } from "../../core/migration/index.js";
import { loadCoreMigrations } from "../../core/store/migration-source.js";
import { applyMigrations } from "../../core/store/migrator.js";
import { openStore } from "../../core/store/open-store.js";
import type { Store } from "../../core/store/store-port.js";
import { runtimeSchemaStep } from "../../plugins/migrations-runtime/index.js";
import { isMain, printTable } from "./bench-format.js";

const SIZES = (process.env.ARK_BENCH_MIGRATE_SIZES ?? "1000,10000").split(",").map(Number).filter((n) => n > 0);
const chain = buildMigrationChain([{ pluginId: "migrations-runtime", value: runtimeSchemaStep() }]);

/** A legacy flowchart that needs every kind of decision sync: blank and repeated keys, a fallback, a legacy path. */
function legacyFlowchart(i: number): Record<string, unknown> {
  const config = (value: object) => JSON.stringify(value);
  return {
    flowchart: { id: i, name: `bench ${i}` },
    nodes: [
      { id: 1, node_type: "start", x: 0, y: 0, config_json: "{}" },
      { id: 2, node_type: "task", x: 1, y: 0, config_json: config({ task_prompt: "work", route_key_path: "a.b", fan_in_mode: "all" }) },
      { id: 3, node_type: "decision", x: 2, y: 0, config_json: config({ fallback_condition_key: "other", route_field_path: "x" }) },
      { id: 4, node_type: "end", x: 3, y: 0, config_json: "{}" },
      { id: 5, node_type: "end", x: 3, y: 1, config_json: "{}" },
    ],
    edges: [
      { id: 1, source_node_id: 1, target_node_id: 2, edge_mode: "solid" },
      { id: 2, source_node_id: 2, target_node_id: 3, edge_mode: "solid" },
      { id: 3, source_node_id: 3, target_node_id: 4, edge_mode: "solid", condition_key: "" },
      { id: 4, source_node_id: 3, target_node_id: 5, edge_mode: "solid", condition_key: "other" },
    ],
  };
}

async function seed(store: Store, count: number): Promise<void> {
  for (let start = 0; start < count; start += 500) {
    const batch = Array.from({ length: Math.min(500, count - start) }, (_, k) => legacyFlowchart(start + k + 1));
    await importLegacyExport(store, { flowcharts: batch });
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

async function measure(label: string, open: () => Promise<{ store: Store; dispose: () => Promise<void> }>): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  const base: Record<string, number> = {};
  for (const size of SIZES) {
    const { store, dispose } = await open();
    try {
      await applyMigrations(store, await loadCoreMigrations());
      await seed(store, size);
      const dry = await timed(() => runFlowMigration(store, chain));
      const apply = await timed(() => runFlowMigration(store, chain, { apply: true }));
      if (apply.value.applied_count !== size) throw new Error(`applied ${apply.value.applied_count} of ${size}`);
      for (const [phase, ms] of [["dry-run", dry.ms], ["apply", apply.ms]] as const) {
        const perFlowchart = ms / size;
        base[phase] ??= perFlowchart;
        rows.push([label, phase, size, ms / 1000, (size / ms) * 1000, perFlowchart / base[phase]!]);
      }
    } finally {
      await dispose();
    }
  }
  return rows;
}

/** Runs the benchmark and prints its table. */
export async function main(): Promise<void> {
  const rows = await measure("pglite (memory)", async () => {
    const store = await openStore({ driver: "pglite", dataDir: "memory://" } as never);
    return { store, dispose: () => store.close() };
  });
  const url = process.env.ARK_BENCH_DATABASE_URL ?? process.env.ARK_TEST_DATABASE_URL;
  if (url) {
    rows.push(...(await measure("postgres", async () => {
      const schema = `ark_bench_${randomBytes(4).toString("hex")}`;
      const admin = await openStore({ driver: "postgres", url } as never);
      await admin.query(`CREATE SCHEMA ${schema}`);
      const parsed = new URL(url);
      parsed.searchParams.set("options", `-c search_path=${schema}`);
      const store = await openStore({ driver: "postgres", url: parsed.toString() } as never);
      return { store, dispose: async () => { await store.close(); await admin.query(`DROP SCHEMA ${schema} CASCADE`); await admin.close(); } };
    })));
  }
  printTable("flow migration (runtime-schema step)", ["store", "phase", "flowcharts", "seconds", "flowcharts/s", "cost per flowchart vs smallest"], rows);
}

if (isMain(import.meta.url)) await main();
