/** Flowchart storage: CRUD, graph save (structural refused, semantic saved and reported), decision sync, order, import. */
import { expect, it } from "vitest";
import { describeStore } from "../../../test/support/store-harness.js";
import { isArkError } from "../../errors/index.js";
import { parseFlowFile } from "../graph/index.js";
import { FlowchartRepository } from "./flowchart-repository.js";

const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (err) => (isArkError(err) ? err.code : String(err)));

describeStore("flowchart repository", (getStore) => {
  const repo = () => new FlowchartRepository(getStore());

  it("creates a flowchart with a lone start node, reads, lists, updates and deletes it", async () => {
    const flowcharts = repo();
    const created = await flowcharts.create({ name: "  Triage  ", description: "d", settings: { max_parallel_nodes: 2 } });
    expect([created.name, created.schemaVersion, created.settings]).toEqual(["Triage", 2, { max_node_executions: null, max_runtime_minutes: null, max_parallel_nodes: 2 }]);
    expect(created.graph.graph.nodes.map((n) => [n.id, n.type])).toEqual([["start", "start"]]);
    expect(created.graph.validation.valid).toBe(true);
    expect((await flowcharts.get(created.id)).name).toBe("Triage");
    expect((await flowcharts.list()).items.map((f) => f.id)).toEqual([created.id]);
    expect((await flowcharts.update(created.id, { name: "Renamed" })).name).toBe("Renamed");
    await flowcharts.delete(created.id);
    expect(await codeOf(flowcharts.get(created.id))).toBe("ARK_NOT_FOUND");
    expect(await codeOf(flowcharts.get("abc"))).toBe("ARK_INVALID_ARGUMENT");
    expect(await codeOf(flowcharts.create({ name: " " }))).toBe("ARK_INVALID_ARGUMENT");
    expect(await codeOf(flowcharts.create({ name: "x", schemaVersion: 99 }))).toBe("ARK_INVALID_ARGUMENT");
  });

  it("graph save: structural errors are refused and nothing is written", async () => {
    const flowcharts = repo();
    const { id } = await flowcharts.create({ name: "f" });
    const bad = { nodes: [{ id: "start", type: "start" }, { id: "x", type: "no_such_type" }], edges: [{ source: "start", target: "x" }] };
    const err = await flowcharts.saveGraph(id, bad).catch((e: unknown) => e);
    expect(isArkError(err, "ARK_FLOW_GRAPH_INVALID")).toBe(true);
    const messages = ((err as { details: { structuralErrors: { message: string }[] } }).details.structuralErrors).map((i) => i.message);
    expect(messages).toContain("edges[0].edge_mode is required.");
    expect((await flowcharts.getGraph(id)).graph.nodes.map((n) => n.id)).toEqual(["start"]);
    expect(await codeOf(flowcharts.saveGraph(id, { nodes: "no" }))).toBe("ARK_FLOW_GRAPH_INVALID");
    expect(await codeOf(flowcharts.saveGraph("424242", { nodes: [], edges: [] }))).toBe("ARK_NOT_FOUND");
  });

  it("graph save: semantic errors are saved and reported; decision connectors get keys; connector order is kept", async () => {
    const flowcharts = repo();
    const { id } = await flowcharts.create({ name: "f" });
    const saved = await flowcharts.saveGraph(id, {
      nodes: [{ id: "start", type: "start" }, { id: "d", type: "decision" }, { id: "z", type: "end" }, { id: "a", type: "end" }, { id: "lost", type: "end" }],
      edges: [
        { id: "e9", source: "start", target: "d", edge_mode: "solid" },
        { id: "e2", source: "d", target: "z", edge_mode: "solid" },
        { id: "e5", source: "d", target: "a", edge_mode: "solid", condition_key: "chosen" },
      ],
    });
    expect(saved.validation.valid).toBe(false);
    expect(saved.validation.errors).toEqual(["Disconnected required nodes found: lost"]);
    expect(saved.keyChanges.map((c) => [c.connectorId, c.to])).toEqual([["e2", "connector_1"]]);
    const read = await flowcharts.getGraph(id);
    expect(read.graph.connectors.map((c) => [c.id, c.conditionKey ?? null])).toEqual([["e9", null], ["e2", "connector_1"], ["e5", "chosen"]]);
    expect(read.graph.nodes.find((n) => n.id === "d")!.config.decision_conditions).toEqual([
      { connector_id: "connector_1", condition_text: "" },
      { connector_id: "chosen", condition_text: "" },
    ]);
    expect(read.validation.errors).toEqual(["Disconnected required nodes found: lost"]);
  });

  it("validation checks that a flowchart node's target exists (rule 14)", async () => {
    const flowcharts = repo();
    const { id } = await flowcharts.create({ name: "f" });
    const saved = await flowcharts.saveGraph(id, {
      nodes: [{ id: "start", type: "start" }, { id: "sub", type: "flowchart", ref_id: 987654 }],
      edges: [{ source: "start", target: "sub", edge_mode: "solid" }],
    });
    expect(saved.validation.errors).toEqual(["Node sub (flowchart) ref_id 987654 does not exist."]);
  });

  it("imports a parsed flow file and replaces an existing flowchart from one (the file's schema_version replaces the stored one)", async () => {
    const flowcharts = repo();
    const text = "schema_version: 2\nname: Imported\nsettings: {max_node_executions: 7}\nnodes:\n  - {id: start, type: start}\n  - {id: end, type: end}\nconnectors:\n  - {source: start, target: end}\n";
    const parsed = parseFlowFile(text, "f.yaml");
    const created = await flowcharts.importDefinition(parsed.definition!);
    expect([created.name, created.settings.max_node_executions, created.graph.validation.valid]).toEqual(["Imported", 7, true]);
    const renamed = parseFlowFile(text.replace("Imported", "Again"), "f.yaml").definition!;
    const replaced = await flowcharts.importDefinition(renamed, { flowchartId: created.id });
    expect([created.schemaVersion, replaced.id, replaced.name]).toEqual([2, created.id, "Again"]);
    // A file at the pre-migration version 1 is stored at 1 (for `ark migrate`), also when it replaces a flowchart.
    const legacy = parseFlowFile(text.replace("schema_version: 2", "schema_version: 1"), "f.yaml").definition!;
    expect((await flowcharts.importDefinition(legacy, { flowchartId: created.id })).schemaVersion).toBe(1);
    expect((await flowcharts.importDefinition(renamed, { flowchartId: created.id })).schemaVersion).toBe(2);
    expect((await flowcharts.list()).total).toBe(1);
  });
}, { migrate: "core" });
