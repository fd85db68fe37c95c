import { describe, expect, it } from "vitest";
import type { FlowGraph } from "./graph-model.js";
import { graphOf } from "./test-support.js";
import { validateGraph } from "./validate-graph.js";

const warnings = (graph: FlowGraph) => validateGraph(graph).warnings.filter((w) => w.code.startsWith("join_"));

describe("joins that can never fire", () => {
  it("finds an all-join fed by a loop back through itself", () => {
    // s → j; j → d; d → j (loop back). j waits for s and d, but d only runs after j.
    const graph = graphOf([["s", "start"], ["j", "decision"], ["d", "decision"], ["e", "end"]], [["s", "j"], ["j", "d", "solid", "loop"], ["j", "e", "solid", "exit"], ["d", "j", "solid", "back"]]);
    const found = warnings(graph);
    expect(found).toEqual([
      {
        code: "join_never_fires",
        nodeId: "j",
        message: "Node j (decision) can never run: its fan-in waits for 2 of 2 solid parents, but d can only run after node j itself (or never). Use fan_in_mode any (or custom) where a loop re-enters a join.",
      },
    ]);
    // Disconnected would be an error too: d and e are only reachable through j, which is reachable, so they are not.
    expect(validateGraph(graph).valid).toBe(true);
  });

  it("accepts the same loop with fan_in_mode any, and a custom count the early parents can meet", () => {
    const loop = (config: Record<string, unknown>) =>
      graphOf([["s", "start"], ["j", "decision", config], ["d", "decision"], ["e", "end"]], [["s", "j"], ["j", "d", "solid", "loop"], ["j", "e", "solid", "exit"], ["d", "j", "solid", "back"]]);
    expect(warnings(loop({ fan_in_mode: "any" }))).toEqual([]);
    expect(warnings(loop({ fan_in_mode: "custom", fan_in_custom_count: 1 }))).toEqual([]);
    expect(warnings(loop({ fan_in_mode: "custom", fan_in_custom_count: 2 })).map((w) => w.code)).toEqual(["join_never_fires"]);
  });

  it("finds a self-loop on an all-join", () => {
    const graph = graphOf([["s", "start"], ["j", "decision"], ["e", "end"]], [["s", "j"], ["j", "j", "solid", "again"], ["j", "e", "solid", "done"]]);
    expect(warnings(graph).map((w) => [w.code, w.nodeId])).toEqual([["join_never_fires", "j"]]);
  });

  it("warns about an all-join whose parents are on different branches of one decision", () => {
    const graph = graphOf(
      [["s", "start"], ["d", "decision"], ["a", "decision"], ["b", "decision"], ["j", "end"]],
      [["s", "d"], ["d", "a", "solid", "yes"], ["d", "b", "solid", "no"], ["a", "j", "solid", "k"], ["b", "j", "solid", "k"]],
    );
    expect(warnings(graph)).toEqual([
      {
        code: "join_exclusive_branches",
        nodeId: "j",
        message: "Node j (end) waits for all of its solid parents, but a and b are on different branches of decision node d (connectors yes / no): it runs only when d matches both in the same execution.",
      },
    ]);
  });

  it("stays quiet where it cannot be sure: any-joins, shared branches, parents outside the decision, decisions in loops", () => {
    const anyJoin = graphOf(
      [["s", "start"], ["d", "decision"], ["a", "decision"], ["b", "decision"], ["j", "end", { fan_in_mode: "any" }]],
      [["s", "d"], ["d", "a", "solid", "yes"], ["d", "b", "solid", "no"], ["a", "j", "solid", "k"], ["b", "j", "solid", "k"]],
    );
    const sharedBranch = graphOf(
      [["s", "start"], ["d", "decision"], ["a", "decision"], ["b", "decision"], ["j", "end"]],
      [["s", "d"], ["d", "a", "solid", "yes"], ["a", "b", "solid", "k"], ["a", "j", "solid", "k2"], ["b", "j", "solid", "k"]],
    );
    const outside = graphOf(
      [["s", "start"], ["d", "decision"], ["a", "decision"], ["j", "end"]],
      [["s", "d"], ["s", "j"], ["d", "a", "solid", "yes"], ["d", "j", "solid", "no"], ["a", "j", "solid", "k"]],
    );
    const inLoop = graphOf(
      [["s", "start"], ["d", "decision", { fan_in_mode: "any" }], ["a", "decision"], ["b", "decision"], ["j", "decision"], ["e", "end"]],
      [["s", "d"], ["d", "a", "solid", "yes"], ["d", "b", "solid", "no"], ["a", "j", "solid", "k"], ["b", "j", "solid", "k"], ["j", "d", "solid", "again"], ["j", "e", "solid", "stop"]],
    );
    for (const graph of [anyJoin, sharedBranch, outside, inLoop]) expect(warnings(graph)).toEqual([]);
  });

  it("plain fan-out / fan-in from a non-decision node is fine", () => {
    const graph = graphOf([["s", "start"], ["a", "decision"], ["b", "decision"], ["j", "end"]], [["s", "a"], ["s", "b"], ["a", "j", "solid", "k"], ["b", "j", "solid", "k"]]);
    expect(warnings(graph)).toEqual([]);
  });
});
