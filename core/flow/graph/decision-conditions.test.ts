import { describe, expect, it } from "vitest";
import { isArkError } from "../../errors/index.js";
import { canonicalJson, coerceBool, extractPathValue } from "./condition-values.js";
import { decisionConditionsOf, evaluateCondition, evaluateDecision, isFreeTextCondition } from "./decision-conditions.js";
import { connector } from "./test-support.js";

const context = {
  flowchart: { id: 1, run_id: 7, total_execution_count: 3 },
  node: { id: "d", type: "decision", execution_index: 2 },
  latest_upstream: {
    node_id: "t",
    node_type: "task",
    output_state: { structured_output: { route_key: "Approve", score: 0.5, tags: ["a", "b"] }, message: "Ready for review", ok: true, count: 0, empty: "", no: "no", yes: "Yes", nothing: null, obj: { b: 1, a: [1, "x"] } },
    routing_state: { route_key: "fallback_route" },
  },
  upstream_nodes: [{ node_id: "t", output_state: { attachments: ["/tmp/a.txt"] } }],
  propagated_attachments: [],
  attachment_only_upstream_nodes: [],
  note: "Café crème",
};
const out = "latest_upstream.output_state";

describe("evaluateCondition: the §6.1 grammar, rule by rule", () => {
  it.each([
    // rule 0
    ["", false, "Condition text is empty.", "empty"],
    ["   ", false, "Condition text is empty.", "empty"],
    // rule 1: == and !=
    [`${out}.message == Ready for review`, true, `Compared path '${out}.message' value 'Ready for review' == 'Ready for review'.`, "equals"],
    [`${out}.message == "Ready for review"`, true, `Compared path '${out}.message' value 'Ready for review' == 'Ready for review'.`, "equals"],
    [`${out}.message=='ready for review'`, false, `Compared path '${out}.message' value 'Ready for review' == 'ready for review'.`, "equals"],
    [`${out}.message != Done`, true, `Compared path '${out}.message' value 'Ready for review' != 'Done'.`, "not_equals"],
    [`${out}.structured_output.score == 0.5`, true, `Compared path '${out}.structured_output.score' value '0.5' == '0.5'.`, "equals"],
    [`${out}.ok == true`, true, `Compared path '${out}.ok' value 'true' == 'true'.`, "equals"],
    [`${out}.structured_output.tags.1 == b`, true, `Compared path '${out}.structured_output.tags.1' value 'b' == 'b'.`, "equals"],
    [`${out}.obj == {"a": [1, "x"], "b": 1}`, true, `Compared path '${out}.obj' value '{"a": [1, "x"], "b": 1}' == '{"a": [1, "x"], "b": 1}'.`, "equals"],
    [`${out}.missing == x`, false, `Path '${out}.missing' was not found.`, "equals"],
    [`${out}.missing != x`, false, `Path '${out}.missing' was not found.`, "not_equals"],
    [`${out}.nothing != x`, false, `Path '${out}.nothing' was not found.`, "not_equals"],
    // The value is everything after the first operator; only one pair of outer quotes is stripped.
    [`${out}.message == 'a' == 'b'`, false, `Compared path '${out}.message' value 'Ready for review' == 'a' == 'b'.`, "equals"],
    // rule 2: contains
    [`${out}.message contains REVIEW`, true, `Checked whether path '${out}.message' value 'Ready for review' contains 'REVIEW'.`, "contains"],
    [`${out}.message CONTAINS "for r"`, true, `Checked whether path '${out}.message' value 'Ready for review' contains 'for r'.`, "contains"],
    [`${out}.structured_output.tags contains "b"`, true, `Checked whether path '${out}.structured_output.tags' value '["a", "b"]' contains 'b'.`, "contains"],
    [`${out}.message contains nope`, false, `Checked whether path '${out}.message' value 'Ready for review' contains 'nope'.`, "contains"],
    [`${out}.gone contains x`, false, `Path '${out}.gone' was not found.`, "contains"],
    // rule 3: the text as a path
    [`${out}.ok`, true, `Resolved '${out}.ok' to boolean true.`, "path"],
    [`${out}.yes`, true, `Resolved '${out}.yes' to 'Yes' (truthy=true).`, "path"],
    [`${out}.no`, false, `Resolved '${out}.no' to 'no' (truthy=false).`, "path"],
    [`${out}.count`, false, `Resolved '${out}.count' to '0' (truthy=false).`, "path"],
    [`${out}.empty`, false, `Resolved '${out}.empty' to '' (truthy=false).`, "path"],
    [`${out}.obj`, true, `Resolved '${out}.obj' to '{"a": [1, "x"], "b": 1}' (truthy=true).`, "path"],
    // rule 4: upstream route key (structured output first, then routing state), case-insensitive
    ["approve", true, "Matched route_key 'Approve'.", "route_key"],
    ["FALLBACK_ROUTE", true, "Matched route_key 'fallback_route'.", "route_key"],
    // rule 5: substring of the serialised context (quirk Q18, kept)
    ["ready FOR", true, "Matched condition text in serialized input context.", "context_text"],
    ['"total_execution_count": 3', true, "Matched condition text in serialized input context.", "context_text"],
    ["crème", true, "Matched condition text in serialized input context.", "context_text"],
    ["score > 0.2", false, "No matching value found in input context.", "none"],
    // rule 6
    ["nothing like this", false, "No matching value found in input context.", "none"],
  ])("%j → %s", (text, matched, reason, rule) => {
    expect(evaluateCondition(text, context)).toEqual({ matched, reason, rule });
  });

  it("never throws on odd contexts", () => {
    for (const ctx of [null, undefined, 5, "text", [], {}]) {
      expect(() => evaluateCondition("a.b == c", ctx)).not.toThrow();
      expect(evaluateCondition("a contains c", ctx).matched).toBe(false);
    }
  });

  it("flags free-text conditions that only rules 4-5 can match", () => {
    expect(isFreeTextCondition("Start node executed.")).toBe(true);
    expect(isFreeTextCondition("score > 3")).toBe(true);
    expect(isFreeTextCondition("approve")).toBe(false);
    expect(isFreeTextCondition("a.b == c")).toBe(false);
    expect(isFreeTextCondition("a contains c")).toBe(false);
    expect(isFreeTextCondition("")).toBe(false);
  });
});

describe("value helpers", () => {
  it("resolves dot paths like the reference", () => {
    const data = { a: { "": 1, list: [10, { b: "x" }] } };
    expect(extractPathValue(data, "a.list.1.b")).toBe("x");
    expect(extractPathValue(data, " a..list . 0 ")).toBe(10);
    expect(extractPathValue(data, "a.list.2")).toBeUndefined();
    expect(extractPathValue(data, "a.list.-1")).toBeUndefined();
    expect(extractPathValue(data, "a.list.x")).toBeUndefined();
    expect(extractPathValue(data, "a.toString")).toBeUndefined();
    expect(extractPathValue(data, "")).toBeUndefined();
  });

  it("serialises canonically and coerces booleans", () => {
    expect(canonicalJson({ b: [1, { d: null, c: true }], a: "é" })).toBe('{"a": "é", "b": [1, {"c": true, "d": null}]}');
    expect([coerceBool("on"), coerceBool(" TRUE "), coerceBool("nope"), coerceBool(2), coerceBool([]), coerceBool({ a: 1 })]).toEqual([true, true, false, true, false, true]);
  });
});

describe("evaluateDecision", () => {
  const config = {
    decision_conditions: [
      { connector_id: "approve", condition_text: `${out}.structured_output.route_key == Approve` },
      { connector_id: " review ", condition_text: `  ${out}.message contains review  ` },
      { connector_id: "approve", condition_text: "ignored duplicate" },
      { connector_id: "", condition_text: "skipped: no connector" },
      "not an object",
      { connector_id: "reject", condition_text: `${out}.ok == false` },
    ],
  };

  it("evaluates every condition in order and reports matches, evaluations, routing and attachments", () => {
    const result = evaluateDecision(config, context);
    expect(result.matched_connector_ids).toEqual(["approve", "review"]);
    expect(result.no_match).toBe(false);
    expect(result.evaluations.map((e) => [e.connector_id, e.condition_text, e.matched])).toEqual([
      ["approve", `${out}.structured_output.route_key == Approve`, true],
      ["review", `${out}.message contains review`, true],
      ["reject", `${out}.ok == false`, false],
    ]);
    expect(result.output_state).toEqual({ node_type: "decision", matched_connector_ids: ["approve", "review"], evaluations: result.evaluations, no_match: false, attachments: [{ path: "/tmp/a.txt" }] });
    expect(result.routing_state).toEqual({ matched_connector_ids: ["approve", "review"], evaluations: result.evaluations, no_match: false, route_key: "approve" });
  });

  it("reports no_match without a route_key when nothing matched", () => {
    const result = evaluateDecision({ decision_conditions: [{ connector_id: "x", condition_text: "a.b == c" }] }, context);
    expect(result).toMatchObject({ matched_connector_ids: [], no_match: true });
    expect(result.routing_state).not.toHaveProperty("route_key");
  });

  it("skips conditions for connectors the decision does not have, when its connectors are given", () => {
    const connectors = [connector("d", "a", "solid", "approve"), connector("d", "b", "dotted", "review")];
    const result = evaluateDecision(config, context, connectors);
    expect(result.matched_connector_ids).toEqual(["approve"]);
    expect(result.evaluations[1]).toEqual({ connector_id: "review", condition_text: `${out}.message contains review`, matched: false, reason: "Connector 'review' is not a solid outgoing connector of this decision; condition skipped.", rule: "skipped" });
  });

  it("falls back to the legacy route_key without conditions", () => {
    const result = evaluateDecision({}, context);
    expect(result.output_state).toMatchObject({ resolved_route_path: `${out}.structured_output.route_key`, resolved_route_key: "Approve", matched_connector_ids: ["Approve"] });
    expect(result.routing_state.route_key).toBe("Approve");
    expect(result.evaluations).toEqual([{ connector_id: "Approve", condition_text: `${out}.structured_output.route_key`, matched: true, reason: "Resolved legacy route key 'Approve'.", rule: "legacy_route" }]);
    const viaRouting = evaluateDecision({ route_field_path: "no.such.path" }, context);
    expect(viaRouting.matched_connector_ids).toEqual(["fallback_route"]);
    const none = evaluateDecision({ decision_conditions: [] }, { latest_upstream: null });
    expect(none).toMatchObject({ matched_connector_ids: [], no_match: true });
    expect(none.evaluations[0]!.reason).toBe(`Could not resolve route key from '${out}.structured_output.route_key'.`);
    expect(none.output_state.resolved_route_key).toBeNull();
  });

  it("requires conditions when the cutover gate is on", () => {
    try {
      evaluateDecision({ decision_conditions: [{ connector_id: " " }] }, context, null, { requireConditions: true });
      expect.unreachable();
    } catch (error) {
      expect(isArkError(error, "ARK_FLOW_ROUTING_FAILED")).toBe(true);
      expect((error as Error).message).toBe("Decision node requires decision_conditions when agent runtime cutover is enabled.");
    }
  });

  it("reads conditions defensively", () => {
    expect(decisionConditionsOf({ decision_conditions: "nope" })).toEqual([]);
    expect(decisionConditionsOf({ decision_conditions: [{ connector_id: 5, condition_text: null }] })).toEqual([{ connector_id: "5", condition_text: "" }]);
  });
});
