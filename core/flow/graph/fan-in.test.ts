import { describe, expect, it } from "vitest";
import { isArkError } from "../../errors/index.js";
import {
  emptyFanInState,
  FanInOffers,
  offerToken,
  resolveFanInRequirement,
  restoreFanInState,
  selectReadyParents,
  serialiseFanInState,
  stalledJoins,
  type FanInState,
  type JoinRequirement,
  type UpstreamToken,
} from "./fan-in.js";

function token(source: string, sequence: number, executionIndex = 1): UpstreamToken {
  return { source_node_id: source, source_edge_id: `${source}->j`, node_type: "decision", condition_key: null, edge_mode: "solid", execution_index: executionIndex, sequence, output_state: { seq: sequence }, routing_state: {} };
}

/** Offers tokens in order; returns the activations as [parent@sequence] lists and the final state. */
function feed(join: JoinRequirement, tokens: UpstreamToken[], state: FanInState = emptyFanInState()) {
  const fired: string[][] = [];
  for (const t of tokens) {
    const result = offerToken(state, "j", t, join);
    state = result.state;
    fired.push(...result.activations.map((a) => a.map((x) => `${x.source_node_id}@${x.sequence}`)));
  }
  return { fired, state };
}

describe("resolveFanInRequirement (§5.2)", () => {
  it.each([
    [{}, 0, 0],
    [{ fan_in_mode: "any" }, 1, 1],
    [{}, 3, 3],
    [{ fan_in_mode: "ALL" }, 3, 3],
    [{ fan_in_mode: "bogus" }, 3, 3],
    [{ fan_in_mode: "any" }, 3, 1],
    [{ fan_in_mode: "custom", fan_in_custom_count: 2 }, 3, 2],
    [{ fan_in_mode: "custom_n", fan_in_custom_count: "2" }, 3, 2],
    [{ fan_in_mode: "custom-n", fan_in_custom_count: 9 }, 3, 3],
    [{ fan_in_mode: "custom", fan_in_custom_count: 0 }, 3, 3],
    [{ fan_in_mode: "custom" }, 3, 3],
    [{ fan_in_mode: "custom", fan_in_custom_count: "x" }, 3, 3],
  ])("%j with %i parents → %i", (config, parents, required) => {
    expect(resolveFanInRequirement(config, parents)).toBe(required);
  });
});

describe("selectReadyParents (§5.2)", () => {
  const q = (...seqs: number[]) => seqs.map((sequence) => ({ sequence }));
  it("selects nothing below the requirement", () => {
    expect(selectReadyParents({ a: q(1) }, ["a", "b"], 2)).toEqual([]);
    expect(selectReadyParents({ a: q(1) }, ["a"], 0)).toEqual([]);
  });
  it("selects all parents in sorted order when all are required", () => {
    expect(selectReadyParents({ b: q(1), a: q(5) }, ["a", "b"], 2)).toEqual(["a", "b"]);
  });
  it("ranks ready parents by their oldest token's sequence, then id", () => {
    expect(selectReadyParents({ a: q(9), b: q(4), c: q(4, 1) }, ["a", "b", "c"], 1)).toEqual(["b"]);
    expect(selectReadyParents({ a: q(9), b: q(4), c: q(2) }, ["a", "b", "c"], 2)).toEqual(["c", "b"]);
    expect(selectReadyParents({ n10: q(3), n2: q(3) }, ["n2", "n10"], 1)).toEqual(["n2"]);
  });
});

describe("offerToken: FIFO token bookkeeping", () => {
  it("all: waits for every parent, then pairs the k-th tokens of each (loops)", () => {
    const { fired, state } = feed({ parentIds: ["a", "b"], required: 2 }, [token("a", 1), token("a", 3), token("b", 4), token("b", 6), token("b", 7)]);
    expect(fired).toEqual([["a@1", "b@4"], ["a@3", "b@6"]]);
    expect(state.queues).toEqual({ j: { b: [token("b", 7)] } });
  });

  it("any: fires once per token", () => {
    const { fired, state } = feed({ parentIds: ["a", "b"], required: 1 }, [token("b", 2), token("a", 3)]);
    expect(fired).toEqual([["b@2"], ["a@3"]]);
    expect(state.queues).toEqual({});
  });

  it("custom 2 of 3: the two parents with the oldest tokens fire together", () => {
    const { fired, state } = feed({ parentIds: ["a", "b", "c"], required: 2 }, [token("c", 1), token("c", 2), token("a", 5)]);
    expect(fired).toEqual([["c@1", "a@5"]]);
    expect(state.queues.j).toEqual({ c: [token("c", 2)] });
    const more = feed({ parentIds: ["a", "b", "c"], required: 2 }, [token("b", 6)], state);
    expect(more.fired).toEqual([["c@2", "b@6"]]);
  });

  it("fires at once for a target without solid parents", () => {
    const result = offerToken(emptyFanInState(), "j", token("x", 1), { parentIds: [], required: 0 });
    expect(result.activations).toEqual([[token("x", 1)]]);
  });

  it("rejects a token from a node that is not a solid parent", () => {
    try {
      offerToken(emptyFanInState(), "j", token("x", 1), { parentIds: ["a"], required: 1 });
      expect.unreachable();
    } catch (error) {
      expect(isArkError(error, "ARK_INVALID_ARGUMENT")).toBe(true);
      expect((error as Error).message).toBe("Token from node x cannot reach node j: it is not one of its solid parents (a).");
    }
  });

  it("never mutates the state it was given", () => {
    const first = offerToken(emptyFanInState(), "j", token("a", 1), { parentIds: ["a", "b"], required: 2 }).state;
    const snapshot = serialiseFanInState(first);
    offerToken(first, "j", token("b", 2), { parentIds: ["a", "b"], required: 2 });
    expect(serialiseFanInState(first)).toBe(snapshot);
  });
});

describe("durable state", () => {
  it("round-trips through JSON text", () => {
    const { state } = feed({ parentIds: ["a", "b"], required: 2 }, [token("a", 1), token("a", 2)]);
    const restored = restoreFanInState(serialiseFanInState(state));
    expect(restored).toEqual(state);
    expect(feed({ parentIds: ["a", "b"], required: 2 }, [token("b", 3)], restored).fired).toEqual([["a@1", "b@3"]]);
  });

  it.each([
    ["{oops", "Fan-in state is not valid JSON."],
    [{ version: 2, queues: {} }, "Fan-in state must be {version: 1, queues: {...}}."],
    [{ version: 1, queues: { j: [] } }, "Fan-in state queues.j must map parent ids to token lists."],
    [{ version: 1, queues: { j: { a: {} } } }, "Fan-in state queues.j.a must be a list of tokens."],
    [{ version: 1, queues: { j: { a: [{ ...token("b", 1) }] } } }, "Fan-in state queues.j.a[0] must be a token from node a"],
    [{ version: 1, queues: { j: { a: [{ ...token("a", 1), sequence: "1" }] } } }, "Fan-in state queues.j.a[0] must be a token from node a"],
  ])("rejects %j", (stored, message) => {
    expect(() => restoreFanInState(stored)).toThrow(message);
    try {
      restoreFanInState(stored);
    } catch (error) {
      expect(isArkError(error, "ARK_FLOW_STATE_INVALID")).toBe(true);
    }
  });
});

describe("stalledJoins", () => {
  it("reports joins left with tokens and the parents they still wait for", () => {
    const { state } = feed({ parentIds: ["a", "b", "c"], required: 3 }, [token("a", 1), token("c", 2)]);
    expect(stalledJoins(state, () => ({ parentIds: ["a", "b", "c"], required: 3 }))).toEqual([
      {
        targetNodeId: "j",
        deliveredParentIds: ["a", "c"],
        missingParentIds: ["b"],
        queuedTokenCount: 2,
        message: "Node j holds 2 token(s) that never fired: its fan-in waits for 3 of 3 solid parents, but only a, c delivered (missing: b).",
      },
    ]);
    expect(stalledJoins(emptyFanInState(), () => ({ parentIds: [], required: 0 }))).toEqual([]);
  });
});

describe("FanInOffers: many offers in a row", () => {
  it("fires exactly as offerToken one after another, for all, any and custom joins, and leaves its initial state alone", () => {
    const parents = ["a", "b", "c", "d"];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const required of [4, 1, 2, 3]) {
      const join = { parentIds: parents, required };
      const tokens = Array.from({ length: 60 }, (_, i) => token(parents[Math.floor(next() * parents.length)]!, i + 1));
      const start = feed(join, tokens.slice(0, 5)).state;
      const frozen = JSON.stringify(start);
      const oneByOne = feed(join, tokens.slice(5), start);
      const offers = new FanInOffers(start);
      const fired = tokens.slice(5).flatMap((t) => offers.offer("j", t, join).map((a) => a.map((x) => `${x.source_node_id}@${x.sequence}`)));
      expect(fired).toEqual(oneByOne.fired);
      expect(offers.state()).toEqual(oneByOne.state);
      expect(JSON.stringify(start)).toBe(frozen);
    }
  });

  it("hands out a state that later offers do not change, and refuses a token from a non-parent", () => {
    const join = { parentIds: ["a", "b"], required: 2 };
    const offers = new FanInOffers(emptyFanInState());
    offers.offer("j", token("a", 1), join);
    const before = offers.state();
    offers.offer("j", token("a", 2), join);
    expect(before.queues.j!.a!.map((t) => t.sequence)).toEqual([1]);
    expect(offers.state().queues.j!.a!.map((t) => t.sequence)).toEqual([1, 2]);
    expect(() => offers.offer("j", token("x", 3), join)).toThrow(/not one of its solid parents/);
  });
});
