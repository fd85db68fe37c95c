/**
 * Store benchmark: idempotency claims against a raw `SELECT 1` round trip on the same connection, measured interleaved
 * in one run, on PGlite (in memory, and in an on-disk data dir like the embedded default) and on PostgreSQL
 * (ARK_BENCH_DATABASE_URL or ARK_TEST_DATABASE_URL; a throwaway schema, a pool of one connection).
 * Target (issue 3): a claim costs at most 1.5× the raw round trip (p50). A raw single-row INSERT of a ledger-shaped row
 * is measured too: a new-key claim is a durable write, so that INSERT is its floor. See docs/store.md.
 * Run: `npx tsx scripts/bench/store.ts` (ARK_BENCH_ITERATIONS=n to change the sample count).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
  /** Where the data lives: "memory" or "data dir" (PGlite), "server" (PostgreSQL). */
  readonly target: string;
  readonly operation: string;
  readonly iterations: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly opsPerSec: number;
  /** p50 relative to the raw SELECT 1 p50 on the same connection (the target's baseline). */
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
 * on a shared machine falls on all of them alike. The starting operation rotates each round, so no operation always
 * runs right after the same neighbour (e.g. a read right after a commit's WAL flush).
 */
async function measureInterleaved(ops: ReadonlyArray<(i: number) => Promise<unknown>>): Promise<Measurement[]> {
  for (let i = 0; i < WARMUP; i++) for (const op of ops) await op(-1 - i);
  const samples = ops.map(() => [] as number[]);
  for (let i = 0; i < ITERATIONS; i++) {
    for (let j = 0; j < ops.length; j++) {
      const k = (i + j) % ops.length;
      const t0 = performance.now();
      await ops[k]!(i);
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

const RAW = "SELECT 1 (raw baseline)";
const INSERT = "INSERT one row (prepared)";
const CLAIM_NEW = "claim, new key";
const CLAIM_EXISTING = "claim, existing key";

async function benchStore(store: Store, target: string): Promise<StoreBenchRow[]> {
  await applyMigrations(store, await loadCoreMigrations());
  await store.query("CREATE TABLE bench_raw_insert (LIKE ark_idempotency_ledger INCLUDING ALL)");
  const ledger = new StoreIdempotencyLedger(store);
  const run = randomBytes(4).toString("hex");
  await ledger.claim("bench", "existing");
  const operations: Array<[string, (i: number) => Promise<unknown>]> = [
    [RAW, () => store.query("SELECT 1")],
    ["SELECT $1 (prepared)", (i) => queryPrepared(store, "bench_select", "SELECT $1::int AS n", [i])],
    [INSERT, (i) => queryPrepared(store, "bench_insert", RAW_INSERT, ["bench", `${run}:${i}`, randomUUID()])],
    [CLAIM_NEW, (i) => ledger.claim("bench", `${run}:${i}`)],
    [CLAIM_EXISTING, () => ledger.claim("bench", "existing")],
  ];
  const timings = await measureInterleaved(operations.map(([, op]) => op));
  const measured = operations.map(([operation], k) => ({ operation, ...timings[k]! }));
  const raw = measured.find((m) => m.operation === RAW)!;
  const insert = measured.find((m) => m.operation === INSERT)!;
  return measured.map((m) => ({
    driver: store.driver, target, operation: m.operation, iterations: ITERATIONS, p50Ms: m.p50, p99Ms: m.p99, opsPerSec: m.opsPerSec,
    ratioToRaw: m.p50 / raw.p50, ratioToInsert: m.p50 / insert.p50,
  }));
}

async function benchPglite(onDisk: boolean): Promise<StoreBenchRow[]> {
  const folder = onDisk ? await mkdtemp(join(tmpdir(), "ark-bench-pglite-")) : null;
  const store = await openStore({ driver: "pglite", dataDir: folder === null ? "memory://" : join(folder, "data") });
  try {
    return await benchStore(store, folder === null ? "memory" : "data dir");
  } finally {
    await store.close();
    if (folder !== null) await rm(folder, { recursive: true, force: true });
  }
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
    return await benchStore(store, "server");
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.close();
  }
}

function formatTable(rows: readonly StoreBenchRow[]): string {
  const header = ["driver", "target", "operation", "n", "p50 ms", "p99 ms", "ops/s", "p50 ×SELECT 1", "p50 ×INSERT"];
  const body = rows.map((r) => [
    r.driver, r.target, r.operation, String(r.iterations), r.p50Ms.toFixed(3), r.p99Ms.toFixed(3), Math.round(r.opsPerSec).toString(),
    r.ratioToRaw.toFixed(2), r.ratioToInsert.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** One line per driver and target: each claim kind against the ≤ 1.5× target, and the new-key claim against its INSERT floor. */
function verdicts(rows: readonly StoreBenchRow[]): string[] {
  const groups = new Map<string, StoreBenchRow[]>();
  for (const row of rows) groups.set(`${row.driver} (${row.target})`, [...(groups.get(`${row.driver} (${row.target})`) ?? []), row]);
  return [...groups].map(([name, group]) => {
    const fresh = group.find((r) => r.operation === CLAIM_NEW)!;
    const repeat = group.find((r) => r.operation === CLAIM_EXISTING)!;
    const insert = group.find((r) => r.operation === INSERT)!;
    const mark = (ratio: number): string => (ratio <= TARGET_RATIO ? "meets" : "misses");
    return (
      `${name}: existing-key claim ${repeat.ratioToRaw.toFixed(2)}× SELECT 1 (${mark(repeat.ratioToRaw)} ≤ ${TARGET_RATIO}×); ` +
      `new-key claim ${fresh.ratioToRaw.toFixed(2)}× SELECT 1 (${mark(fresh.ratioToRaw)}), ` +
      `${fresh.ratioToInsert.toFixed(2)}× a raw single-row INSERT, which itself is ${insert.ratioToRaw.toFixed(2)}× SELECT 1`
    );
  });
}

/** Runs the benchmark, prints the table and the verdict per driver, and returns the rows. */
export async function main(): Promise<StoreBenchRow[]> {
  const rows: StoreBenchRow[] = [...(await benchPglite(false)), ...(await benchPglite(true))];
  const url = process.env.ARK_BENCH_DATABASE_URL?.trim() || process.env.ARK_TEST_DATABASE_URL?.trim();
  if (url) rows.push(...(await benchPostgres(url)));
  process.stdout.write(`${formatTable(rows)}\n\n`);
  if (!url) process.stdout.write("postgres: skipped (set ARK_BENCH_DATABASE_URL or ARK_TEST_DATABASE_URL to include it)\n");
  for (const line of verdicts(rows)) process.stdout.write(`${line}\n`);
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
