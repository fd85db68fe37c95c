import { describe, expect, it } from "vitest";
import { syncDecisionConnectors } from "./decision-sync.js";
import { createNodeTypeCapabilityRegistry } from "./node-type-capabilities.js";
import { graphOf } from "./test-support.js";

describe("syncDecisionConnectors (§2.4)", () => {
  it("gives missing and duplicate keys the next free connector_{n} and rebuilds decision_conditions in connector order", () => {
    const graph = graphOf(
      [
        ["s", "start"],
        [
          "d",
          "decision",
          {
            fallback_condition_key: "yes",
            decision_conditions: [
              { connector_id: "yes", condition_text: "a == 1", label: "dropped" },
              { connector_id: "stale", condition_text: "gone" },
              { connector_id: "yes", condition_text: "second entry ignored" },
            ],
          },
        ],
        ["a", "end"],
        ["b", "end"],
        ["c", "end"],
      ],
      [["s", "d"], ["d", "a"], ["d", "b", "solid", "yes"], ["d", "c", "solid", "yes", "dup"], ["d", "a", "dotted", "ctx", "pull"]],
    );
    const { graph: synced, changes } = syncDecisionConnectors(graph);
    expect(synced.connectors.map((c) => [c.id, c.conditionKey])).toEqual([
      ["s->d", null],
      ["d->a", "connector_1"],
      ["d->b", "yes"],
      ["dup", "connector_2"],
      ["pull", "ctx"],
    ]);
    expect(changes).toEqual([
      { nodeId: "d", connectorId: "d->a", from: null, to: "connector_1", reason: "generated" },
      { nodeId: "d", connectorId: "dup", from: "yes", to: "connector_2", reason: "deduplicated" },
    ]);
    expect(synced.nodes[1]!.config).toEqual({
      fallback_condition_key: "yes",
      decision_conditions: [
        { connector_id: "connector_1", condition_text: "" },
        { connector_id: "yes", condition_text: "a == 1" },
        { connector_id: "connector_2", condition_text: "" },
      ],
    });
    expect(graph.nodes[1]!.config.decision_conditions).toHaveLength(3); // input untouched
  });

  it("never renames a later explicit key because an earlier generated key took it (ARK fix)", () => {
    const graph = graphOf([["s", "start"], ["d", "decision"], ["a", "end"], ["b", "end"]], [["s", "d"], ["d", "a"], ["d", "b", "solid", "connector_1"]]);
    const { graph: synced } = syncDecisionConnectors(graph);
    expect(synced.connectors.map((c) => c.conditionKey)).toEqual([null, "connector_2", "connector_1"]);
  });

  it("is idempotent and leaves non-decision nodes alone", () => {
    const graph = graphOf([["s", "start"], ["d", "decision"], ["e", "end"]], [["s", "d", "solid", "odd"], ["d", "e"]]);
    const once = syncDecisionConnectors(graph).graph;
    const twice = syncDecisionConnectors(once);
    expect(twice.changes).toEqual([]);
    expect(twice.graph).toEqual(once);
    expect(once.connectors[0]!.conditionKey).toBe("odd");
    expect(once.nodes[0]!.config).toEqual({});
  });

  it("syncs plugin types that route by condition key", () => {
    const registry = createNodeTypeCapabilityRegistry([{ type: "switch", capabilities: { routesByConditionKey: true } }]);
    const graph = graphOf([["s", "start"], ["w", "switch"], ["e", "end"]], [["s", "w"], ["w", "e"]]);
    expect(syncDecisionConnectors(graph, registry).graph.nodes[1]!.config.decision_conditions).toEqual([{ connector_id: "connector_1", condition_text: "" }]);
  });

  it("writes an empty condition list for a decision without solid connectors", () => {
    const graph = graphOf([["s", "start"], ["d", "decision", { decision_conditions: [{ connector_id: "x", condition_text: "y" }] }]], [["s", "d"]]);
    expect(syncDecisionConnectors(graph).graph.nodes[1]!.config.decision_conditions).toEqual([]);
  });
});
