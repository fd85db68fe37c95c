/**
 * Store benchmark: idempotency claims against a raw `SELECT 1` round trip on the same connection, on PGlite
 * (in-memory) and on PostgreSQL (ARK_BENCH_DATABASE_URL or ARK_TEST_DATABASE_URL; a throwaway schema, pool of one).
 * Target: a claim costs at most 1.5× the raw round trip (p50). Run: `npx tsx scripts/bench/store.ts`.
 */
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { loadCoreMigrations } from "../../core/store/migration-source.js";
import { applyMigrations } from "../../core/store/migrator.js";
import { openStore } from "../../core/store/open-store.js";
import type { Store, StoreDriverName } from "../../core/store/store-port.js";
import { StoreIdempotencyLedger } from "../../core/tooling/idempotency-ledger.js";

const ITERATIONS = Number(process.env.ARK_BENCH_ITERATIONS ?? 2000);
const WARMUP = 200;
const TARGET_RATIO = 1.5;

/** One measured operation. */
export interface StoreBenchRow {
  readonly driver: StoreDriverName;
  readonly operation: string;
  readonly iterations: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly opsPerSec: number;
  /** p50 relative to the raw SELECT 1 p50 on the same driver. */
  readonly ratioToRaw: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(op: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number; opsPerSec: number }> {
  for (let i = 0; i < WARMUP; i++) await op(-1 - i);
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    await op(i);
    samples.push(performance.now() - t0);
  }
  const elapsed = performance.now() - started;
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), opsPerSec: (ITERATIONS / elapsed) * 1000 };
}

async function benchDriver(store: Store): Promise<StoreBenchRow[]> {
  await applyMigrations(store, await loadCoreMigrations());
  const ledger = new StoreIdempotencyLedger(store);
  const run = randomBytes(4).toString("hex");
  await ledger.claim("bench", "existing");
  const operations: Array<[string, (i: number) => Promise<unknown>]> = [
    ["SELECT 1 (raw baseline)", () => store.query("SELECT 1")],
    ["SELECT $1 (raw, 1 param)", (i) => store.query("SELECT $1::int AS n", [i])],
    ["claim, new key", (i) => ledger.claim("bench", `${run}:${i}`)],
    ["claim, existing key", () => ledger.claim("bench", "existing")],
  ];
  const rows: StoreBenchRow[] = [];
  let rawP50 = 0;
  for (const [operation, op] of operations) {
    const { p50, p99, opsPerSec } = await measure(op);
    if (rows.length === 0) rawP50 = p50;
    rows.push({ driver: store.driver, operation, iterations: ITERATIONS, p50Ms: p50, p99Ms: p99, opsPerSec, ratioToRaw: p50 / rawP50 });
  }
  return rows;
}

async function benchPostgres(url: string): Promise<StoreBenchRow[]> {
  const schema = `ark_bench_${process.pid}_${randomBytes(3).toString("hex")}`;
  const admin = await openStore({ driver: "postgres", url, poolMax: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const target = new URL(url);
  target.searchParams.set("options", `-c search_path=${schema}`);
  // Pool of one: the baseline and the claims run on the same connection.
  const store = await openStore({ driver: "postgres", url: target.toString(), poolMax: 1 });
  try {
    return await benchDriver(store);
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.close();
  }
}

function formatTable(rows: readonly StoreBenchRow[]): string {
  const header = ["driver", "operation", "n", "p50 ms", "p99 ms", "ops/s", "p50 ×raw"];
  const body = rows.map((r) => [
    r.driver, r.operation, String(r.iterations), r.p50Ms.toFixed(3), r.p99Ms.toFixed(3), Math.round(r.opsPerSec).toString(), r.ratioToRaw.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** Runs the benchmark, prints the table and the verdict per driver, and returns the rows. */
export async function main(): Promise<StoreBenchRow[]> {
  const rows: StoreBenchRow[] = [];
  const pglite = await openStore({ driver: "pglite", dataDir: "memory://" });
  try {
    rows.push(...(await benchDriver(pglite)));
  } finally {
    await pglite.close();
  }
  const url = process.env.ARK_BENCH_DATABASE_URL?.trim() || process.env.ARK_TEST_DATABASE_URL?.trim();
  if (url) rows.push(...(await benchPostgres(url)));
  process.stdout.write(`${formatTable(rows)}\n\n`);
  if (!url) process.stdout.write("postgres: skipped (set ARK_BENCH_DATABASE_URL or ARK_TEST_DATABASE_URL to include it)\n");
  for (const driver of new Set(rows.map((r) => r.driver))) {
    const worst = Math.max(...rows.filter((r) => r.driver === driver && r.operation.startsWith("claim")).map((r) => r.ratioToRaw));
    const verdict = worst <= TARGET_RATIO ? "meets" : "MISSES";
    process.stdout.write(`${driver}: claim p50 is ${worst.toFixed(2)}× the raw SELECT 1 round trip (${verdict} the ≤ ${TARGET_RATIO}× target)\n`);
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
