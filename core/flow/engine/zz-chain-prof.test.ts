import { it } from "vitest";
import { openIsolatedStore } from "../../../test/support/store-harness.js";
import { createTestEngine, importFlow } from "../../../core/flow/testing/flow-test-kit.js";

it("chain timing", async () => {
  const driver = (process.env.DRIVER ?? "postgres") as "postgres" | "pglite";
  const iso = await openIsolatedStore(driver, { migrate: "core", poolMax: 8 });
  const t = await createTestEngine(iso.store);
  const n = 100;
  const nodes = ["  - id: start\n    type: start"];
  const conns: string[] = [];
  for (let i = 1; i <= n; i++) { nodes.push(`  - id: n${i}\n    type: ${process.env.NT ?? "record"}`); conns.push(`  - source: ${i === 1 ? "start" : `n${i - 1}`}\n    target: n${i}`); }
  const yaml = `schema_version: 1\nname: chain\nnodes:\n${nodes.join("\n")}\nconnectors:\n${conns.join("\n")}\n`;
  const id = await importFlow(t.engine, yaml);
  const started = performance.now();
  const run = await t.engine.startRun({ flowchartId: id });
  const done = await t.engine.waitForRun(run.id, { timeoutMs: 60000 });
  const ms = performance.now() - started;
  console.log(JSON.stringify((globalThis as any).__prof), driver, done.status, `${n + 1} nodes in ${ms.toFixed(0)} ms = ${((n + 1) / ms * 1000).toFixed(1)}/s`);
  await t.dispose();
  await iso.dispose();
}, 120000);
