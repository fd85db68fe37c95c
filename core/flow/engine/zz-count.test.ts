import { it } from "vitest";
import { openIsolatedStore } from "../../../test/support/store-harness.js";
import { createTestEngine, importFlow } from "../testing/flow-test-kit.js";
import type { Store, Transaction } from "../../store/store-port.js";

const times = new Map<string, number>();
function counting(store: Store, counts: Map<string, number>): Store {
  const note = (sql: string, ms = 0) => { const k = sql.replace(/\s+/g, " ").trim().slice(0, 60); counts.set(k, (counts.get(k) ?? 0) + 1); times.set(k, (times.get(k) ?? 0) + ms); };
  const timed = async (sql: string, p: Promise<any>) => { const t0 = performance.now(); try { return await p; } finally { note(sql, performance.now() - t0); } };
  const wrapTx = (tx: Transaction): Transaction => ({
    query: (sql, params) => timed(sql, tx.query(sql, params)),
    transaction: (fn) => { note("SAVEPOINT"); return tx.transaction((inner) => fn(wrapTx(inner))); },
  });
  return new Proxy(store, {
    get(target, prop) {
      if (prop === "query") return (sql: string, params?: unknown[]) => timed(sql, target.query(sql, params));
      if (prop === "transaction") return (fn: (tx: Transaction) => Promise<unknown>) => { note("BEGIN"); return target.transaction((tx) => fn(wrapTx(tx))); };
      const v = (target as any)[prop]; return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

it("count", async () => {
  const iso = await openIsolatedStore((process.env.DRIVER ?? "pglite") as any, { migrate: "core", poolMax: 8 });
  const counts = new Map<string, number>();
  const store = counting(iso.store, counts);
  const t = await createTestEngine(store);
  const n = 50; const nt = process.env.NT ?? "record";
  const nodes = ["  - id: start\n    type: start"]; const conns: string[] = [];
  for (let i = 1; i <= n; i++) {
    nodes.push(`  - id: n${i}\n    type: ${nt}`);
    const src = i === 1 ? "start" : `n${i - 1}`;
    conns.push(`  - source: ${src}\n    target: n${i}` + (nt === "decision" && i > 1 ? `\n    condition_key: go\n    condition: "node.type == decision"` : ""));
  }
  nodes.push("  - id: end\n    type: end");
  conns.push(`  - source: n${n}\n    target: end` + (nt === "decision" ? `\n    condition_key: go\n    condition: "node.type == decision"` : ""));
  const id = await importFlow(t.engine, `schema_version: 1\nname: chain\nnodes:\n${nodes.join("\n")}\nconnectors:\n${conns.join("\n")}\n`);
  counts.clear();
  const run = await t.engine.startRun({ flowchartId: id });
  await t.engine.waitForRun(run.id, { timeoutMs: 60000 });
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  let total = 0; for (const [, c] of sorted) total += c;
  console.log("TOTAL per node", (total / (n + 1)).toFixed(1));
  for (const [k, c] of sorted) console.log(String((c / (n + 1)).toFixed(2)).padStart(6), ((times.get(k) ?? 0) / c).toFixed(2).padStart(6), k);
  await t.dispose(); await iso.dispose();
}, 60000);
