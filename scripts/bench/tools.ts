/**
 * Tool envelope benchmark: per-call cost of the invocation envelope (validate input → ledger → attempts → validate
 * output → trace) against calling the handler directly, in the same run. Without the ledger the target is ≤ 50 µs of
 * overhead per call; with it, the ledger's cost in `SELECT 1` round trips on the same connection, the statements it
 * makes per call, and the floor of two raw durable writes — on PGlite (in memory) and PostgreSQL
 * (ARK_BENCH_DATABASE_URL or ARK_TEST_DATABASE_URL, a throwaway schema).
 * Run: `npx tsx scripts/bench/tools.ts`.
 */
import "reflect-metadata";
import { randomBytes, randomUUID } from "node:crypto";
import { createContractRegistry } from "../../core/contracts/index.js";
import type { ToolCallContext, ToolDomainContribution } from "../../core/plugin-api/index.js";
import { loadCoreMigrations } from "../../core/store/migration-source.js";
import { applyMigrations } from "../../core/store/migrator.js";
import { openStore } from "../../core/store/open-store.js";
import { queryPrepared } from "../../core/store/prepared-query.js";
import type { Store } from "../../core/store/store-port.js";
import { StoreIdempotencyLedger } from "../../core/tooling/idempotency-ledger.js";
import { ToolInvoker } from "../../core/tooling/tool-invoker.js";
import { isMain, median, printTable } from "./bench-format.js";

const CALLS = Number(process.env.ARK_BENCH_ITERATIONS ?? 20_000);
const LEDGER_CALLS = Math.min(CALLS, 2000);

const domain: ToolDomainContribution = {
  id: "bench",
  operations: {
    echo: {
      input: { type: "object", additionalProperties: false, required: ["text"], properties: { text: { type: "string", maxLength: 1000 }, n: { type: "integer" } } },
      output: { type: "object", required: ["text"], properties: { text: { type: "string" }, n: { type: "integer" } } },
      idempotent: true,
      handler: async (input: { text: string; n?: number }) => ({ text: input.text, n: input.n ?? 0 }),
    },
  },
};

const ctx: ToolCallContext = { domain: "bench", operation: "echo", idempotencyKey: "k", attempt: 1, scope: {}, signal: new AbortController().signal };

function invoker(store: Store | null): ToolInvoker {
  return new ToolInvoker({
    domains: { get: (id) => (id === "bench" ? domain : undefined), ids: () => ["bench"] },
    contracts: createContractRegistry(),
    ledger: store ? new StoreIdempotencyLedger(store) : null,
  });
}

/** µs per call, median of 5 batches. */
async function perCall(calls: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(500, calls); i++) await fn(-1 - i);
  const batches: number[] = [];
  const size = Math.max(1, Math.floor(calls / 5));
  for (let b = 0; b < 5; b++) {
    const began = performance.now();
    for (let i = 0; i < size; i++) await fn(b * size + i);
    batches.push(((performance.now() - began) * 1000) / size);
  }
  return median(batches);
}

/** Envelope µs without a ledger, and the same handler called directly. */
async function envelopeAlone(calls: number): Promise<{ direct: number; enveloped: number }> {
  const tools = invoker(null);
  const handler = domain.operations.echo!.handler;
  const direct = await perCall(calls, (i) => handler({ text: "hello", n: i }, ctx));
  const enveloped = await perCall(calls, (i) => tools.invoke({ domain: "bench", operation: "echo", input: { text: "hello", n: i } }));
  return { direct, enveloped };
}

/** A measured op, and optionally work after it that is not timed (a call's background ledger write). */
type BenchOp = ((i: number) => Promise<unknown>) | { readonly run: (i: number) => Promise<unknown>; readonly after: () => Promise<unknown> };

/**
 * p50 µs per call of each op, measured interleaved (a batch of each, round after round): load from other processes
 * on a shared machine falls on the baseline and the measured ops alike, and the p50 keeps their stalls out.
 */
async function perCallInterleaved(calls: number, ops: readonly BenchOp[]): Promise<number[]> {
  const steps = ops.map((op) => (typeof op === "function" ? { run: op, after: async () => undefined } : op));
  for (const op of steps) for (let i = 0; i < Math.min(200, calls); i++) await op.run(-1 - i).then(op.after);
  const rounds = 10;
  const size = Math.max(1, Math.floor(calls / rounds));
  const samples = ops.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < steps.length; k++) {
      for (let i = 0; i < size; i++) {
        const began = performance.now();
        await steps[k]!.run(r * size + i);
        samples[k]!.push((performance.now() - began) * 1000);
        await steps[k]!.after();
      }
    }
  }
  return samples.map(median);
}

async function withoutLedger(): Promise<{ row: (string | number)[]; direct: number }> {
  const { direct, enveloped } = await envelopeAlone(CALLS);
  return { direct, row: ["no ledger", "-", "-", enveloped, enveloped - direct, "-", "-", "-", "-", "-", "≤ 50 µs overhead", enveloped - direct <= 50 ? "met" : "missed"] };
}

/** A store that counts the statements (query/queryPrepared calls) made through it: each is one round trip. */
function counting(store: Store): { store: Store; statements: () => number } {
  let n = 0;
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (prop === "query" || prop === "queryPrepared") return (...args: unknown[]) => (n++, (value as (...a: unknown[]) => unknown).apply(target, args));
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { store: wrapped, statements: () => n };
}

/**
 * The ledger's cost on the caller's path: (envelope with ledger − envelope without), against one bare ledger claim
 * (the statement itself, a durable single-row write) and against `SELECT 1`, all on the same connection. A
 * side-effecting call makes two durable writes (claim, then completion: the handler runs between them); only the
 * claim is on the caller's path, the completion is written in the background. So the caller's path is measured (the
 * call answered; its background write awaited untimed before the next call), and the whole call with its completion,
 * next to the raw prepared INSERT + UPDATE of a ledger-shaped row ("floor"). On PostgreSQL each commit waits for a WAL
 * flush, which is why a write round trip costs several `SELECT 1`s.
 */
async function withLedger(store: Store, label: string): Promise<(string | number)[]> {
  await applyMigrations(store, await loadCoreMigrations());
  await store.query("CREATE TABLE bench_floor (LIKE ark_idempotency_ledger INCLUDING ALL)");
  const counted = counting(store);
  const tools = invoker(counted.store);
  const run = randomBytes(4).toString("hex");
  const call = (i: number) => tools.invoke({ domain: "bench", operation: "echo", input: { text: "hello", n: i }, idempotencyKey: `${run}:${i}` });
  for (let i = 0; i < 20; i++) await call(1_000_000 + i);
  await tools.drain();
  const before = counted.statements();
  const sample = 100;
  let onPath = 0;
  for (let i = 0; i < sample; i++) {
    const issued = counted.statements();
    await call(2_000_000 + i);
    onPath += counted.statements() - issued; // statements issued before the caller had its answer
    await tools.drain();
  }
  const statements = (counted.statements() - before) / sample;
  const pathStatements = onPath / sample;
  const plain = invoker(null);
  const ledger = new StoreIdempotencyLedger(store);
  const [raw, claim, floor, alone, answered, whole] = await perCallInterleaved(LEDGER_CALLS, [
    () => store.query("SELECT 1"),
    (i) => ledger.claim("bench:claim", `${run}:${i}`),
    async (i) => {
      const key = `${run}:floor:${i}`;
      await queryPrepared(store, "bench_floor_insert", FLOOR_INSERT, [key, randomUUID()]);
      await queryPrepared(store, "bench_floor_update", FLOOR_UPDATE, [key, JSON.stringify({ text: "hello", n: i })]);
    },
    (i) => plain.invoke({ domain: "bench", operation: "echo", input: { text: "hello", n: i } }),
    { run: (i) => call(3_000_000 + i), after: () => tools.drain() },
    (i) => call(4_000_000 + i).then(() => tools.drain()),
  ]) as [number, number, number, number, number, number];
  const path = answered - alone;
  return [
    `ledger, ${label}`, raw, claim, answered, path, `${pathStatements.toFixed(2)} / ${statements.toFixed(2)}`, (path / claim).toFixed(2), (path / raw).toFixed(2),
    ((whole - alone) / raw).toFixed(2), (floor / raw).toFixed(2), "one round trip", `${pathStatements.toFixed(2)} statements on the path (${pathStatements === 1 ? "met" : "missed"})`,
  ];
}

const FLOOR_INSERT = "INSERT INTO bench_floor (scope, key, state, claim_token, expires_at) VALUES ('bench', $1, 'pending', $2::uuid, now() + interval '15 minutes')";
const FLOOR_UPDATE = "UPDATE bench_floor SET state = 'completed', result = $2::jsonb, completed_at = now() WHERE scope = 'bench' AND key = $1";

async function postgres(url: string): Promise<(string | number)[]> {
  const schema = `ark_bench_tools_${process.pid}_${randomBytes(3).toString("hex")}`;
  const admin = await openStore({ driver: "postgres", url, poolMax: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const target = new URL(url);
  target.searchParams.set("options", `-c search_path=${schema}`);
  const store = await openStore({ driver: "postgres", url: target.toString(), poolMax: 1 });
  try {
    return await withLedger(store, "postgres");
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.close();
  }
}

/** Runs the tools benchmark and prints its table. */
export async function main(): Promise<void> {
  const alone = await withoutLedger();
  const rows = [alone.row];
  const pglite = await openStore({ driver: "pglite", dataDir: "memory://" });
  try {
    rows.push(await withLedger(pglite, "pglite"));
  } finally {
    await pglite.close();
  }
  const url = process.env.ARK_BENCH_DATABASE_URL ?? process.env.ARK_TEST_DATABASE_URL;
  if (url) rows.push(await postgres(url));
  else rows.push(["ledger, postgres", "skipped: set ARK_BENCH_DATABASE_URL", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"]);
  printTable(
    "Tool invocation envelope, µs per call (no ledger: median of 5 batches; ledger rows: p50 over 10 interleaved rounds).\n" +
      "Overhead: against the direct handler (no ledger) / against the envelope without a ledger " +
      "(ledger rows: until the caller has its answer). stmts: issued before the answer / in all; claims = the overhead / one bare " +
      "ledger claim; trips = / SELECT 1 " +
      "(path, and total with the background completion); floor = raw INSERT + UPDATE / SELECT 1",
    ["case", "SELECT 1 µs", "claim µs", "envelope µs", "overhead µs", "stmts path/all", "claims", "path trips", "total trips", "floor trips", "target", "result"],
    rows,
  );
  process.stdout.write(
    `  The handler called directly: ${alone.direct.toFixed(3)} µs per call.\n` +
      "  A side-effecting call needs two durable statements, claim (before the handler) and completion (after it); the\n" +
      "  caller waits for the claim only, so its path costs one claim round trip.\n",
  );
}

if (isMain(import.meta.url)) await main();
