/** Artifacts (reference §12): one per succeeded node run, payload per type, request ids, retention and the sweeper. */
import { afterEach, expect, it } from "vitest";
import { describeStore } from "../../../test/support/store-harness.js";
import { createTestEngine, flowYaml, importFlow, runToEnd, type TestEngine } from "../testing/flow-test-kit.js";
import { artifactPayload, retentionOf, sweepExpiredArtifacts } from "./node-artifacts.js";

const flow = (config: string) => flowYaml({ nodes: ["start:start", `a:record:${config}`, "end:end"], connectors: ["start->a", "a->end"] });

describeStore("flow engine: artifacts", (getStore) => {
  let t: TestEngine | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  const artifactsOfA = async (flowchartId: string) =>
    (await t!.engine.queries.listArtifacts({ flowchartId, nodeId: "a" })).items.map((a) => [a.flowchart_run_id, a.retention_mode]);

  it("writes one artifact per succeeded node run with the generic payload and default request ids", async () => {
    t = await createTestEngine(getStore());
    const run = await runToEnd(t.engine, await importFlow(t.engine, flow("{retention_mode: forever, request_id: req-7}")));
    const nodeRuns = (await t.engine.queries.listNodeRuns(run.id)).items;
    const artifacts = (await t.engine.queries.listArtifacts({ runId: run.id })).items;
    expect(artifacts.map((a) => a.flowchart_run_node_id).sort()).toEqual(nodeRuns.map((nr) => nr.id).sort());
    const a = artifacts.find((x) => x.flowchart_node_id === "a")!;
    expect(a).toMatchObject({ artifact_type: "record", retention_mode: "forever", expires_at: null, request_id: "req-7", correlation_id: `flowchart-run-${run.id}`, ref_id: null });
    expect(Object.keys(a.payload as object).sort()).toEqual(["input_context", "node_config", "node_type", "output_state", "routing_state"]);
    // The input context in the payload is the node run's own (the batch write takes it from the node run's row).
    const nodeRunA = nodeRuns.find((nr) => nr.nodeId === "a")!;
    expect((a.payload as { input_context: unknown }).input_context).toEqual(nodeRunA.inputContext);
    expect((nodeRunA.inputContext as { node: { id: string } }).node.id).toBe("a");
    const start = artifacts.find((x) => x.flowchart_node_id === "start")!;
    expect(start.request_id).toBe(`flowchart-run-${run.id}-node-run-${start.flowchart_run_node_id}`);
    expect(start.retention_mode).toBe("ttl");
    expect(await t.engine.queries.getArtifact(a.id)).toEqual(a);
  });

  it("ttl: an expired artifact of the node is pruned on the next write; the sweeper removes expired ones anyway", async () => {
    t = await createTestEngine(getStore());
    const id = await importFlow(t.engine, flow("{retention_mode: ttl, retention_ttl_seconds: 600}"));
    const first = await runToEnd(t.engine, id);
    await getStore().query("UPDATE ark_flow_node_artifacts SET expires_at = now() - interval '1 second' WHERE run_id = $1 AND node_id = 'a'", [first.id]);
    const second = await runToEnd(t.engine, id);
    expect(await artifactsOfA(id)).toEqual([[second.id, "ttl"]]);
    await t.engine.stop(); // its periodic tick sweeps too; count this sweep alone
    await getStore().query("UPDATE ark_flow_node_artifacts SET expires_at = now() - interval '1 second' WHERE run_id = $1", [second.id]);
    expect(await sweepExpiredArtifacts(getStore())).toBe(3);
    expect((await t.engine.queries.listArtifacts({ runId: second.id })).total).toBe(0);
  });

  it("max_count keeps the newest N per node across runs, but never deletes an artifact written with forever (Q14 fixed)", async () => {
    t = await createTestEngine(getStore());
    const id = await importFlow(t.engine, flow("{retention_mode: forever}"));
    const kept = await runToEnd(t.engine, id);
    const graph = (await t.engine.flowcharts.getGraph(id)).graph;
    const nodes = graph.nodes.map((n) => (n.id === "a" ? { ...n, config: { retention_mode: "max_count", retention_max_count: 2 } } : n));
    await t.engine.flowcharts.saveGraph(id, { nodes, connectors: graph.connectors });
    const runs = [await runToEnd(t.engine, id), await runToEnd(t.engine, id), await runToEnd(t.engine, id)];
    expect(await artifactsOfA(id)).toEqual([[runs[2]!.id, "max_count"], [runs[1]!.id, "max_count"], [kept.id, "forever"]]);
  });

  it("retention config reads like the reference's (ttl is the default)", () => {
    expect(retentionOf({})).toEqual({ mode: "ttl", ttlSeconds: 3600, maxCount: 25 });
    expect(retentionOf({ retention_mode: "none" }).mode).toBe("forever");
    expect(retentionOf({ retention_mode: "ttl+max", retention_ttl_seconds: 0, retention_max_count: "x" })).toEqual({ mode: "ttl_max_count", ttlSeconds: 1, maxCount: 25 });
    expect(retentionOf({ retention_mode: "max" }).mode).toBe("max_count");
    // Values the SQL could not hold are clamped, not stored to fail the node run's persist.
    expect(retentionOf({ retention_ttl_seconds: "99999999999999999999", retention_max_count: 1e12 })).toMatchObject({ ttlSeconds: 2_147_483_647, maxCount: 2_147_483_647 });
    const decision = artifactPayload("decision", { inputContext: {}, outputState: { matched_connector_ids: ["k"], evaluations: [], no_match: false }, routingState: { route_key: "k" }, config: {} });
    expect(decision).toEqual({ matched_connector_ids: ["k"], evaluations: [], no_match: false, routing_state: { route_key: "k" } });
  });

  it("a flowchart with an active run cannot be deleted (ARK_FLOW_RUN_ACTIVE); once it ended, its runs and artifacts go with it", async () => {
    t = await createTestEngine(getStore());
    const id = await importFlow(t.engine, flow("{latch: hold}"));
    const run = await t.engine.startRun({ flowchartId: id });
    const err = await t.engine.flowcharts.delete(id).catch((e: { code?: string; details?: unknown }) => e);
    expect(err).toMatchObject({ code: "ARK_FLOW_RUN_ACTIVE", details: { activeRunIds: [run.id] } });
    await t.engine.cancel(run.id, { force: true });
    await t.engine.flowcharts.delete(id);
    const { rows } = await getStore().query<{ n: number }>("SELECT (SELECT count(*) FROM ark_flow_runs)::int + (SELECT count(*) FROM ark_flow_node_artifacts)::int AS n");
    expect(rows[0]!.n).toBe(0);
  });
}, { migrate: "core" });
