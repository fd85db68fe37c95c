/**
 * Store benchmark: idempotency claims against a raw `SELECT 1` round trip on the same connection, on PGlite
 * (in-memory) and on PostgreSQL (ARK_BENCH_DATABASE_URL or ARK_TEST_DATABASE_URL; a throwaway schema, pool of one).
 * Target: a claim costs at most 1.5× the raw round trip (p50). Run: `npx tsx scripts/bench/store.ts`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import { loadCoreMigrations } from "../../core/store/migration-source.js";
import { applyMigrations } from "../../core/store/migrator.js";
import { openStore } from "../../core/store/open-store.js";
import { queryPrepared } from "../../core/store/prepared-query.js";
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
  /** p50 relative to the raw SELECT 1 p50 on the same driver (the target's baseline). */
  readonly ratioToRaw: number;
  /** p50 relative to a raw single-row INSERT of a ledger-shaped row (the same durable write, without the ledger logic). */
  readonly ratioToInsert: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Measurement {
  readonly p50: number;
  readonly p99: number;
  readonly opsPerSec: number;
}

/**
 * Times every operation ITERATIONS times, interleaved (op A, op B, ..., then again) so that load from other processes
 * on a shared machine falls on all of them alike and the ratios stay meaningful.
 */
async function measureInterleaved(ops: ReadonlyArray<(i: number) => Promise<unknown>>): Promise<Measurement[]> {
  for (let i = 0; i < WARMUP; i++) for (const op of ops) await op(-1 - i);
  const samples = ops.map(() => [] as number[]);
  for (let i = 0; i < ITERATIONS; i++) {
    for (const [k, op] of ops.entries()) {
      const t0 = performance.now();
      await op(i);
      samples[k]!.push(performance.now() - t0);
    }
  }
  return samples.map((s) => {
    const total = s.reduce((a, b) => a + b, 0);
    s.sort((a, b) => a - b);
    return { p50: percentile(s, 50), p99: percentile(s, 99), opsPerSec: (s.length / total) * 1000 };
  });
}

const RAW_INSERT = `INSERT INTO bench_raw_insert (scope, key, state, claim_token, claimed_at, expires_at)
  VALUES ($1, $2, 'pending', $3::uuid, now(), now() + interval '1 day')`;

async function benchDriver(store: Store): Promise<StoreBenchRow[]> {
  await applyMigrations(store, await loadCoreMigrations());
  await store.query("CREATE TABLE bench_raw_insert (LIKE ark_idempotency_ledger INCLUDING ALL)");
  const ledger = new StoreIdempotencyLedger(store);
  const run = randomBytes(4).toString("hex");
  await ledger.claim("bench", "existing");
  const operations: Array<[string, (i: number) => Promise<unknown>]> = [
    ["SELECT 1 (raw baseline)", () => store.query("SELECT 1")],
    ["SELECT $1 (prepared)", (i) => queryPrepared(store, "bench_select", "SELECT $1::int AS n", [i])],
    ["INSERT one row (prepared)", (i) => queryPrepared(store, "bench_insert", RAW_INSERT, ["bench", `${run}:${i}`, randomUUID()])],
    ["claim, new key", (i) => ledger.claim("bench", `${run}:${i}`)],
    ["claim, existing key", () => ledger.claim("bench", "existing")],
  ];
  const timings = await measureInterleaved(operations.map(([, op]) => op));
  const measured = operations.map(([operation], k) => ({ operation, ...timings[k]! }));
  const [raw, , insert] = measured;
  return measured.map((m) => ({
    driver: store.driver, operation: m.operation, iterations: ITERATIONS, p50Ms: m.p50, p99Ms: m.p99, opsPerSec: m.opsPerSec,
    ratioToRaw: m.p50 / raw!.p50, ratioToInsert: m.p50 / insert!.p50,
  }));
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
  const header = ["driver", "operation", "n", "p50 ms", "p99 ms", "ops/s", "p50 ×SELECT 1", "p50 ×INSERT"];
  const body = rows.map((r) => [
    r.driver, r.operation, String(r.iterations), r.p50Ms.toFixed(3), r.p99Ms.toFixed(3), Math.round(r.opsPerSec).toString(), r.ratioToRaw.toFixed(2), r.ratioToInsert.toFixed(2),
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
    const claims = rows.filter((r) => r.driver === driver && r.operation.startsWith("claim"));
    const worst = Math.max(...claims.map((r) => r.ratioToRaw));
    const verdict = worst <= TARGET_RATIO ? "meets" : "misses";
    const vsInsert = Math.max(...claims.map((r) => r.ratioToInsert));
    process.stdout.write(
      `${driver}: claim p50 is ${worst.toFixed(2)}× a raw SELECT 1 round trip (${verdict} the ≤ ${TARGET_RATIO}× target) ` +
        `and ${vsInsert.toFixed(2)}× a raw single-row INSERT of the same shape\n`,
    );
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
