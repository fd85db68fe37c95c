/**
 * RAG benchmark (tools-rag): generate a corpus of ≥ 1,000 files (markdown, TypeScript, text), index it fresh on
 * PGlite (in memory) and on PostgreSQL (ARK_BENCH_DATABASE_URL or ARK_TEST_DATABASE_URL, a throwaway schema) →
 * files/s and chunks/s; then ≥ 200 full-text queries → p50/p99 latency, each query run twice, interleaved: with
 * its retrieval audit rows (the default) and with auditing off (`audit.retentionDays: 0`), so the audit INSERT's cost
 * shows; then a delta index after changing 5% of the files. Full-text only (no embeddings endpoint).
 * Run: `npx tsx scripts/bench/rag.ts`.
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { openStore } from "../../core/store/open-store.js";
import type { Store } from "../../core/store/store-port.js";
import { resolveRagSettings } from "../../plugins/tools-rag/rag-config.js";
import { RagDomain } from "../../plugins/tools-rag/rag-domain.js";
import { ragAuditMigration } from "../../plugins/tools-rag/rag-audit-migration.js";
import { ragSchemaMigration } from "../../plugins/tools-rag/rag-schema-migration.js";
import { isMain, percentile, printTable } from "./bench-format.js";

const FILES = Math.max(1000, Number(process.env.ARK_BENCH_RAG_FILES ?? 1200));
const QUERIES = Math.max(200, Number(process.env.ARK_BENCH_RAG_QUERIES ?? 250));
const WORDS = ("kernel plugin store index query chunk vector collection workspace command git memory plan milestone decision flow node run " +
  "lease queue event channel socket redis postgres pglite schema migration executor dispatcher sandbox token ledger retry fallback trace " +
  "zebra giraffe pelican quokka otter walrus badger falcon heron lynx marten newt osprey puffin raven stoat tern vole wren yak").split(" ");

/** A deterministic PRNG (mulberry32), so every run indexes the same corpus. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentence(rand: () => number, words: number): string {
  return Array.from({ length: words }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(" ");
}

function fileText(kind: number, rand: () => number, version: number): string {
  const sections = 3 + Math.floor(rand() * 5);
  if (kind === 0) return Array.from({ length: sections }, (_, s) => `## Section ${s} ${sentence(rand, 2)}\n\n${sentence(rand, 60)}.\n\n${sentence(rand, 40)} v${version}.\n`).join("\n");
  if (kind === 1) return Array.from({ length: sections * 4 }, (_, s) => `export function f${s}_${version}(x: number): string {\n  // ${sentence(rand, 10)}\n  return "${sentence(rand, 6)}" + x;\n}\n`).join("\n");
  return Array.from({ length: sections }, () => `${sentence(rand, 50)}.\n${sentence(rand, 30)}.\n`).join("\n");
}

async function writeCorpus(root: string, version: number, only?: (i: number) => boolean): Promise<number> {
  const rand = prng(42 + version);
  let written = 0;
  for (let i = 0; i < FILES; i++) {
    const kind = i % 3;
    const text = fileText(kind, rand, version);
    if (only && !only(i)) continue;
    const rel = path.join(`dir${i % 20}`, `file${i}.${["md", "ts", "txt"][kind]}`);
    await mkdir(path.join(root, path.dirname(rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
    written++;
  }
  return written;
}

async function benchStore(store: Store, label: string, corpus: string): Promise<(string | number)[][]> {
  await store.query(ragSchemaMigration.sql);
  await store.query(ragAuditMigration.sql);
  const settings = resolveRagSettings({ collections: { bench: { path: corpus } } }, null);
  const domain = new RagDomain();
  domain.slot.bind({ settings, store });
  const unaudited = new RagDomain();
  unaudited.slot.bind({ settings: { ...settings, auditRetentionDays: 0 }, store });
  const ctx = { scope: {}, signal: new AbortController().signal };
  let began = performance.now();
  const fresh = await domain.index({ collections: ["bench"], mode: "fresh" }, ctx);
  const freshSeconds = (performance.now() - began) / 1000;
  const rand = prng(7);
  const latencies: [number[], number[]] = [[], []];
  for (let i = 0; i < QUERIES; i++) {
    const text = sentence(rand, 1 + Math.floor(rand() * 3));
    // Alternate which runs first, so neither always follows the other's write.
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const query = [domain, unaudited][k]!.operations.query!.handler;
      const t = performance.now();
      await query({ collections: ["bench"], query: text, top_k: 5 }, { domain: "rag", operation: "query", idempotencyKey: `q${i}`, attempt: 1, ...ctx });
      latencies[k]!.push(performance.now() - t);
    }
  }
  const changed = await writeCorpus(corpus, 2, (i) => i % 20 === 0);
  began = performance.now();
  const delta = await domain.index({ collections: ["bench"], mode: "delta" }, ctx);
  const deltaSeconds = (performance.now() - began) / 1000;
  await writeCorpus(corpus, 1, (i) => i % 20 === 0); // restore, so the next store indexes the same corpus
  return [
    [`fresh index, ${label}`, String(fresh.total_files), String(fresh.total_chunks), freshSeconds, fresh.total_files / freshSeconds, fresh.total_chunks / freshSeconds, "-", "-"],
    ...(["audited", "audits off"] as const).map((kind, k) => [
      `query (${QUERIES}x, ${kind}), ${label}`, "-", "-", latencies[k]!.reduce((a, b) => a + b, 0) / 1000, "-", "-", percentile(latencies[k]!, 50), percentile(latencies[k]!, 99),
    ]),
    [`delta (${changed} changed), ${label}`, `${delta.indexed} of ${delta.total_files}`, String(delta.sources[0]!.chunk_count), deltaSeconds, FILES / deltaSeconds, "-", "-", "-"],
  ];
}

async function postgres(url: string, corpus: string): Promise<(string | number)[][]> {
  const schema = `ark_bench_rag_${process.pid}_${randomBytes(3).toString("hex")}`;
  const admin = await openStore({ driver: "postgres", url, poolMax: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const target = new URL(url);
  target.searchParams.set("options", `-c search_path=${schema}`);
  const store = await openStore({ driver: "postgres", url: target.toString(), poolMax: 2 });
  try {
    return await benchStore(store, "postgres", corpus);
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.close();
  }
}

/** Runs the RAG benchmark and prints its table. */
export async function main(): Promise<void> {
  const corpus = await mkdtemp(path.join(tmpdir(), "ark-bench-rag-"));
  try {
    await writeCorpus(corpus, 1);
    const rows: (string | number)[][] = [];
    const pglite = await openStore({ driver: "pglite", dataDir: "memory://" });
    try {
      rows.push(...(await benchStore(pglite, "pglite", corpus)));
    } finally {
      await pglite.close();
    }
    const url = process.env.ARK_BENCH_DATABASE_URL ?? process.env.ARK_TEST_DATABASE_URL;
    if (url) rows.push(...(await postgres(url, corpus)));
    else rows.push(["postgres", "skipped: set ARK_BENCH_DATABASE_URL", "-", "-", "-", "-", "-", "-"]);
    printTable(
      `RAG (tools-rag), ${FILES} files (md/ts/txt), full-text only; delta after changing 5% of the files`,
      ["case", "files", "chunks", "seconds", "files/s", "chunks/s", "p50 ms", "p99 ms"],
      rows,
    );
  } finally {
    await rm(corpus, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await main();
