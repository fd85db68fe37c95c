/** Flowchart routes over real HTTP: CRUD, graph save (400 structural / 200 semantic), validate, import; bad input writes nothing. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleText, holdFlowYaml, startFlowApiKernel, type FlowApiKernel } from "./flow-api-test-support.js";

let t: FlowApiKernel;
beforeAll(async () => {
  t = await startFlowApiKernel();
}, 90_000);
afterAll(async () => {
  await t?.stop();
});

const linearGraph = {
  nodes: [{ id: "start", type: "start" }, { id: "end", type: "end" }],
  connectors: [{ source: "start", target: "end", mode: "solid" }],
};

async function flowchartCount(): Promise<number> {
  return (await t.call("GET", "/api/flowcharts?limit=1")).json.total_count;
}

describe("flowchart CRUD", () => {
  it("creates, reads, lists, patches and deletes a flowchart", async () => {
    const created = await t.call("POST", "/api/flowcharts", { name: "crud", description: "d", settings: { max_parallel_nodes: 2 }, graph: linearGraph });
    expect(created.status).toBe(201);
    expect(created.json.flowchart).toMatchObject({ name: "crud", description: "d", schema_version: 2, settings: { max_parallel_nodes: 2 } });
    expect(created.json.validation).toMatchObject({ valid: true, errors: [] });
    const id = created.json.flowchart.id as string;

    const read = await t.call("GET", `/api/flowcharts/${id}`);
    expect(read.status).toBe(200);
    expect(read.json.flowchart).toEqual(created.json.flowchart);

    const list = await t.call("GET", "/api/flowcharts?limit=500");
    expect(list.json.items.map((f: { id: string }) => f.id)).toContain(id);
    expect(list.json).toMatchObject({ ok: true, limit: 500, offset: 0 });

    const patched = await t.call("PATCH", `/api/flowcharts/${id}`, { name: "crud renamed", settings: { max_node_executions: 7 } });
    expect(patched.status).toBe(200);
    expect(patched.json.flowchart).toMatchObject({ name: "crud renamed", description: "d", settings: { max_node_executions: 7, max_parallel_nodes: 2 } });

    const deleted = await t.call("DELETE", `/api/flowcharts/${id}`);
    expect(deleted.json).toEqual({ ok: true, deleted: true, id });
    const gone = await t.call("GET", `/api/flowcharts/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe("not_found");
  });

  it("creates a lone start node when no graph is given", async () => {
    const created = await t.call("POST", "/api/flowcharts", { name: "empty" });
    const graph = await t.call("GET", `/api/flowcharts/${created.json.flowchart.id}/graph`);
    expect(graph.json.nodes).toEqual([expect.objectContaining({ id: "start", type: "start" })]);
    expect(graph.json.connectors).toEqual([]);
  });

  it("answers bad input with the envelope and writes nothing", async () => {
    const before = await flowchartCount();
    const missingName = await t.call("POST", "/api/flowcharts", { description: "x", colour: "red" });
    expect(missingName.status).toBe(400);
    expect(missingName.json.error.code).toBe("invalid_request");
    expect(missingName.json.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(["body.colour", "body.name"]);

    const badSettings = await t.call("POST", "/api/flowcharts", { name: "bad settings", settings: { max_parallel_nodes: 0, nope: 1 } });
    expect(badSettings.status).toBe(400);
    expect(badSettings.json.error.code).toBe("ARK_FLOW_SETTINGS_INVALID");
    expect(badSettings.json.error.details.problems).toHaveLength(2);

    const badGraph = await t.call("POST", "/api/flowcharts", { name: "bad graph", graph: { nodes: [{ id: "start", type: "warp" }], connectors: [{ source: "start", target: "nowhere", mode: "zigzag" }] } });
    expect(badGraph.status).toBe(400);
    expect(badGraph.json.error.code).toBe("ARK_FLOW_GRAPH_INVALID");
    expect(badGraph.json.error.details.structuralErrors.length).toBeGreaterThanOrEqual(2);
    expect(await flowchartCount()).toBe(before);

    const created = await t.call("POST", "/api/flowcharts", { name: "patch target" });
    const badPatch = await t.call("PATCH", `/api/flowcharts/${created.json.flowchart.id}`, { settings: { max_runtime_minutes: -1 } });
    expect(badPatch.status).toBe(400);
    const after = await t.call("GET", `/api/flowcharts/${created.json.flowchart.id}`);
    expect(after.json.flowchart.settings.max_runtime_minutes).toBeNull();
  });

  it("answers unknown and malformed ids, unknown routes and wrong methods with stable codes", async () => {
    for (const path of ["/api/flowcharts/999999", "/api/flowcharts/abc", "/api/flowcharts/0/graph", "/api/flowcharts/999999/graph"]) {
      const answer = await t.call("GET", path);
      expect(answer.status, path).toBe(404);
      expect(answer.json).toMatchObject({ ok: false, error: { contract_version: "v1", code: "not_found" } });
      expect(answer.json.error.request_id).toBe(answer.headers["x-request-id"]);
    }
    expect((await t.call("PATCH", "/api/flowcharts/999999", { name: "x" })).json.error.code).toBe("not_found");
    expect((await t.call("DELETE", "/api/flowcharts/999999")).status).toBe(404);
    expect((await t.call("POST", "/api/flowcharts/999999/graph", linearGraph)).status).toBe(404);
    expect((await t.call("GET", "/api/flowchartz")).json.error.code).toBe("not_found");
    const wrongMethod = await t.call("PUT", "/api/flowcharts/1", {});
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json.error.code).toBe("method_not_allowed");
  });
});

describe("graph save and validate", () => {
  it("refuses structural problems with every issue and keeps the stored graph", async () => {
    const { json } = await t.call("POST", "/api/flowcharts", { name: "structural", graph: linearGraph });
    const id = json.flowchart.id;
    const bad = await t.call("POST", `/api/flowcharts/${id}/graph`, {
      nodes: [{ id: "start", type: "start" }, { id: "x", type: "nope" }, { id: "y", type: "end", config: "not an object" }],
      edges: [{ source: "start", target: "x" }, { source: "start", target: "ghost", mode: "solid" }],
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("ARK_FLOW_GRAPH_INVALID");
    const codes = bad.json.error.details.structuralErrors.map((i: { code: string }) => i.code);
    expect(codes.length).toBeGreaterThanOrEqual(4);
    const stored = await t.call("GET", `/api/flowcharts/${id}/graph`);
    expect(stored.json.nodes.map((n: { id: string }) => n.id)).toEqual(["start", "end"]);
    expect(stored.json.connectors).toHaveLength(1);

    const shape = await t.call("POST", `/api/flowcharts/${id}/graph`, { nodes: "no" });
    expect(shape.status).toBe(400);
    expect(shape.json.error.message).toContain("Graph payload must contain nodes[] and edges[] arrays.");
  });

  it("saves semantic problems and reports them in validation; a run is then refused with 400", async () => {
    const { json } = await t.call("POST", "/api/flowcharts", { name: "semantic" });
    const id = json.flowchart.id;
    const saved = await t.call("POST", `/api/flowcharts/${id}/graph`, {
      nodes: [{ id: "start", type: "start" }, { id: "d", type: "decision" }, { id: "a", type: "end" }, { id: "b", type: "end" }, { id: "orphan", type: "end" }],
      connectors: [{ source: "start", target: "d", mode: "solid" }, { source: "d", target: "a", mode: "solid" }, { source: "d", target: "b", mode: "solid" }],
    });
    expect(saved.status).toBe(200);
    expect(saved.json.validation.valid).toBe(false);
    expect(saved.json.validation.errors).toEqual(["Disconnected required nodes found: orphan"]);
    expect(saved.json.key_changes.map((c: { to: string }) => c.to)).toEqual(["connector_1", "connector_2"]);
    const stored = await t.call("GET", `/api/flowcharts/${id}/graph`);
    expect(stored.json.nodes).toHaveLength(5);
    expect(stored.json.validation.errors).toEqual(saved.json.validation.errors);

    const runsBefore = (await t.call("GET", `/api/runs?flowchart_id=${id}`)).json.total_count;
    const run = await t.call("POST", `/api/flowcharts/${id}/runs`, {});
    expect(run.status).toBe(400);
    expect(run.json.error.code).toBe("ARK_FLOW_GRAPH_INVALID");
    expect(run.json.error.details.validation).toEqual({ valid: false, errors: saved.json.validation.errors });
    expect((await t.call("GET", `/api/runs?flowchart_id=${id}`)).json.total_count).toBe(runsBefore);
  });

  it("validates the stored graph, or a candidate without saving it", async () => {
    const { json } = await t.call("POST", "/api/flowcharts", { name: "validate", graph: linearGraph });
    const id = json.flowchart.id;
    const stored = await t.call("POST", `/api/flowcharts/${id}/validate`, {});
    expect(stored.json).toMatchObject({ ok: true, source: "stored", validation: { valid: true, errors: [] } });
    const candidate = await t.call("POST", `/api/flowcharts/${id}/validate`, {
      nodes: [{ id: "start", type: "start" }, { id: "sub", type: "flowchart", ref_id: 987654 }, { id: "loose", type: "bogus" }],
      connectors: [{ source: "start", target: "sub", mode: "solid" }],
    });
    expect(candidate.status).toBe(200);
    expect(candidate.json.source).toBe("candidate");
    expect(candidate.json.validation.valid).toBe(false);
    expect(candidate.json.validation.structural_errors.length).toBeGreaterThan(0);
    expect(candidate.json.validation.errors.join("\n")).toMatch(/987654/);
    const after = await t.call("GET", `/api/flowcharts/${id}/graph`);
    expect(after.json.nodes.map((n: { id: string }) => n.id)).toEqual(["start", "end"]);
  });
});

describe("import", () => {
  it("imports a YAML flow file (201), replaces by id or by name (200)", async () => {
    const created = await t.call("POST", "/api/flowcharts/import", { content: exampleText("decision-branch.yaml"), file_name: "decision-branch.yaml" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ ok: true, action: "created", flowchart: { name: "Decision branch" } });
    expect(created.json.graph.nodes.map((n: { id: string }) => n.id)).toEqual(["start", "triage", "accepted", "rejected"]);
    const id = created.json.flowchart.id;

    const byId = await t.call("POST", "/api/flowcharts/import", { content: exampleText("linear.yaml"), flowchart_id: id });
    expect(byId.status).toBe(200);
    expect(byId.json).toMatchObject({ action: "updated", flowchart: { id, name: "Linear" } });

    const byName = await t.call("POST", "/api/flowcharts/import", { content: exampleText("linear.yaml"), match_name: true });
    expect(byName.json).toMatchObject({ action: "updated", flowchart: { id } });

    const asJson = await t.call("POST", "/api/flowcharts/import", {
      definition: { schema_version: 1, name: "json flow", nodes: [{ id: "start", type: "start" }, { id: "end", type: "end" }], connectors: [{ source: "start", target: "end" }] },
    });
    expect(asJson.status).toBe(201);
  });

  it("refuses a file with errors, each positioned, and writes nothing", async () => {
    const before = await flowchartCount();
    const text = "schema_version: 1\nname: broken\nnodes:\n  - id: start\n    type: start\n  - id: w\n    type: hold\nconnectors:\n  - source: start\n    target: ghost\n";
    const bad = await t.call("POST", "/api/flowcharts/import", { content: text, file_name: "broken.yaml" });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("ARK_FLOW_FILE_INVALID");
    const issue = bad.json.error.details.issues.find((i: { path: string }) => i.path.startsWith("connectors[0]"));
    expect(issue).toMatchObject({ file: "broken.yaml", line: 10 });
    expect(bad.json.error.message).toMatch(/broken\.yaml:10:\d+ connectors\[0\]/);

    const syntax = await t.call("POST", "/api/flowcharts/import", { content: "name: [unclosed\n" });
    expect(syntax.status).toBe(400);
    expect(syntax.json.error.details.issues[0]).toMatchObject({ code: "yaml_syntax", line: expect.any(Number) });

    const missingRef = await t.call("POST", "/api/flowcharts/import", {
      content: "schema_version: 1\nname: sub\nnodes:\n  - { id: start, type: start }\n  - { id: sub, type: flowchart, ref_id: 424242 }\nconnectors:\n  - { source: start, target: sub }\n",
    });
    expect(missingRef.status).toBe(400);
    expect(missingRef.json.error.message).toContain("424242");

    const neither = await t.call("POST", "/api/flowcharts/import", { file_name: "x.yaml" });
    expect(neither.status).toBe(400);
    expect(neither.json.error.code).toBe("invalid_request");

    const target = await t.call("POST", "/api/flowcharts/import", { content: exampleText("linear.yaml"), file_name: "linear.yaml" });
    const replaceBroken = await t.call("POST", "/api/flowcharts/import", { content: text.replace("name: broken", "name: Renamed"), flowchart_id: target.json.flowchart.id });
    expect(replaceBroken.status).toBe(400);
    expect((await t.call("GET", `/api/flowcharts/${target.json.flowchart.id}`)).json.flowchart.name).toBe("Linear");
    expect((await t.call("GET", `/api/flowcharts/${target.json.flowchart.id}/graph`)).json.nodes.map((n: { id: string }) => n.id)).toEqual(["start", "check_start", "end"]);
    const unknownTarget = await t.call("POST", "/api/flowcharts/import", { content: exampleText("linear.yaml"), flowchart_id: 999999 });
    expect(unknownTarget.status).toBe(404);
    expect(await flowchartCount()).toBe(before + 1);
  });

  it("knows plugin node types and refuses to delete a flowchart with an active run (409)", async () => {
    const imported = await t.call("POST", "/api/flowcharts/import", { content: holdFlowYaml("held for delete", "delete-latch") });
    expect(imported.status).toBe(201);
    const id = imported.json.flowchart.id;
    const run = await t.call("POST", `/api/flowcharts/${id}/runs`, {});
    expect(run.status).toBe(202);
    const refused = await t.call("DELETE", `/api/flowcharts/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({ code: "ARK_FLOW_RUN_ACTIVE", details: { activeRunIds: [run.json.flowchart_run.id] } });
    expect((await t.call("GET", `/api/flowcharts/${id}`)).status).toBe(200);
    t.latches.open("delete-latch");
    await t.engine.waitForRun(run.json.flowchart_run.id, { timeoutMs: 20_000 });
    expect((await t.call("DELETE", `/api/flowcharts/${id}`)).status).toBe(200);
  });
});
