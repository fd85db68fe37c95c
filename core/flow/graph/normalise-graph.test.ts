import { describe, expect, it } from "vitest";
import { compareGraphIds, graphIdOf, parseConnectorMode, runtimeConnectorMode, sortedUniqueIds } from "./graph-model.js";
import { normaliseGraphPayload } from "./normalise-graph.js";

const messages = (payload: unknown) => normaliseGraphPayload(payload).issues.map((i) => i.message);

describe("graph model helpers", () => {
  it.each([
    ["solid", "solid"],
    [" Dotted ", "dotted"],
    ["DASHED", "dashed"],
    ["", null],
    ["context", null],
    [3, null],
  ])("parseConnectorMode(%j) = %j", (value, expected) => {
    expect(parseConnectorMode(value)).toBe(expected);
  });

  it.each([
    ["dashed", "dashed"],
    ["dotted", "dotted"],
    ["", "solid"],
    ["weird", "solid"],
    [null, "solid"],
  ])("runtime normalisation turns %j into %j (§2.2)", (value, expected) => {
    expect(runtimeConnectorMode(value)).toBe(expected);
  });

  it("stringifies integer ids and trims string ids", () => {
    expect(graphIdOf(7)).toBe("7");
    expect(graphIdOf(" a ")).toBe("a");
    expect(graphIdOf("")).toBeNull();
    expect(graphIdOf(1.5)).toBeNull();
    expect(graphIdOf(null)).toBeNull();
  });

  it("orders ids numerically where they are numbers", () => {
    expect(sortedUniqueIds(["10", "2", "n10", "n2", "2", "a"])).toEqual(["2", "10", "a", "n2", "n10"]);
    expect(compareGraphIds("A", "a")).not.toBe(0);
  });
});

describe("normaliseGraphPayload", () => {
  it("reads the reference's field names and stringifies integer ids", () => {
    const { graph, issues } = normaliseGraphPayload({
      nodes: [
        { id: 1, node_type: "Start", config_json: "{}", x: 10, y: 20 },
        { id: 2, node_type: "decision", ref_id: null, config: { fan_in_mode: "any" }, model_id: 4 },
        { client_id: "new-end", node_type: "end", title: "End" },
      ],
      edges: [
        { id: 11, source_node_id: 1, target_node_id: 2, edge_mode: "solid" },
        { source_node_id: 2, target_node_id: "new-end", edge_mode: " SOLID ", condition_key: "  done ", source_handle_id: "r1" },
      ],
    });
    expect(issues).toEqual([]);
    expect(graph.nodes).toEqual([
      { id: "1", type: "start", refId: null, title: null, config: {}, position: { x: 10, y: 20 } },
      { id: "2", type: "decision", refId: null, title: null, config: { fan_in_mode: "any" }, modelId: 4 },
      { id: "new-end", type: "end", refId: null, title: "End", config: {} },
    ]);
    expect(graph.connectors).toEqual([
      { id: "11", source: "1", target: "2", mode: "solid", conditionKey: null, label: null },
      { id: "2->new-end", source: "2", target: "new-end", mode: "solid", conditionKey: "done", label: null, sourceHandle: "r1" },
    ]);
  });

  it("accepts ARK's field names and a graph_json string", () => {
    const inner = { nodes: [{ id: "s", type: "start", refId: 3 }], connectors: [{ id: "c", source: "s", target: "s", mode: "dotted", conditionKey: "k" }] };
    const { graph, issues } = normaliseGraphPayload({ graph_json: JSON.stringify(inner) });
    expect(issues).toEqual([]);
    expect(graph.nodes[0]).toMatchObject({ id: "s", type: "start", refId: 3 });
    expect(graph.connectors[0]).toMatchObject({ id: "c", mode: "dotted", conditionKey: "k" });
  });

  it.each([
    [null],
    [[]],
    [{ nodes: [] }],
    [{ edges: [] }],
    [{ nodes: {}, edges: [] }],
    [{ graph_json: "{not json" }],
  ])("rejects payload %j with the reference's message", (payload) => {
    expect(messages(payload)).toEqual(["Graph payload must contain nodes[] and edges[] arrays."]);
    expect(normaliseGraphPayload(payload).issues[0]!.code).toBe("graph_payload_invalid");
  });

  it("reports every node shape problem with its index", () => {
    const { graph, issues } = normaliseGraphPayload({
      nodes: [
        "start",
        { type: "end" },
        { id: "a", type: "start", config: [1] },
        { id: "a", type: "end" },
        { id: "b", type: "task", config: "{oops", ref_id: "x" },
        { id: "c", type: "task", attachment_ids: "7", mcp_server_ids: [1, 1] },
      ],
      edges: [],
    });
    expect(issues.map((i) => [i.code, i.message])).toEqual([
      ["node_invalid", "nodes[0] must be an object."],
      ["node_id_invalid", "nodes[1].id must be a non-empty string or an integer."],
      ["node_config_invalid", "nodes[2].config must be a JSON object."],
      ["node_id_duplicate", "nodes[3].id 'a' is already used by another node."],
      ["node_ref_invalid", "nodes[4].ref_id must be a positive integer or null."],
      ["node_config_invalid", "nodes[4].config must be a JSON object."],
      ["node_binding_invalid", "nodes[5].mcp_server_ids must not contain duplicates."],
      ["node_binding_invalid", "nodes[5].attachment_ids must be an array."],
    ]);
    expect(graph.nodes.map((n) => n.id)).toEqual(["a", "b", "c"]);
    expect(issues[2]!.path).toEqual(["nodes", 2, "config"]);
  });

  it("reports connector problems with the §2.4 messages", () => {
    const { graph, issues } = normaliseGraphPayload({
      nodes: [{ id: "s", type: "start" }],
      edges: [
        7,
        { source_node_id: "s", target_node_id: "s" },
        { source_node_id: "s", target_node_id: "s", edge_mode: "  " },
        { source_node_id: "s", target_node_id: "s", edge_mode: "context" },
        { target_node_id: "s", edge_mode: "solid" },
        { source_node_id: "s", target_node_id: {}, edge_mode: "solid" },
        { id: "x", source: "s", target: "s", mode: "solid", condition_key: 5 },
        { id: "x", source: "s", target: "s", mode: "solid" },
        { id: "y", source: "s", target: "s", mode: "solid", control_points: [{ x: 1 }], control_point_style: 3 },
      ],
    });
    expect(issues.map((i) => i.message)).toEqual([
      "edges[0] must be an object.",
      "edges[1].edge_mode is required.",
      "edges[2].edge_mode is required and must be one of solid, dotted, dashed.",
      "edges[3].edge_mode must be one of solid, dotted, dashed.",
      "edges[4].source_node_id is invalid.",
      "edges[5].target_node_id is invalid.",
      "edges[6].condition_key must be a string.",
      "edges[7].id 'x' is already used by another connector.",
      "edges[y].control_points must be a list of {x, y} points.",
      "edges[y].control_point_style must be a string.",
    ]);
    // Unnamed connectors between one pair are numbered instead of rejected; bad modes fall back to solid (§2.2).
    expect(graph.connectors.map((c) => [c.id, c.mode])).toEqual([
      ["s->s", "solid"],
      ["s->s#2", "solid"],
      ["s->s#3", "solid"],
      ["x", "solid"],
      ["y", "solid"],
    ]);
  });

  it("keeps valid control points in either reference shape", () => {
    const { graph } = normaliseGraphPayload({
      nodes: [{ id: "s", type: "start" }],
      edges: [
        { id: "a", source: "s", target: "s", mode: "solid", control_points_json: { points: [{ x: 1, y: 2 }], style: "curved" } },
        { id: "b", source: "s", target: "s", mode: "solid", control_points: [{ x: 3, y: 4 }], control_point_style: "straight" },
      ],
    });
    expect(graph.connectors.map((c) => [c.controlPoints, c.controlPointStyle])).toEqual([
      [[{ x: 1, y: 2 }], "curved"],
      [[{ x: 3, y: 4 }], "straight"],
    ]);
  });

  it("does not share config objects with the payload", () => {
    const config = { nested: { a: 1 } };
    const { graph } = normaliseGraphPayload({ nodes: [{ id: "s", type: "start", config }], edges: [] });
    (graph.nodes[0]!.config.nested as { a: number }).a = 2;
    expect(config.nested.a).toBe(1);
  });
});
