import { describe, expect, it } from "vitest";
import { isArkError } from "../../errors/index.js";
import { flowFileInvalidError, formatFlowFileIssue, parseFlowFile, stringifyFlowFile } from "./graph-file.js";

const where = (text: string) => parseFlowFile(text, "flow.yaml").errors.map((e) => formatFlowFileIssue(e));

const valid = `schema_version: 1
name: "  Review  "
nodes:
  - id: start
    type: start
  - id: 7
    type: Decision
    config:
      fallback_condition_key: no
  - id: yes_end
    type: end
  - id: no_end
    type: end
connectors:
  - source: start
    target: 7
  - source: 7
    target: yes_end
    condition: latest_upstream.node_type == start
  - source: 7
    target: no_end
    condition_key: no
    condition: "  latest_upstream.node_type == task  "
    label: fallback
`;

describe("parseFlowFile", () => {
  it("reads a valid file into a definition with defaults, stringified ids and synced decision conditions", () => {
    const result = parseFlowFile(valid, "flow.yaml");
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.ok).toBe(true);
    const def = result.definition!;
    expect(def).toMatchObject({ schemaVersion: 1, name: "Review", description: null, settings: { max_node_executions: null, max_runtime_minutes: null, max_parallel_nodes: 1 } });
    expect(def.graph.nodes.map((n) => [n.id, n.type])).toEqual([["start", "start"], ["7", "decision"], ["yes_end", "end"], ["no_end", "end"]]);
    expect(def.graph.connectors.map((c) => [c.id, c.mode, c.conditionKey, c.label])).toEqual([
      ["start->7", "solid", null, null],
      ["7->yes_end", "solid", "connector_1", null],
      ["7->no_end", "solid", "no", "fallback"],
    ]);
    expect(def.graph.nodes[1]!.config).toEqual({
      fallback_condition_key: "no",
      decision_conditions: [
        { connector_id: "connector_1", condition_text: "latest_upstream.node_type == start" },
        { connector_id: "no", condition_text: "latest_upstream.node_type == task" },
      ],
    });
    expect(result.validation?.valid).toBe(true);
  });

  it("reads JSON too", () => {
    const json = JSON.stringify({ schema_version: 1, name: "J", settings: { max_parallel_nodes: 3 }, nodes: [{ id: "s", type: "start" }], connectors: [] });
    const result = parseFlowFile(json, "flow.json");
    expect(result.ok).toBe(true);
    expect(result.definition?.settings.max_parallel_nodes).toBe(3);
  });

  it("reports YAML syntax errors at their position", () => {
    const result = parseFlowFile("schema_version: 1\nname: x\nnodes:\n  - id: [unclosed\n", "flow.yaml");
    expect(result.ok).toBe(false);
    expect(result.definition).toBeNull();
    expect(result.errors[0]).toMatchObject({ file: "flow.yaml", code: "yaml_syntax", line: expect.any(Number), col: expect.any(Number) });
    expect(where("name: a\nname: b\n")[0]).toMatch(/^flow\.yaml:2:1 Map keys must be unique/);
  });

  it("reports every schema violation with file:line:col and path", () => {
    const text = `schema_version: 3
name: "   "
colour: blue
settings:
  max_node_executions: 0
  max_parallel_nodes: two
nodes:
  - id: s
    type: start
    extra: 1
  - type: end
connectors:
  - source: s
    target: e
    mode: wavy
`;
    expect(where(text)).toEqual([
      "flow.yaml:1:1 schema_version: is newer than this ARK understands (it reads schema_version 2); upgrade ARK",
      "flow.yaml:2:1 name: must not be blank",
      "flow.yaml:3:1 colour: unknown key 'colour'",
      "flow.yaml:5:3 settings.max_node_executions: must be >= 1",
      "flow.yaml:6:3 settings.max_parallel_nodes: must be integer",
      "flow.yaml:10:5 nodes[0].extra: unknown key 'extra'",
      "flow.yaml:11:5 nodes[1]: missing required key 'id'",
      "flow.yaml:15:5 connectors[0].mode: must be one of: solid, dotted, dashed",
    ]);
    expect(where("")).toEqual(["flow.yaml must be object"]);
    expect(where("schema_version: 1\nname: n\nnodes: []\n")).toEqual(["flow.yaml:3:1 nodes: must have at least 1 item(s)"]);
  });

  /** A start → end flow whose name, start title and one start config key are given as YAML double-quoted text. */
  const flowWithText = (name: string, title: string, key: string) => `schema_version: 2
name: "${name}"
nodes:
  - id: start
    type: start
    title: "${title}"
    config:
      "${key}": 1
  - id: end
    type: end
connectors:
  - source: start
    target: end
`;

  it("refuses a NUL character (YAML's \\0) at its position, in values and in config keys", () => {
    const text = flowWithText("ok", "bad\\0title", "k\\0");
    expect(where(text)).toEqual([
      "flow.yaml:6:5 nodes[0].title: must not contain a NUL character (U+0000)",
      expect.stringMatching(/^flow\.yaml:\d+:\d+ nodes\[0\]\.config.*: must not contain a NUL character \(U\+0000\)$/),
    ]);
  });

  it("refuses a lone UTF-16 surrogate (YAML's \\ud800) at its position, in values and in config keys; a pair is fine", () => {
    const text = flowWithText("smile \\ud83d\\ude00", "half \\ud83d", "k\\udc00");
    expect(where(text)).toEqual([
      "flow.yaml:6:5 nodes[0].title: must not contain a lone UTF-16 surrogate (\\ud83d at offset 5); send well-formed Unicode",
      expect.stringMatching(/^flow\.yaml:\d+:\d+ nodes\[0\]\.config.*: must not contain a lone UTF-16 surrogate \(\\udc00 at offset 1\); send well-formed Unicode$/),
    ]);
    const parsed = parseFlowFile(text, "flow.yaml");
    expect([parsed.ok, parsed.definition, parsed.errors.map((e) => e.code)]).toEqual([false, null, ["lone_surrogate", "lone_surrogate"]]);
    const fine = parseFlowFile(text.replace("half \\ud83d", "whole \\ud83d\\ude00").replace("k\\udc00", "k"), "flow.yaml");
    expect([fine.ok, fine.definition?.name]).toEqual([true, "smile \u{1F600}"]);
  });

  it("refuses aliases that expand without bound (billion laughs) or have no anchor, at the alias", () => {
    let laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n";
    for (const [name, previous] of [["b", "a"], ["c", "b"], ["d", "c"], ["e", "d"], ["f", "e"], ["g", "f"], ["h", "g"], ["i", "h"], ["j", "i"]]) {
      laughs += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]\n`;
    }
    laughs += "schema_version: 2\nname: l\nnodes: *j\n";
    const bomb = parseFlowFile(laughs, "flow.yaml");
    expect(bomb.definition).toBeNull();
    expect(bomb.errors).toEqual([expect.objectContaining({ code: "yaml_alias", line: 2, col: 8 })]);
    expect(formatFlowFileIssue(bomb.errors[0]!)).toMatch(/^flow\.yaml:2:8 Aliases expand into too many copies \(more than 100 alias expansions/);
    expect(where("schema_version: 2\nname: u\nnodes:\n  - &s { id: start, type: start }\n  - *s\n  - *e\n")).toEqual(["flow.yaml:6:5 Alias *e has no anchor &e before it."]);
  });

  it("refuses a file nested deeper than MAX_VALUE_DEPTH where the bound is crossed, however deep it goes", () => {
    const nested = (depth: number) => `schema_version: 2\nname: d\nnodes:\n  - id: start\n    type: start\n    config: { x: ${"[".repeat(depth)}${"]".repeat(depth)} }\n`;
    // The document, nodes, the node and its config are 4 levels: the 253rd "[" (column 17 + 253) is level 257.
    expect(where(nested(252))).not.toContainEqual(expect.stringContaining("levels deep"));
    expect(where(nested(253))).toEqual(["flow.yaml:6:270 The file nests arrays and objects more than 256 levels deep."]);
    for (const depth of [3_000, 50_000]) {
      const result = parseFlowFile(nested(depth), "flow.yaml");
      expect(result.errors).toEqual([expect.objectContaining({ code: "too_deep", line: 6, message: "The file nests arrays and objects more than 256 levels deep." })]);
    }
    const throughAliases = `a: &a ${"[".repeat(200)}${"]".repeat(200)}\nb: ${"[".repeat(100)}*a${"]".repeat(100)}\nschema_version: 2\nname: x\nnodes: []\n`;
    expect(where(throughAliases)).toEqual(["flow.yaml:2:104 The file nests arrays and objects more than 256 levels deep."]);
  });

  it("refuses run limits beyond what the engine stores, at their position", () => {
    const text = `schema_version: 2
name: limits
settings:
  max_runtime_minutes: 2147483648
  max_parallel_nodes: 99999999999999999999
nodes:
  - id: start
    type: start
`;
    expect(where(text)).toEqual([
      "flow.yaml:4:3 settings.max_runtime_minutes: must be <= 2147483647",
      "flow.yaml:5:3 settings.max_parallel_nodes: must be <= 2147483647",
    ]);
  });

  it("positions graph errors at the node or connector key that causes them", () => {
    const text = `schema_version: 1
name: Broken
nodes:
  - id: s
    type: start
  - id: d
    type: decision
    config:
      fallback_condition_key: nowhere
      fan_in_mode: sometimes
  - id: d
    type: end
  - id: odd
    type: teleport
connectors:
  - source: s
    target: d
  - source: d
    target: ghost
  - source: s
    target: odd
    condition: x == 1
`;
    expect(where(text)).toEqual(expectedBrokenIssues);
  });
});

const expectedBrokenIssues = [
  "flow.yaml:6:5 nodes[1]: Decision node d must have at least one solid outgoing edge.",
  "flow.yaml:9:7 nodes[1].config.fallback_condition_key: Decision node d fallback_condition_key 'nowhere' does not match a solid outgoing connector.",
  "flow.yaml:10:7 nodes[1].config.fan_in_mode: Node d (decision) nodes[d].config.fan_in_mode must be one of: all, any, custom.",
  "flow.yaml:11:5 nodes[2].id: nodes[2].id 'd' is already used by another node.",
  "flow.yaml:14:5 nodes[3].type: Node odd has unknown node_type 'teleport'.",
  "flow.yaml:19:5 connectors[1].target: Edge target node ghost does not exist.",
  "flow.yaml:22:5 connectors[2].condition: condition is only allowed on solid connectors leaving a decision node.",
];

describe("flow file helpers", () => {
  it("turns a failed parse into ARK_FLOW_FILE_INVALID listing every problem", () => {
    const error = flowFileInvalidError(parseFlowFile("schema_version: 1\nnodes: 3\n", "x.yaml"));
    expect(isArkError(error, "ARK_FLOW_FILE_INVALID")).toBe(true);
    expect(error.message).toBe("x.yaml has 2 problems:\n  x.yaml:1:1 missing required key 'name'\n  x.yaml:2:1 nodes: must be array");
  });

  it("writes a definition back as a file that parses to the same graph", () => {
    const first = parseFlowFile(valid, "flow.yaml").definition!;
    const text = stringifyFlowFile(first);
    const again = parseFlowFile(text, "again.yaml");
    expect(again.errors).toEqual([]);
    expect(again.definition).toEqual(first);
  });
});
