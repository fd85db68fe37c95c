import { describe, expect, it } from "vitest";
import { isArkError } from "../../errors/index.js";
import {
  BUILT_IN_NODE_TYPES,
  REFERENCE_NODE_TYPE_CAPABILITIES,
  capabilitiesFromContribution,
  createNodeTypeCapabilityRegistry,
} from "./node-type-capabilities.js";

describe("the reference capability table (§2.1)", () => {
  it.each([
    // type, ref, model, mcp, scripts, skills, attachments
    ["start", "forbidden", false, false, false, false, false],
    ["end", "forbidden", false, false, false, false, false],
    ["flowchart", "required", true, false, false, false, true],
    ["task", "forbidden", true, true, true, true, true],
    ["plan", "required", true, true, true, true, true],
    ["milestone", "required", true, true, true, true, true],
    ["memory", "optional", true, true, true, true, true],
    ["decision", "forbidden", true, false, false, false, true],
    ["rag", "forbidden", true, false, false, false, true],
  ] as const)("%s: ref %s, bindings %s/%s/%s/%s/%s", (type, ref, model, mcp, scripts, skills, attachments) => {
    expect(REFERENCE_NODE_TYPE_CAPABILITIES[type]).toMatchObject({ ref, model, mcp, scripts, skills, attachments });
  });

  it("marks the special rows: auto refs, task prompt, memory MCP, End without outgoing, decision keys, start without fan-in", () => {
    const auto = Object.entries(REFERENCE_NODE_TYPE_CAPABILITIES).filter(([, c]) => c.autoCreatesRef).map(([t]) => t);
    expect(auto.sort()).toEqual(["memory", "milestone", "plan"]);
    expect(REFERENCE_NODE_TYPE_CAPABILITIES.task!.requiredConfigKeys).toEqual(["task_prompt"]);
    expect(REFERENCE_NODE_TYPE_CAPABILITIES.memory!.requiresSystemMcp).toBe(true);
    expect(REFERENCE_NODE_TYPE_CAPABILITIES.end!.maxOutgoing).toBe(0);
    expect(REFERENCE_NODE_TYPE_CAPABILITIES.decision!.routesByConditionKey).toBe(true);
    expect(REFERENCE_NODE_TYPE_CAPABILITIES.start!.fanIn).toBe(false);
  });
});

describe("createNodeTypeCapabilityRegistry", () => {
  it("knows only the built-in types without contributions", () => {
    const registry = createNodeTypeCapabilityRegistry();
    expect(registry.types()).toEqual([...BUILT_IN_NODE_TYPES].sort());
    expect(registry.get("decision")).toMatchObject({ builtIn: true, routesByConditionKey: true });
    expect(registry.has("task")).toBe(false);
  });

  it("adds contributed types over their reference row, with the plugin's overrides", () => {
    const registry = createNodeTypeCapabilityRegistry([
      { pluginId: "tasks", value: { type: "task" } },
      { pluginId: "http", value: { type: "http_call", capabilities: { maxOutgoing: 2, requiresRef: true, requiredConfigKeys: ["url"] } } },
      { type: "memory", capabilities: { requiresSystemMcp: false } },
    ]);
    expect(registry.get("task")).toMatchObject({ builtIn: false, requiredConfigKeys: ["task_prompt"], mcp: true });
    expect(registry.get("http_call")).toMatchObject({ ref: "required", maxOutgoing: 2, requiredConfigKeys: ["url"], model: false, attachments: true });
    expect(registry.get("memory")).toMatchObject({ ref: "optional", requiresSystemMcp: false });
  });

  it("lets a plugin provide a built-in type's executor but not change its capabilities", () => {
    expect(() => createNodeTypeCapabilityRegistry([{ type: "end" }])).not.toThrow();
    expect(() => createNodeTypeCapabilityRegistry([{ type: "end", capabilities: { maxOutgoing: 0 } }])).not.toThrow();
    try {
      createNodeTypeCapabilityRegistry([{ pluginId: "p", value: { type: "end", capabilities: { maxOutgoing: 3 } } }]);
      expect.unreachable();
    } catch (error) {
      expect(isArkError(error, "ARK_FLOW_NODE_TYPE_INVALID")).toBe(true);
      expect((error as Error).message).toBe("Node type 'end' from plugin 'p': node type 'end' is built in; its capabilities cannot be changed (leave `capabilities` out).");
    }
  });

  it.each([
    [{ type: "x", capabilities: { maxOutgoin: 1 } }, "unknown capability 'maxOutgoin'"],
    [{ type: "x", capabilities: { ref: "sometimes" } }, "capability 'ref' must be one of: forbidden, optional, required."],
    [{ type: "x", capabilities: { maxOutgoing: -1 } }, "capability 'maxOutgoing' must be a non-negative integer or null."],
    [{ type: "x", capabilities: { requiredConfigKeys: "url" } }, "capability 'requiredConfigKeys' must be an array of config key names."],
    [{ type: "x", capabilities: { fanIn: "yes" } }, "capability 'fanIn' must be true or false."],
    [{ type: "Bad Type" }, "a node type is 1-32 characters"],
    [{ type: "" }, "a node type is 1-32 characters"],
  ])("rejects %j", (contribution, expected) => {
    expect(() => capabilitiesFromContribution(contribution as never, "plug")).toThrow(expected);
  });

  it("maps allowsRef to an optional ref", () => {
    expect(capabilitiesFromContribution({ type: "lookup", capabilities: { allowsRef: true } }).ref).toBe("optional");
  });
});
