import { it } from "vitest";
import { openIsolatedStore } from "../../../test/support/store-harness.js";
import { createTestEngine, importFlow } from "../testing/flow-test-kit.js";

it("chain timing", async () => {
  const driver = (process.env.DRIVER ?? "postgres") as "postgres" | "pglite";
  const nt = process.env.NT ?? "record";
  const iso = await openIsolatedStore(driver, { migrate: "core", poolMax: 8 });
  const t = await createTestEngine(iso.store);
  const n = Number(process.env.N ?? 200);
  const nodes = ["  - id: start\n    type: start"];
  const conns: string[] = [];
  for (let i = 1; i <= n; i++) {
    nodes.push(`  - id: n${i}\n    type: ${nt}`);
    const src = i === 1 ? "start" : `n${i - 1}`;
    conns.push(`  - source: ${src}\n    target: n${i}` + (nt === "decision" && i > 1 ? `\n    condition_key: go\n    condition: "node.type == decision"` : ""));
  }
  nodes.push("  - id: end\n    type: end");
  conns.push(`  - source: n${n}\n    target: end` + (nt === "decision" ? `\n    condition_key: go\n    condition: "node.type == decision"` : ""));
  const id = await importFlow(t.engine, `schema_version: 1\nname: chain\nnodes:\n${nodes.join("\n")}\nconnectors:\n${conns.join("\n")}\n`);
  const started = performance.now();
  const run = await t.engine.startRun({ flowchartId: id });
  const done = await t.engine.waitForRun(run.id, { timeoutMs: 120000 });
  const ms = performance.now() - started;
  console.log(driver, nt, done.status, done.failureMessage, `${n + 2} nodes in ${ms.toFixed(0)} ms = ${((n + 2) / ms * 1000).toFixed(1)}/s`);
  await t.dispose();
  await iso.dispose();
}, 180000);
