/** The built-in `flowchart` node: runs its target as a child run and waits for it (reference §16.3, fixed to wait). */
import { afterEach, expect, it } from "vitest";
import { describeStore } from "../../../test/support/store-harness.js";
import { createTestEngine, flowYaml, importFlow, nodeTrace, runToEnd, until, type TestEngine } from "../testing/flow-test-kit.js";

describeStore("flow engine: sub-flows", (getStore) => {
  let t: TestEngine | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  const parentOf = (childId: string) =>
    flowYaml({ name: "parent", nodes: ["start:start", `sub:flowchart`, "end:end"], connectors: ["start->sub", "sub->end"] }).replace("type: flowchart", `type: flowchart\n    ref_id: ${childId}`);

  it("a flowchart node starts the child run, waits for it, and reports it in its output", async () => {
    t = await createTestEngine(getStore(), { settings: { concurrency: 1 } });
    const childId = await importFlow(t.engine, flowYaml({ name: "child", nodes: ["start:start", "a:record", "end:end"], connectors: ["start->a", "a->end"] }));
    const run = await runToEnd(t.engine, await importFlow(t.engine, parentOf(childId)));
    expect(run.status).toBe("completed");
    const sub = (await t.engine.queries.listNodeRuns(run.id, { nodeId: "sub" })).items[0]!;
    const childRunId = String(sub.outputState!.triggered_flowchart_run_id);
    expect(sub.outputState).toMatchObject({ node_type: "flowchart", triggered_flowchart_id: childId, triggered_flowchart_name: "child", triggered_flowchart_run_status: "completed" });
    const child = await t.engine.queries.getRun(childRunId);
    expect([child.origin, child.parentNodeRunId, child.sourceRunId, child.depth, child.status]).toEqual(["child", sub.id, run.id, 1, "completed"]);
    expect(await nodeTrace(t.engine, childRunId)).toEqual(["start#1:succeeded", "a#1:succeeded", "end#1:succeeded"]);
  });

  it("a failed child fails the flowchart node and the parent run", async () => {
    t = await createTestEngine(getStore());
    const childId = await importFlow(t.engine, flowYaml({ name: "child", nodes: ["start:start", "a:record:{fail: true}"], connectors: ["start->a"] }));
    const run = await runToEnd(t.engine, await importFlow(t.engine, parentOf(childId)));
    expect(run.status).toBe("failed");
    expect(run.failureMessage).toMatch(new RegExp(`^Child run \\d+ of flowchart ${childId} ended failed: Node a failed on purpose\\.$`));
  });

  it("a flowchart that runs itself stops at maxChildDepth instead of recursing forever", async () => {
    t = await createTestEngine(getStore(), { settings: { maxChildDepth: 2 } });
    const selfId = await importFlow(t.engine, flowYaml({ name: "self", nodes: ["start:start"], connectors: [] }));
    await t.engine.flowcharts.saveGraph(selfId, {
      nodes: [{ id: "start", type: "start" }, { id: "again", type: "flowchart", ref_id: Number(selfId) }],
      edges: [{ source: "start", target: "again", edge_mode: "solid" }],
    });
    const run = await runToEnd(t.engine, selfId);
    expect(run.status).toBe("failed");
    const runs = (await t.engine.queries.listRuns({ flowchartId: selfId })).items;
    expect(runs.map((r) => r.depth).sort()).toEqual([0, 1, 2]);
    const deepest = runs.find((r) => r.depth === 2)!;
    expect(deepest.failureMessage).toContain("nest deeper than 2 levels");
  });

  it("force-canceling the parent cancels the child run too", async () => {
    t = await createTestEngine(getStore());
    const childId = await importFlow(t.engine, flowYaml({ name: "child", nodes: ["start:start", "a:record:{latch: never}"], connectors: ["start->a"] }));
    const run = await t.engine.startRun({ flowchartId: await importFlow(t.engine, parentOf(childId)) });
    await until(() => t!.stats.started.includes("a"), 15_000, "the child's node to start");
    await t.engine.cancel(run.id, { force: true });
    const child = (await t.engine.queries.listRuns({ flowchartId: childId })).items[0]!;
    expect(child.status).toBe("canceled");
    expect(await nodeTrace(t.engine, child.id)).toEqual(["start#1:succeeded", "a#1:canceled"]);
    expect(await nodeTrace(t.engine, run.id)).toEqual(["start#1:succeeded", "sub#1:canceled"]);
  });
}, { migrate: "core" });
