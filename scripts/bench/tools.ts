/**
 * Tool envelope benchmark: per-call cost of the invocation envelope (validate input → ledger → attempts → validate
 * output → trace) against calling the handler directly, in the same run. Without the ledger the target is ≤ 50 µs of
 * overhead per call; with it, the ledger's cost against one raw `SELECT 1` round trip on the same connection — on
 * PGlite (in memory) and PostgreSQL (ARK_BENCH_DATABASE_URL or ARK_TEST_DATABASE_URL, a throwaway schema).
 * Run: `npx tsx scripts/bench/tools.ts`.
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { createContractRegistry } from "../../core/contracts/index.js";
import type { ToolCallContext, ToolDomainContribution } from "../../core/plugin-api/index.js";
import { loadCoreMigrations } from "../../core/store/migration-source.js";
import { applyMigrations } from "../../core/store/migrator.js";
import { openStore } from "../../core/store/open-store.js";
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

async function withoutLedger(): Promise<(string | number)[]> {
  const tools = invoker(null);
  const handler = domain.operations.echo!.handler;
  const direct = await perCall(CALLS, (i) => handler({ text: "hello", n: i }, ctx));
  const enveloped = await perCall(CALLS, (i) => tools.invoke({ domain: "bench", operation: "echo", input: { text: "hello", n: i } }));
  return ["no ledger", "-", direct, enveloped, enveloped - direct, "≤ 50 µs overhead", enveloped - direct <= 50 ? "met" : "missed"];
}

async function withLedger(store: Store, label: string): Promise<(string | number)[]> {
  await applyMigrations(store, await loadCoreMigrations());
  const tools = invoker(store);
  const run = randomBytes(4).toString("hex");
  const raw = await perCall(LEDGER_CALLS, () => store.query("SELECT 1"));
  const enveloped = await perCall(LEDGER_CALLS, (i) =>
    tools.invoke({ domain: "bench", operation: "echo", input: { text: "hello", n: i }, idempotencyKey: `${run}:${i}` }));
  const trips = enveloped / raw;
  return [`ledger, ${label}`, raw, "-", enveloped, enveloped - raw, "one round trip", `${trips.toFixed(2)}x SELECT 1`];
}

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
  const rows = [await withoutLedger()];
  const pglite = await openStore({ driver: "pglite", dataDir: "memory://" });
  try {
    rows.push(await withLedger(pglite, "pglite"));
  } finally {
    await pglite.close();
  }
  const url = process.env.ARK_BENCH_DATABASE_URL ?? process.env.ARK_TEST_DATABASE_URL;
  if (url) rows.push(await postgres(url));
  else rows.push(["ledger, postgres", "skipped: set ARK_BENCH_DATABASE_URL", "-", "-", "-", "-", "-"]);
  printTable(
    "Tool invocation envelope, µs per call (median of 5 batches)",
    ["case", "SELECT 1 µs", "handler µs", "envelope µs", "overhead µs", "target", "result"],
    rows,
  );
}

if (isMain(import.meta.url)) await main();
