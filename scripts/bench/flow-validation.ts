/**
 * Flow validation benchmark: how validation time grows with the size of a flowchart. A chain of decision nodes is
 * validated at SMALL and at 10× as many nodes; the time per node at the large size over the time per node at the small
 * one is the scaling ratio: about 1 when validation is linear, about 10 when it is quadratic (as it was: the join
 * analysis walked the whole graph once per decision node, so importing a 20,000-node file did not finish in minutes).
 * Target: ≤ 2× (linear, with room for cache effects). Run: `npx tsx scripts/bench/flow-validation.ts`.
 */
import { validateGraphPayload } from "../../core/flow/graph/validate-graph.js";
import { fmt, isMain, median, printTable } from "./bench-format.js";

const SMALL = 2000;
const LARGE = SMALL * 10;
const TARGET_RATIO = 2;

/** start → n0 → n1 → … → end, every n a decision node. */
function decisionChain(n: number): { nodes: unknown[]; connectors: unknown[] } {
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  const nodes = [{ id: "start", type: "start" }, ...ids.map((id) => ({ id, type: "decision", config: {} })), { id: "end", type: "end" }];
  const order = ["start", ...ids, "end"];
  const connectors = order.slice(1).map((target, i) => ({ source: order[i], target }));
  return { nodes, connectors };
}

/** Median milliseconds of `runs` validations of `payload`. */
function timeValidation(payload: unknown, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    validateGraphPayload(payload);
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Runs the benchmark and prints the table and the verdict; returns the scaling ratio. */
export async function main(): Promise<number> {
  const small = decisionChain(SMALL);
  const large = decisionChain(LARGE);
  timeValidation(small, 3); // warm-up: JIT
  const smallMs = timeValidation(small, 7);
  const largeMs = timeValidation(large, 3);
  const ratio = largeMs / LARGE / (smallMs / SMALL);
  printTable("Flow validation: a chain of decision nodes", ["nodes", "ms (median)", "µs per node"], [
    [SMALL, fmt(smallMs), fmt((smallMs / SMALL) * 1000)],
    [LARGE, fmt(largeMs), fmt((largeMs / LARGE) * 1000)],
  ]);
  process.stdout.write(`scaling: 10× the nodes costs ${ratio.toFixed(2)}× the time per node (${ratio <= TARGET_RATIO ? "meets" : "misses"} ≤ ${TARGET_RATIO}×: linear)\n`);
  return ratio;
}

if (isMain(import.meta.url)) await main();
