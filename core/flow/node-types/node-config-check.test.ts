/** Node configs against their node type's configSchema: graph save, validate, run start and flow-file import. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeStore } from "../../../test/support/store-harness.js";
import { createContractRegistry } from "../../contracts/index.js";
import { isArkError } from "../../errors/index.js";
import { successResult } from "../../execution/execution-results.js";
import type { NodeTypeContribution } from "../../plugin-api/contributions.js";
import { importFlowText } from "../api/flow-file-import.js";
import { createNodeTypeCapabilityRegistry, type FlowNode, type NodeTypeCapabilities } from "../graph/index.js";
import { createTestEngine, flowYaml, type TestEngine } from "../testing/flow-test-kit.js";
import { createNodeConfigCheck, nodeConfigSchemaId } from "./node-config-check.js";

/** A node type whose config must name a `mode` and may carry a positive integer `tries`; nothing else of its own. */
const typed: NodeTypeContribution = {
  type: "typed",
  capabilities: {},
  configSchema: {
    type: "object",
    required: ["mode"],
    properties: { mode: { enum: ["fast", "safe"] }, tries: { type: "integer", minimum: 1 } },
    additionalProperties: false,
  },
  execute: async (request) => successResult({ node_id: request.node_id }),
};

const node = (config: Record<string, unknown>, type = "typed"): FlowNode => ({ id: "n1", type, config }) as unknown as FlowNode;
const caps = {} as NodeTypeCapabilities;

describe("node config check", () => {
  it("reports each violation with its JSON pointer; the engine's own keys are not the type schema's business", () => {
    const check = createNodeConfigCheck(createContractRegistry(), [typed, { type: "free" }]);
    expect(check(node({ mode: "fast", tries: 2, fan_in_mode: "any", retention_mode: "forever", request_id: "r" }), caps)).toEqual([]);
    expect(check(node({ mode: "turbo", tries: 0 }), caps)).toEqual([
      `config /mode must be one of: "fast", "safe" (node type configSchema).`,
      "config /tries must be >= 1 (node type configSchema).",
    ]);
    expect(check(node({ tries: "3", extra: true }), caps)).toEqual([
      "config (root) must have required property 'mode' (node type configSchema).",
      "config (root) must NOT have additional property 'extra' (node type configSchema).",
      "config /tries must be integer (node type configSchema).",
    ]);
    expect(check(node({ anything: 1 }, "free"), caps)).toEqual([]); // no configSchema: any config
  });

  it("refuses a node type whose configSchema does not compile, naming the plugin", () => {
    const broken = { value: { type: "broken", configSchema: { type: "no-such-json-type" } }, pluginId: "acme" };
    let err: unknown;
    try {
      createNodeConfigCheck(createContractRegistry(), [broken]);
    } catch (e) {
      err = e;
    }
    expect(isArkError(err, "ARK_FLOW_NODE_TYPE_INVALID")).toBe(true);
    expect((err as Error).message).toMatch(/^Node type 'broken' of plugin 'acme' declares an invalid configSchema/);
  });

  it("registers the schema once per registry (a second engine over the same registry reuses it)", () => {
    const contracts = createContractRegistry();
    createNodeConfigCheck(contracts, [typed]);
    const again = createNodeConfigCheck(contracts, [typed]);
    expect(contracts.has(nodeConfigSchemaId("typed"))).toBe(true);
    expect(again(node({ mode: "x" }), caps)).toHaveLength(1);
  });
});

describeStore("node config check in the flow engine", (getStore) => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await createTestEngine(getStore(), { extraNodeTypes: [typed], start: false });
  });
  afterEach(async () => {
    await t.dispose();
  });

  const graph = (config: Record<string, unknown>) => ({
    nodes: [{ id: "start", type: "start" }, { id: "work", type: "typed", config }],
    edges: [{ source: "start", target: "work", edge_mode: "solid" }],
  });

  it("graph save keeps a config that violates the schema but reports it; validate and run start refuse it", async () => {
    const { id } = await t.engine.flowcharts.create({ name: "typed flow" });
    const saved = await t.engine.flowcharts.saveGraph(id, graph({ mode: "turbo" }));
    expect(saved.validation.valid).toBe(false);
    expect(saved.validation.errors).toEqual([`Node work (typed) config /mode must be one of: "fast", "safe" (node type configSchema).`]);
    const read = await t.engine.flowcharts.getGraph(id);
    expect(read.graph.nodes.find((n) => n.id === "work")!.config).toEqual({ mode: "turbo" });
    expect(read.validation.errors).toEqual(saved.validation.errors);
    const refused = await t.engine.startRun({ flowchartId: id }).catch((e: unknown) => e);
    expect(isArkError(refused, "ARK_FLOW_GRAPH_INVALID")).toBe(true);
    expect((await t.engine.queries.listRuns({ flowchartId: id })).items).toEqual([]);
    const fixed = await t.engine.flowcharts.saveGraph(id, graph({ mode: "safe", tries: 3 }));
    expect(fixed.validation).toMatchObject({ valid: true, errors: [] });
  });

  it("a flow file whose node config violates the schema is refused whole, with the node and pointer, and nothing is written", async () => {
    const text = flowYaml({ name: "typed file", nodes: ["start:start", "work:typed:{mode: fast, tries: -1}"], connectors: ["start->work"] });
    const registry = createNodeTypeCapabilityRegistry([typed]);
    const err = await importFlowText({ engine: t.engine, db: getStore(), registry }, text, "typed.yaml").catch((e: unknown) => e);
    expect(isArkError(err, "ARK_FLOW_FILE_INVALID")).toBe(true);
    expect(JSON.stringify((err as { details: unknown }).details)).toContain("Node work (typed) config /tries must be >= 1 (node type configSchema).");
    expect((await t.engine.flowcharts.list()).items.map((f) => f.name)).not.toContain("typed file");
  });
}, { migrate: "core" });
