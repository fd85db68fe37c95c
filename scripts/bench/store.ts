/**
 * Store benchmark: idempotency claims against a raw `SELECT 1` round trip on the same connection, taking turns in one
 * run in two ways (shuffled single calls, and loops; see measure()), on PGlite (in memory, and in an on-disk data dir
 * like the embedded default) and on PostgreSQL
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
  /** How the operations took turns (see measure()). */
  readonly method: BenchMethod;
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
  readonly samples: number;
}

/** How the operations took turns: see measure(). */
export type BenchMethod = "shuffled" | "loops";
const METHODS: readonly BenchMethod[] = ["shuffled", "loops"];
/** Back-to-back runs of one operation per turn in the "loops" method. */
const LOOP_LENGTH = 250;

/** A small seeded PRNG (mulberry32), so a run's order of operations can be repeated. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The order of one turn: every operation once, shuffled (Fisher–Yates). */
function shuffledOrder(count: number, random: () => number): number[] {
  const order = Array.from({ length: count }, (_, k) => k);
  for (let a = count - 1; a > 0; a--) {
    const b = Math.floor(random() * (a + 1));
    [order[a], order[b]] = [order[b]!, order[a]!];
  }
  return order;
}

/**
 * Times every operation ITERATIONS times. Both methods let the operations take turns, so load from other processes
 * on a shared machine falls on all of them alike; they differ in what runs right before each sample, which matters a
 * lot on PGlite (a statement right after a different one runs with colder caches, in WASM and in V8):
 * - "shuffled": one call of each operation per turn, in a fresh random order every turn, so no operation always
 *   follows the same neighbour (a read right after a commit, say);
 * - "loops": LOOP_LENGTH calls of one operation back to back per turn — the "raw SELECT 1 loop", with the
 *   claims in loops of their own.
 */
async function measure(ops: ReadonlyArray<(i: number) => Promise<unknown>>, method: BenchMethod): Promise<Measurement[]> {
  const random = seededRandom(20261127);
  const samples = ops.map(() => [] as number[]);
  const turn = method === "shuffled" ? 1 : LOOP_LENGTH;
  const warmupTurns = Math.ceil(WARMUP / turn);
  const turns = warmupTurns + Math.ceil(ITERATIONS / turn);
  let call = 0;
  for (let t = 0; t < turns; t++) {
    for (const k of shuffledOrder(ops.length, random)) {
      for (let n = 0; n < turn; n++) {
        const t0 = performance.now();
        await ops[k]!(call++);
        if (t >= warmupTurns) samples[k]!.push(performance.now() - t0);
      }
    }
  }
  return samples.map((s) => {
    const total = s.reduce((a, b) => a + b, 0);
    s.sort((a, b) => a - b);
    return { p50: percentile(s, 50), p99: percentile(s, 99), opsPerSec: (s.length / total) * 1000, samples: s.length };
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
  await ledger.claim("bench", "existing");
  const rows: StoreBenchRow[] = [];
  for (const method of METHODS) rows.push(...(await benchMethod(store, ledger, target, method)));
  return rows;
}

async function benchMethod(store: Store, ledger: StoreIdempotencyLedger, target: string, method: BenchMethod): Promise<StoreBenchRow[]> {
  const run = randomBytes(4).toString("hex");
  const operations: Array<[string, (i: number) => Promise<unknown>]> = [
    [RAW, () => store.query("SELECT 1")],
    ["SELECT $1 (prepared)", (i) => queryPrepared(store, "bench_select", "SELECT $1::int AS n", [i])],
    [INSERT, (i) => queryPrepared(store, "bench_insert", RAW_INSERT, ["bench", `${run}:${i}`, randomUUID()])],
    [CLAIM_NEW, (i) => ledger.claim("bench", `${run}:${i}`)],
    [CLAIM_EXISTING, () => ledger.claim("bench", "existing")],
  ];
  const timings = await measure(operations.map(([, op]) => op), method);
  const measured = operations.map(([operation], k) => ({ operation, ...timings[k]! }));
  const raw = measured.find((m) => m.operation === RAW)!;
  const insert = measured.find((m) => m.operation === INSERT)!;
  return measured.map((m) => ({
    driver: store.driver, target, method, operation: m.operation, iterations: m.samples, p50Ms: m.p50, p99Ms: m.p99, opsPerSec: m.opsPerSec,
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
  const header = ["driver", "target", "method", "operation", "n", "p50 ms", "p99 ms", "ops/s", "p50 ×SELECT 1", "p50 ×INSERT"];
  const body = rows.map((r) => [
    r.driver, r.target, r.method, r.operation, String(r.iterations), r.p50Ms.toFixed(3), r.p99Ms.toFixed(3), Math.round(r.opsPerSec).toString(),
    r.ratioToRaw.toFixed(2), r.ratioToInsert.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** One line per driver and target: each claim kind against the ≤ 1.5× target, and the new-key claim against its INSERT floor. */
function verdicts(rows: readonly StoreBenchRow[]): string[] {
  const groups = new Map<string, StoreBenchRow[]>();
  for (const row of rows) {
    const name = `${row.driver} (${row.target}, ${row.method})`;
    groups.set(name, [...(groups.get(name) ?? []), row]);
  }
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
