/** Fan-in all/any/custom, decision routing with fallback and no-match policies, routing failures, context pulls, joins that never fire. */
import { afterEach, expect, it } from "vitest";
import { describeStore } from "../../../test/support/store-harness.js";
import { createTestEngine, flowYaml, importFlow, nodeTrace, runToEnd, type TestEngine } from "../testing/flow-test-kit.js";

describeStore("flow engine: routing and fan-in", (getStore) => {
  let t: TestEngine | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  const fanIn = (joinConfig: string, parents: string[]) =>
    flowYaml({
      settings: { max_parallel_nodes: 3 },
      nodes: ["start:start", ...parents.map((p) => `${p}:record`), `j:record:${joinConfig}`],
      connectors: [...parents.map((p) => `start->${p}`), ...parents.map((p) => `${p}->j`)],
    });

  it("fan_in_mode all waits for every solid parent and runs the join once with all of them", async () => {
    t = await createTestEngine(getStore());
    const run = await runToEnd(t.engine, await importFlow(t.engine, fanIn("{fan_in_mode: all}", ["a", "b", "c"])));
    expect(run.status).toBe("completed");
    const joins = (await t.engine.queries.listNodeRuns(run.id, { nodeId: "j" })).items;
    expect(joins).toHaveLength(1);
    expect((joins[0]!.inputContext!.upstream_nodes as { node_id: string }[]).map((u) => u.node_id)).toEqual(["a", "b", "c"]);
    expect(run.warnings).toEqual([]);
  });

  it("a fan-out wider than one pipelined part (60 branches) runs each branch once, joins once, and logs events in order", async () => {
    // Room for all branches at once: their results are persisted together, in several parts.
    t = await createTestEngine(getStore(), { settings: { concurrency: 64 } });
    const branches = Array.from({ length: 60 }, (_, i) => `b${i + 1}`);
    const flow = flowYaml({
      settings: { max_parallel_nodes: 60 },
      nodes: ["start:start", ...branches.map((b) => `${b}:record`), "j:record:{fan_in_mode: all}"],
      connectors: [...branches.map((b) => `start->${b}`), ...branches.map((b) => `${b}->j`)],
    });
    const run = await runToEnd(t.engine, await importFlow(t.engine, flow));
    expect(run.status).toBe("completed");
    const nodeRuns = (await t.engine.queries.listNodeRuns(run.id, { limit: 500 })).items;
    expect(nodeRuns.filter((n) => n.nodeId.startsWith("b")).map((n) => [n.nodeId, n.status]).sort()).toEqual(branches.map((b) => [b, "succeeded"]).sort());
    const join = nodeRuns.filter((n) => n.nodeId === "j");
    expect(join).toHaveLength(1);
    expect((join[0]!.inputContext!.upstream_nodes as { node_id: string }[]).map((u) => u.node_id).sort()).toEqual([...branches].sort());
    expect((await t.engine.queries.listArtifacts({ runId: run.id, limit: 500 })).items).toHaveLength(62);
    const events = await t.engine.runEvents(run.id, 0, 1000);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    for (const b of branches) {
      const mine = events.filter((e) => (e.payload as { flowchart_node_id?: string }).flowchart_node_id === b).map((e) => `${e.event_type}`);
      expect(mine).toEqual(["node:task:updated", "flowchart:node:updated", "node:task:completed", "flowchart:node:updated", "flowchart:node_artifact:persisted"]);
    }
  });

  it("fan_in_mode any fires once per incoming token", async () => {
    t = await createTestEngine(getStore());
    const run = await runToEnd(t.engine, await importFlow(t.engine, fanIn("{fan_in_mode: any}", ["a", "b"])));
    expect(run.status).toBe("completed");
    const joins = (await t.engine.queries.listNodeRuns(run.id, { nodeId: "j" })).items;
    expect(joins.map((j) => j.executionIndex)).toEqual([1, 2]);
    expect(joins.map((j) => (j.inputContext!.upstream_nodes as unknown[]).length)).toEqual([1, 1]);
  });

  it("fan_in_mode custom fires with the first N parents and reports the token that never fired", async () => {
    t = await createTestEngine(getStore());
    const run = await runToEnd(t.engine, await importFlow(t.engine, fanIn("{fan_in_mode: custom, fan_in_custom_count: 2}", ["a", "b", "c"])));
    expect(run.status).toBe("completed");
    const joins = (await t.engine.queries.listNodeRuns(run.id, { nodeId: "j" })).items;
    expect(joins).toHaveLength(1);
    expect((joins[0]!.inputContext!.upstream_nodes as unknown[]).length).toBe(2);
    expect(run.warnings.map((w) => [w.code, w.node_id])).toEqual([["join_never_fired", "j"]]);
  });

  it("reports an all-join after an untaken decision branch in the run's warnings (quirk Q21 fixed)", async () => {
    t = await createTestEngine(getStore());
    const yaml = flowYaml({
      nodes: ["start:start", "d:decision", "a:record", "b:record", "j:record"],
      connectors: ["start->d", "d->a::left:node.type == decision", "d->b::right:node.type == nothing", "a->j", "b->j"],
    });
    const run = await runToEnd(t.engine, await importFlow(t.engine, yaml));
    expect(run.status).toBe("completed");
    expect(await nodeTrace(t.engine, run.id)).toEqual(["start#1:succeeded", "d#1:succeeded", "a#1:succeeded"]);
    expect(run.warnings).toHaveLength(1);
    expect(run.warnings[0]).toMatchObject({ code: "join_never_fired", node_id: "j", details: { delivered_parent_ids: ["a"], missing_parent_ids: ["b"] } });
    const status = await t.engine.queries.runStatus(run.id);
    expect(status.warningCount).toBe(1);
    expect(status.counts).toEqual({ succeeded: 3 });
  });

  const decision = (config: string) =>
    flowYaml({
      nodes: ["start:start", `d:decision:${config}`, "yes:end", "no:end"],
      connectors: ["start->d", "d->yes::yes:node.type == nothing", "d->no::no:latest_upstream.node_type == nothing"],
    });

  it("a decision that matches nothing takes its fallback connector", async () => {
    t = await createTestEngine(getStore());
    const run = await runToEnd(t.engine, await importFlow(t.engine, decision("{fallback_condition_key: no}")));
    expect(run.status).toBe("completed");
    expect(await nodeTrace(t.engine, run.id)).toEqual(["start#1:succeeded", "d#1:succeeded", "no#1:succeeded"]);
  });

  it("no_match_policy fail fails the run even with a fallback (Q20 fixed), keeping the decision's output", async () => {
    t = await createTestEngine(getStore());
    const run = await runToEnd(t.engine, await importFlow(t.engine, decision("{fallback_condition_key: no, no_match_policy: fail}")));
    expect(run.status).toBe("failed");
    expect(run.failureMessage).toBe("Decision produced no matched_connector_ids and its no_match_policy is fail.");
    const d = (await t.engine.queries.listNodeRuns(run.id, { nodeId: "d" })).items[0]!;
    expect(d.status).toBe("failed");
    expect(d.errorCode).toBe("routing_failed:decision_no_match");
    expect(d.outputState).toMatchObject({ node_type: "decision", no_match: true });
    const trace = await t.engine.trace(run.id, { include: ["failure", "node", "timeline"] });
    expect(trace.failure!.items.map((i) => i.nodeId)).toEqual(["d"]);
    expect(trace.node!.total_count).toBe(2);
    expect(trace.artifact).toBeUndefined();
    expect(trace.timeline!.items.some((i) => i.event_type === "flowchart_run_finished")).toBe(true);
    expect((await t.engine.trace(run.id, { statuses: ["succeeded"] })).node!.items.map((i) => i.nodeId)).toEqual(["start"]);
    await expect(t.engine.trace(run.id, { include: ["nodes"] })).rejects.toMatchObject({ code: "ARK_INVALID_ARGUMENT", details: { unsupported: ["nodes"] } });
  });

  it("snapshots the cutover gate per run and hands it to node types through node_config", async () => {
    const seen: unknown[] = [];
    const probe = { type: "probe", execute: async (request: { node_config: Record<string, unknown> }) => (seen.push(request.node_config.__agent_runtime_cutover_enabled), { contract_version: "v1" as const, status: "success" as const, output_state: { node_type: "probe" }, routing_state: {} }) };
    t = await createTestEngine(getStore(), { cutover: true, extraNodeTypes: [probe as never] });
    const id = await t.engine.flowcharts.create({ name: "probe", graph: { nodes: [{ id: "start", type: "start" }, { id: "p", type: "probe" }], edges: [{ source: "start", target: "p", edge_mode: "solid" }] } });
    const run = await runToEnd(t.engine, id.id);
    expect([run.status, run.settings.agent_runtime_cutover_enabled, seen]).toEqual(["completed", true, ["true"]]);
  });

  it("a decision without a match or a fallback fails with the reference's message", async () => {
    t = await createTestEngine(getStore());
    const run = await runToEnd(t.engine, await importFlow(t.engine, decision("{}")));
    expect(run.status).toBe("failed");
    expect(run.failureMessage).toBe("Decision produced no matched_connector_ids and no fallback_condition_key was configured.");
  });

  it("a decision that matches several connectors fans out to all of them, in connector order", async () => {
    t = await createTestEngine(getStore());
    const yaml = flowYaml({
      settings: { max_parallel_nodes: 1 },
      nodes: ["start:start", "d:decision", "x:record", "y:record"],
      connectors: ["start->d", "d->y::second:node.type == decision", "d->x::first:node.id == d"],
    });
    const run = await runToEnd(t.engine, await importFlow(t.engine, yaml));
    expect(await nodeTrace(t.engine, run.id)).toEqual(["start#1:succeeded", "d#1:succeeded", "y#1:succeeded", "x#1:succeeded"]);
  });

  it("dotted connectors pull context only, dashed ones attachments only", async () => {
    t = await createTestEngine(getStore());
    const yaml = flowYaml({
      nodes: ["start:start", 'a:record:{attachments: [{path: "a.txt"}]}', "b:record", "c:record"],
      connectors: ["start->a", "a->b", "b->c", "start->c:dotted", "a->c:dashed"],
    });
    const run = await runToEnd(t.engine, await importFlow(t.engine, yaml));
    const c = (await t.engine.queries.listNodeRuns(run.id, { nodeId: "c" })).items[0]!;
    const ctx = c.inputContext as Record<string, { node_id: string }[] | unknown>;
    expect((ctx.upstream_nodes as { node_id: string }[]).map((u) => u.node_id)).toEqual(["b"]);
    expect((ctx.dotted_upstream_nodes as { node_id: string }[]).map((u) => u.node_id)).toEqual(["start"]);
    expect((ctx.attachment_only_upstream_nodes as { node_id: string }[]).map((u) => u.node_id)).toEqual(["a"]);
    expect(ctx.propagated_attachments).toEqual([{ path: "a.txt" }]);
  });
}, { migrate: "core" });
