import { describe, expect, it } from "vitest";
import { isArkError } from "../../errors/index.js";
import type { FlowGraph } from "./graph-model.js";
import { createNodeTypeCapabilityRegistry } from "./node-type-capabilities.js";
import { graphOf, node } from "./test-support.js";
import { assertValidGraph, validateGraph, validateGraphPayload, validationErrorMessages, type GraphValidationOptions } from "./validate-graph.js";

const registry = createNodeTypeCapabilityRegistry(["task", "plan", "milestone", "memory", "rag"].map((type) => ({ type })));
const opts: GraphValidationOptions = { registry };

/** start → d (decision, key k) → e */
function decisionGraph(config: Record<string, unknown> = {}, extraConnectors: FlowGraph["connectors"] = []): FlowGraph {
  const base = graphOf([["s", "start"], ["d", "decision", config], ["e", "end"]], [["s", "d"], ["d", "e", "solid", "k"]]);
  return { ...base, connectors: [...base.connectors, ...extraConnectors] };
}

interface Case {
  name: string;
  graph: FlowGraph;
  structural?: string[];
  semantic?: string[];
  options?: GraphValidationOptions;
}

const cases: Case[] = [
  { name: "a minimal valid graph", graph: graphOf([["s", "start"], ["e", "end"]], [["s", "e"]]) },
  // rule 1: routing config
  {
    name: "fan_in_mode outside all/any/custom",
    graph: decisionGraph({ fan_in_mode: "most" }),
    semantic: ["Node d (decision) nodes[d].config.fan_in_mode must be one of: all, any, custom."],
  },
  { name: "fan_in_mode aliases custom_n / custom-n and blank all", graph: decisionGraph({ fan_in_mode: "custom-n", fan_in_custom_count: 1 }) },
  {
    name: "custom count that is not an integer >= 1",
    graph: decisionGraph({ fan_in_mode: "custom", fan_in_custom_count: "two" }),
    semantic: ["Node d (decision) nodes[d].config.fan_in_custom_count must be an integer >= 1."],
  },
  {
    name: "no_match_policy outside fail/fallback",
    graph: decisionGraph({ no_match_policy: "retry" }),
    semantic: ["Node d (decision) nodes[d].config.no_match_policy must be one of: fail, fallback."],
  },
  // rule 2
  {
    name: "an unknown node type (structural)",
    graph: graphOf([["s", "start"], ["x", "mystery"]], [["s", "x"]]),
    structural: ["Node x has unknown node_type 'mystery'."],
  },
  // rule 3
  {
    name: "ref rules",
    graph: graphOf(
      [["s", "start", {}, { refId: 4 }], ["f", "flowchart"], ["m", "memory", {}, { refId: 2, mcpServerIds: ["sys"] }], ["e", "end"]],
      [["s", "f"], ["f", "m"], ["m", "e"]],
    ),
    semantic: ["Node s (start) does not allow ref_id.", "Node f (flowchart) requires ref_id."],
  },
  // rule 4
  {
    name: "a task without a prompt, and a type-specific config problem",
    graph: graphOf([["s", "start"], ["t", "task", { task_prompt: "  " }], ["p", "plan", {}, { refId: 1 }]], [["s", "t"], ["t", "p"]]),
    options: { registry, configProblems: (n) => (n.type === "plan" ? ["config.mode is required for plan nodes."] : []) },
    semantic: ["Node t (task) requires config.task_prompt.", "Node p (plan) config.mode is required for plan nodes."],
  },
  // rule 5
  {
    name: "bindings a type does not support (structural) and memory without MCP (semantic)",
    graph: graphOf(
      [
        ["s", "start", {}, { modelId: 3, attachmentIds: [1] }],
        ["d", "decision", {}, { mcpServerIds: [1], scriptIds: [2], skillIds: [3] }],
        ["m", "memory"],
        ["e", "end"],
      ],
      [["s", "d"], ["d", "m", "solid", "k"], ["m", "e"]],
    ),
    structural: [
      "Node s (start) does not support models.",
      "Node s (start) does not support attachments.",
      "Node d (decision) does not support MCP servers.",
      "Node d (decision) does not support scripts.",
      "Node d (decision) does not support skills.",
    ],
    semantic: ["Node m (memory) requires the system-managed LLMCTL MCP server."],
  },
  // rule 6
  { name: "no start node", graph: graphOf([["e", "end"]]), semantic: ["Flowchart must contain exactly one start node; found 0."] },
  {
    name: "two start nodes",
    graph: graphOf([["s1", "start"], ["s2", "start"], ["e", "end"]], [["s1", "e"], ["s2", "e"]]),
    semantic: ["Flowchart must contain exactly one start node; found 2."],
  },
  // rule 7
  {
    name: "a connector with an invalid mode (structural)",
    graph: { nodes: [node("s", "start"), node("e", "end")], connectors: [{ id: "c1", source: "s", target: "e", mode: "wavy" as never }] },
    structural: ["Edge c1 must define edge_mode as solid, dotted, dashed."],
    semantic: ["Disconnected required nodes found: e"],
  },
  {
    name: "connectors to nodes that do not exist (structural)",
    graph: graphOf([["s", "start"]], [["ghost", "s"], ["s", "void"]]),
    structural: ["Edge source node ghost does not exist.", "Edge target node void does not exist."],
  },
  // rule 8
  {
    name: "a decision's solid connector without a condition key",
    graph: graphOf([["s", "start"], ["d", "decision"], ["e", "end"]], [["s", "d"], ["d", "e"]]),
    semantic: ["Decision node d requires condition_key on each solid outgoing edge."],
  },
  {
    name: "condition keys on a non-decision solid connector and on a decision's dotted connector (reported once per source)",
    graph: graphOf(
      [["s", "start"], ["d", "decision"], ["a", "end"], ["b", "end"]],
      [["s", "d", "solid", "x"], ["s", "a", "solid", "y"], ["d", "a", "solid", "k"], ["d", "b", "dotted", "z"], ["s", "b"]],
    ),
    semantic: ["Only decision nodes may define condition_key on solid edges (source node s).", "Only decision nodes may define condition_key on solid edges (source node d)."],
  },
  // rule 9
  {
    name: "two modes between one source/target pair",
    graph: graphOf([["s", "start"], ["e", "end"]], [["s", "e"], ["s", "e", "dashed", null, "c2"]]),
    semantic: ["Edges s->e cannot mix connector modes for the same source/target pair."],
  },
  // rule 10
  {
    name: "custom fan-in without a count",
    graph: decisionGraph({ fan_in_mode: "custom" }),
    semantic: ["Node d (decision) config.fan_in_custom_count is required when fan_in_mode is custom."],
  },
  {
    name: "custom fan-in without solid parents",
    graph: graphOf([["s", "start"], ["j", "end", { fan_in_mode: "custom", fan_in_custom_count: 1 }]], [["s", "j", "dotted"]]),
    semantic: ["Node j (end) cannot use custom fan-in without solid incoming connectors.", "Disconnected required nodes found: j"],
  },
  {
    name: "custom count above the solid parent count",
    graph: graphOf(
      [["s", "start"], ["a", "decision"], ["j", "end", { fan_in_mode: "custom", fan_in_custom_count: 3 }]],
      [["s", "a"], ["s", "j"], ["a", "j", "solid", "k"], ["a", "j", "solid", "k2", "again"]],
    ),
    semantic: ["Node j (end) config.fan_in_custom_count must be <= solid incoming connector count (2)."],
  },
  // rule 11
  {
    name: "an End node with an outgoing connector (any mode)",
    graph: graphOf([["s", "start"], ["e", "end"], ["e2", "end"]], [["s", "e"], ["s", "e2"], ["e", "e2", "dotted"]]),
    semantic: ["End node e cannot have outgoing edges."],
  },
  // rule 12
  {
    name: "a decision without solid outgoing connectors",
    graph: graphOf([["s", "start"], ["d", "decision"], ["e", "end"]], [["s", "d"], ["s", "e"], ["d", "e", "dotted"]]),
    semantic: ["Decision node d must have at least one solid outgoing edge."],
  },
  {
    name: "duplicate condition keys",
    graph: decisionGraph({}, [{ id: "dup", source: "d", target: "e", mode: "solid", conditionKey: "k" }]),
    semantic: ["Decision node d has duplicate condition_key values across solid edges."],
  },
  {
    name: "a fallback key that matches no solid connector",
    graph: decisionGraph({ fallback_condition_key: "zzz" }),
    semantic: ["Decision node d fallback_condition_key 'zzz' does not match a solid outgoing connector."],
  },
  {
    name: "no_match_policy fallback without a fallback key",
    graph: decisionGraph({ no_match_policy: "fallback" }),
    semantic: ["Decision node d requires fallback_condition_key when no_match_policy is fallback."],
  },
  { name: "no_match_policy fallback with a matching key", graph: decisionGraph({ no_match_policy: "Fallback", fallback_condition_key: " k " }) },
  // rule 13
  {
    name: "nodes not reachable over solid connectors (sorted ids)",
    graph: graphOf([["s", "start"], ["10", "end"], ["3", "end"], ["e", "end"]], [["s", "e"], ["s", "3", "dotted"]]),
    semantic: ["Disconnected required nodes found: 3, 10"],
  },
  // rule 14
  {
    name: "a ref that does not exist (when the caller can look it up)",
    graph: graphOf([["s", "start"], ["f", "flowchart", {}, { refId: 9 }], ["g", "flowchart", {}, { refId: 1 }]], [["s", "f"], ["f", "g"]]),
    options: { registry, refExists: (type, ref) => type === "flowchart" && ref === 1 },
    semantic: ["Node f (flowchart) ref_id 9 does not exist."],
  },
  // plugin capability
  {
    name: "a plugin type's outgoing limit",
    graph: graphOf([["s", "start"], ["h", "http_call"], ["a", "end"], ["b", "end"]], [["s", "h"], ["h", "a"], ["h", "b"]]),
    options: { registry: createNodeTypeCapabilityRegistry([{ type: "http_call", capabilities: { maxOutgoing: 1 } }]) },
    semantic: ["Node h (http_call) cannot have more than 1 outgoing connectors; found 2."],
  },
];

describe("validateGraph: every rule of §2.3 with the reference's messages", () => {
  it.each(cases)("$name", ({ graph, structural = [], semantic = [], options }) => {
    const result = validateGraph(graph, options ?? opts);
    expect(result.structuralErrors.map((i) => i.message)).toEqual(structural);
    expect(result.semanticErrors.map((i) => i.message)).toEqual(semantic);
    expect(result.valid).toBe(structural.length === 0 && semantic.length === 0);
  });

  it("gives every issue a stable snake_case code and names the node or connector", () => {
    const all = cases.flatMap(({ graph, options }) => {
      const r = validateGraph(graph, options ?? opts);
      return [...r.structuralErrors, ...r.semanticErrors];
    });
    for (const issue of all) {
      expect(issue.code).toMatch(/^[a-z][a-z0-9_]*$/);
      if (!issue.code.startsWith("start_node_count")) expect(issue.nodeId ?? issue.connectorId).toBeDefined();
    }
    const codes = new Set(all.map((i) => i.code));
    for (const code of ["start_node_count", "node_type_unknown", "ref_required", "decision_condition_key_required", "nodes_disconnected", "end_node_outgoing", "connector_modes_mixed"]) {
      expect(codes).toContain(code);
    }
  });

  it("validates only against the built-in types by default", () => {
    const result = validateGraph(graphOf([["s", "start"], ["t", "task", { task_prompt: "x" }]], [["s", "t"]]));
    expect(result.structuralErrors.map((i) => i.message)).toEqual(["Node t has unknown node_type 'task'."]);
  });

  it("warns (without failing) about ignored fan-in config, an unused fallback and free-text conditions", () => {
    const graph = graphOf(
      [["s", "start", { fan_in_mode: "any" }], ["d", "decision", { no_match_policy: "fail", fallback_condition_key: "k", decision_conditions: [{ connector_id: "k", condition_text: "Start node executed." }] }], ["e", "end"]],
      [["s", "d"], ["d", "e", "solid", "k"]],
    );
    const result = validateGraph(graph, opts);
    expect(result.valid).toBe(true);
    expect(result.warnings.map((w) => w.code)).toEqual(["fan_in_ignored", "decision_fallback_unused", "decision_condition_free_text"]);
    expect(result.warnings[1]!.message).toBe("Decision node d has no_match_policy fail, so fallback_condition_key 'k' is never used.");
  });
});

describe("validateGraphPayload and assertValidGraph", () => {
  it("puts payload problems first and validates what could be read", () => {
    const result = validateGraphPayload(
      { nodes: [{ id: 1, node_type: "start" }, { id: 2, node_type: "end", config: 5 }], edges: [{ source_node_id: 1, target_node_id: 2, edge_mode: "solid" }, { source_node_id: 2, target_node_id: 9, edge_mode: "solid" }] },
      opts,
    );
    expect(validationErrorMessages(result)).toEqual(["nodes[1].config must be a JSON object.", "Edge target node 9 does not exist."]);
    expect(result.valid).toBe(false);
    expect(result.graph.nodes.map((n) => n.id)).toEqual(["1", "2"]);
  });

  it("throws ARK_FLOW_GRAPH_INVALID with every error in details", () => {
    const result = validateGraph(graphOf([["e", "end"], ["x", "nope"]]), opts);
    try {
      assertValidGraph(result);
      expect.unreachable();
    } catch (error) {
      expect(isArkError(error, "ARK_FLOW_GRAPH_INVALID")).toBe(true);
      const arkError = error as { message: string; status: number; details: Record<string, unknown> };
      expect(arkError.message).toBe("Flowchart graph is invalid: Node x has unknown node_type 'nope'. (and 1 more)");
      expect(arkError.status).toBe(400);
      expect(arkError.details.semanticErrors).toEqual([expect.objectContaining({ code: "start_node_count" })]);
    }
    expect(() => assertValidGraph(validateGraph(graphOf([["s", "start"]]), opts))).not.toThrow();
  });
});
