import { describe, expect, it } from "vitest";
import type { FlowConnector } from "./graph-model.js";
import { resolveOutgoingConnectors, tokensForSelected, type RoutingOptions } from "./routing.js";
import { connector } from "./test-support.js";

const decisionOut: FlowConnector[] = [
  connector("d", "a", "solid", "approve", "c1"),
  connector("d", "b", "solid", "reject", "c2"),
  connector("d", "c", "dotted", null, "c3"),
  connector("d", "x", "solid", "review", "c4"),
];

function route(type: string, config: Record<string, unknown>, outgoing: FlowConnector[], routing: Record<string, unknown>, options?: RoutingOptions) {
  const outcome = resolveOutgoingConnectors({ type, config }, outgoing, routing, options);
  return outcome.ok ? { ids: outcome.selected.map((c) => c.id), terminate: outcome.terminateRun } : { reason: outcome.reason, message: outcome.message };
}

describe("decision routing with an explicit match set (§6)", () => {
  it.each([
    ["matched ids, returned in connector order (not match order)", {}, { matched_connector_ids: ["review", "approve"] }, { ids: ["c1", "c4"], terminate: false }],
    ["padded ids are trimmed", {}, { matched_connector_ids: [" reject "], route_key: "reject" }, { ids: ["c2"], terminate: false }],
    ["no match → the fallback connector", { fallback_condition_key: "review" }, { matched_connector_ids: [], no_match: true }, { ids: ["c4"], terminate: false }],
    ["no_match alone (truthy) is an explicit set", { fallback_condition_key: "reject" }, { no_match: "true" }, { ids: ["c2"], terminate: false }],
    ["policy fallback uses the fallback", { no_match_policy: "fallback", fallback_condition_key: "reject" }, { matched_connector_ids: [] }, { ids: ["c2"], terminate: false }],
  ])("%s", (_name, config, routing, expected) => {
    expect(route("decision", config, decisionOut, routing)).toEqual(expected);
  });

  it.each([
    ["unknown ids (sorted)", {}, { matched_connector_ids: ["zz", "approve", "aa"] }, "decision_unknown_connectors", "Decision routing referenced unknown connector_id(s): aa, zz"],
    ["a dotted connector's key is not routable", {}, { matched_connector_ids: ["c3"] }, "decision_unknown_connectors", "Decision routing referenced unknown connector_id(s): c3"],
    ["route_key outside the matched set", {}, { matched_connector_ids: ["approve"], route_key: "reject" }, "decision_route_key_not_matched", "Decision routing_state.route_key must be included in matched_connector_ids."],
    ["no match and no fallback", {}, { matched_connector_ids: [] }, "decision_no_match", "Decision produced no matched_connector_ids and no fallback_condition_key was configured."],
    ["a fallback that is no solid connector", { fallback_condition_key: "gone" }, { matched_connector_ids: [], no_match: true }, "decision_fallback_invalid", "Decision no-match fallback 'gone' is not a valid solid outgoing connector."],
    ["no_match_policy fail wins over a fallback (Q20 fixed)", { no_match_policy: "fail", fallback_condition_key: "reject" }, { matched_connector_ids: [] }, "decision_no_match", "Decision produced no matched_connector_ids and its no_match_policy is fail."],
  ])("fails on %s", (_name, config, routing, reason, message) => {
    expect(route("decision", config, decisionOut, routing)).toEqual({ reason, message });
  });

  it("fails when the decision has connectors but none is solid", () => {
    expect(route("decision", {}, [connector("d", "c", "dotted")], { matched_connector_ids: [] })).toEqual({
      reason: "decision_no_solid_connectors",
      message: "Decision node has no solid outgoing edges.",
    });
  });
});

describe("legacy decision routing by route_key", () => {
  it.each([
    [{}, { route_key: "reject" }, { ids: ["c2"], terminate: false }],
    [{ fallback_condition_key: "review" }, { route_key: "nope" }, { ids: ["c4"], terminate: false }],
  ])("%j %j", (config, routing, expected) => {
    expect(route("decision", config, decisionOut, routing)).toEqual(expected);
  });

  it.each([
    [{}, {}, "decision_route_key_missing", "Decision node did not produce a route_key."],
    [{}, { route_key: "nope" }, "decision_route_unmatched", "Decision route 'nope' has no matching outgoing edge and no fallback."],
  ])("fails: %j %j", (config, routing, reason, message) => {
    expect(route("decision", config, decisionOut, routing)).toEqual({ reason, message });
  });

  it("requires a match set when the cutover gate is on", () => {
    expect(route("decision", {}, decisionOut, { route_key: "approve" }, { requireMatchSet: true })).toEqual({
      reason: "decision_match_set_required",
      message: "Decision routing_state.matched_connector_ids is required when agent runtime cutover is enabled.",
    });
  });
});

describe("other node types", () => {
  const plain = [connector("t", "a", "solid", null, "p1"), connector("t", "b", "dashed", null, "p2"), connector("t", "c", "solid", null, "p3")];
  const keyed = [connector("t", "a", "solid", "left", "k1"), connector("t", "b", "solid", null, "k2"), connector("t", "c", "solid", "left", "k3")];

  it.each([
    ["all solid connectors, in order", plain, {}, { ids: ["p1", "p3"], terminate: false }],
    ["a route_key is ignored without conditioned connectors", plain, { route_key: "x" }, { ids: ["p1", "p3"], terminate: false }],
    ["a route_key picks every conditioned connector with that key", keyed, { route_key: " left " }, { ids: ["k1", "k3"], terminate: false }],
    ["without a route_key all solid connectors fire, conditioned ones included", keyed, {}, { ids: ["k1", "k2", "k3"], terminate: false }],
    ["terminate_run ends the run and skips routing", plain, { terminate_run: true, route_key: "x" }, { ids: [], terminate: true }],
    ["no outgoing connectors ends the branch", [], {}, { ids: [], terminate: false }],
  ])("%s", (_name, outgoing, routing, expected) => {
    expect(route("task", {}, outgoing, routing)).toEqual(expected);
  });

  it("fails when conditioned connectors exist and none matches the route_key", () => {
    expect(route("task", {}, keyed, { route_key: "right" })).toEqual({ reason: "route_key_unmatched", message: "Route key 'right' has no matching solid outgoing edge." });
  });

  it("uses decision semantics for plugin types that route by condition key", () => {
    expect(route("switch", {}, decisionOut, { matched_connector_ids: ["reject"] }, { routesByConditionKey: true })).toEqual({ ids: ["c2"], terminate: false });
  });
});

describe("tokensForSelected", () => {
  it("builds one token per connector with the emitted node run's data", () => {
    const tokens = tokensForSelected({ nodeId: "d", nodeType: "decision", executionIndex: 2, sequence: 9, output_state: { a: 1 }, routing_state: { b: 2 } }, [decisionOut[0]!, decisionOut[3]!]);
    expect(tokens).toEqual([
      { target: "a", token: { source_node_id: "d", source_edge_id: "c1", node_type: "decision", condition_key: "approve", edge_mode: "solid", execution_index: 2, sequence: 9, output_state: { a: 1 }, routing_state: { b: 2 } } },
      { target: "x", token: expect.objectContaining({ source_edge_id: "c4", condition_key: "review" }) },
    ]);
  });
});
