import { describe, expect, it } from "vitest";
import { ArkError } from "../errors/index.js";
import {
  assertNoContractProblems,
  validateArtifactPayload,
  validateNodeOutput,
  validateNodeStates,
  validateRoutingState,
} from "./node-output-contract.js";

describe("validateNodeOutput (§14.2)", () => {
  it.each([null, [], "text", 5])("rejects a non-object %j", (value) => {
    expect(validateNodeOutput(value)).toEqual(["output_state must be a JSON object."]);
  });

  it.each([{}, { node_type: "" }, { node_type: "   " }, { node_type: 5 }])("requires node_type: %j", (value) => {
    expect(validateNodeOutput(value)).toEqual(["output_state.node_type is required."]);
  });

  it("compares node types lower-cased and names both on a mismatch", () => {
    expect(validateNodeOutput({ node_type: "Task" }, "task")).toEqual([]);
    expect(validateNodeOutput({ node_type: "start" })).toEqual([]);
    expect(validateNodeOutput({ node_type: "Start" }, "END")).toEqual(["output_state.node_type must be 'end', got 'start'."]);
  });

  it("checks the decision special output", () => {
    const decision = { node_type: "decision", matched_connector_ids: ["c1"], evaluations: [], no_match: false };
    expect(validateNodeOutput(decision, "decision")).toEqual([]);
    expect(validateNodeOutput({ node_type: "decision" })).toEqual([
      "output_state is missing required keys: matched_connector_ids, evaluations, no_match.",
    ]);
    for (const ids of [[""], [" c1"], ["c1 "], [null], [5]]) {
      expect(validateNodeOutput({ ...decision, matched_connector_ids: ids })).toEqual([
        "Decision output_state.matched_connector_ids must contain non-empty strings.",
      ]);
    }
    expect(validateNodeOutput({ ...decision, evaluations: {}, no_match: "no" })).toEqual([
      "Decision output_state.evaluations must be a list.",
      "Decision output_state.no_match must be boolean.",
    ]);
  });

  it("checks the memory, milestone and plan special outputs", () => {
    expect(validateNodeOutput({ node_type: "memory", action: "add", action_results: [] })).toEqual([]);
    expect(validateNodeOutput({ node_type: "memory", action: " ", action_results: "x" })).toEqual([
      "Memory output_state.action must be a non-empty string.",
      "Memory output_state.action_results must be a list.",
    ]);
    expect(validateNodeOutput({ node_type: "milestone" })).toEqual(["output_state is missing required keys: action, action_results."]);
    expect(validateNodeOutput({ node_type: "plan", mode: "", store_mode: "append", action_results: [] })).toEqual([
      "Plan output_state.mode must be a non-empty string.",
    ]);
  });
});

describe("validateRoutingState (§14.2)", () => {
  it("accepts an empty routing state and the keys when well-typed", () => {
    expect(validateRoutingState({})).toEqual([]);
    expect(validateRoutingState({ route_key: "yes", terminate_run: false, matched_connector_ids: [], evaluations: [], no_match: true })).toEqual([]);
  });

  it("rejects a non-object", () => {
    expect(validateRoutingState([])).toEqual(["routing_state must be a JSON object."]);
    expect(validateRoutingState(undefined)).toEqual(["routing_state must be a JSON object."]);
  });

  it("lists every bad key", () => {
    expect(validateRoutingState({ route_key: " ", terminate_run: "true", matched_connector_ids: "c1", evaluations: null, no_match: 1 })).toEqual([
      "routing_state.route_key must be a non-empty string.",
      "routing_state.terminate_run must be boolean.",
      "routing_state.matched_connector_ids must be a list.",
      "routing_state.evaluations must be a list.",
      "routing_state.no_match must be boolean.",
    ]);
  });

  it("holds decision routing to clean connector ids, other types only to a list", () => {
    expect(validateRoutingState({ matched_connector_ids: [""] })).toEqual([]);
    expect(validateRoutingState({ matched_connector_ids: [""] }, "decision")).toEqual([
      "Decision routing_state.matched_connector_ids must contain non-empty strings.",
    ]);
    expect(validateNodeStates("decision", { node_type: "decision", matched_connector_ids: [], evaluations: [], no_match: true }, { matched_connector_ids: [" a"] })).toEqual([
      "Decision routing_state.matched_connector_ids must contain non-empty strings.",
    ]);
  });
});

describe("validateArtifactPayload (§14.3)", () => {
  it("requires an object, the type's keys and an object routing_state", () => {
    expect(validateArtifactPayload("task", "x")).toEqual(["artifact_payload must be a JSON object."]);
    expect(validateArtifactPayload("task", { node_type: "task" })).toEqual([
      "artifact_payload is missing required keys: input_context, output_state, routing_state.",
    ]);
    expect(validateArtifactPayload("plan", { mode: "m", store_mode: "s", action_results: [], plan: {}, routing_state: [] })).toEqual([
      "artifact_payload.routing_state must be a JSON object.",
    ]);
    expect(validateArtifactPayload("mystery", { routing_state: 1 })).toEqual(["artifact_payload.routing_state must be a JSON object."]);
    expect(validateArtifactPayload("mystery", { routing_state: { route_key: "" } })).toEqual(["routing_state.route_key must be a non-empty string."]);
    expect(validateArtifactPayload("decision", { matched_connector_ids: [], evaluations: [], no_match: true, routing_state: {} })).toEqual([]);
  });
});

describe("assertNoContractProblems", () => {
  it("throws ARK_CONTRACT_VIOLATION with every problem, or nothing when clean", () => {
    expect(() => assertNoContractProblems("node 3 output", [])).not.toThrow();
    try {
      assertNoContractProblems("node 3 output", ["a.", "b."]);
      throw new Error("should have thrown");
    } catch (err) {
      expect(err).toBeInstanceOf(ArkError);
      expect((err as ArkError).code).toBe("ARK_CONTRACT_VIOLATION");
      expect((err as ArkError).message).toBe("node 3 output violates its contract: a. (and 1 more)");
      expect((err as ArkError).details.issues).toEqual([{ instancePath: "", message: "a." }, { instancePath: "", message: "b." }]);
    }
  });
});
