/**
 * The four example flows run to completion on the durable orchestrator with the node-run sequence the reference
 * semantics give, one artifact per succeeded node run, and the §13.7 events in order on one gapless run stream.
 */
import { afterEach, expect, it } from "vitest";
import { describeStore } from "../../../test/support/store-harness.js";
import { isArkError } from "../../errors/index.js";
import { createTestEngine, flowYaml, importFlow, nodeTrace, runToEnd, type TestEngine } from "../testing/flow-test-kit.js";

describeStore("flow engine: example flows", (getStore) => {
  let t: TestEngine | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it("linear.yaml runs start → check_start → end and completes", async () => {
    t = await createTestEngine(getStore());
    const run = await runToEnd(t.engine, await importFlow(t.engine, "linear.yaml"));
    expect(run.status).toBe("completed");
    expect(run.finishedAt).not.toBeNull();
    expect(await nodeTrace(t.engine, run.id)).toEqual(["start#1:succeeded", "check_start#1:succeeded", "end#1:succeeded"]);
    const artifacts = await t.engine.queries.listArtifacts({ runId: run.id });
    expect(artifacts.items.map((a) => a.artifact_type).sort()).toEqual(["decision", "end", "start"]);
    expect(new Set(artifacts.items.map((a) => a.correlation_id))).toEqual(new Set([`flowchart-run-${run.id}`]));
  });

  it("decision-branch.yaml takes the accepted branch", async () => {
    t = await createTestEngine(getStore());
    const run = await runToEnd(t.engine, await importFlow(t.engine, "decision-branch.yaml"));
    expect(run.status).toBe("completed");
    expect(await nodeTrace(t.engine, run.id)).toEqual(["start#1:succeeded", "triage#1:succeeded", "accepted#1:succeeded"]);
    const triage = (await t.engine.queries.listNodeRuns(run.id)).items[1]!;
    expect(triage.outputState).toMatchObject({ node_type: "decision", matched_connector_ids: ["accepted"], no_match: false });
    expect(triage.routingMetadata.selected_connector_ids).toEqual(["triage->accepted"]);
  });

  it("loop-with-guardrail.yaml loops until the fourth check", async () => {
    t = await createTestEngine(getStore());
    const run = await runToEnd(t.engine, await importFlow(t.engine, "loop-with-guardrail.yaml"));
    expect(run.status).toBe("completed");
    expect(await nodeTrace(t.engine, run.id)).toEqual([
      "start#1:succeeded", "check#1:succeeded", "again#1:succeeded", "check#2:succeeded", "again#2:succeeded",
      "check#3:succeeded", "again#3:succeeded", "check#4:succeeded", "end#1:succeeded",
    ]);
    const keys = (await t.engine.queries.listNodeRuns(run.id)).items.map((nr) => nr.idempotencyKey);
    expect(keys[3]).toBe(`run:${run.id}:node:check:execution:2`);
  });

  it("fan-out-fan-in.yaml runs both branches and joins them once with both upstream nodes", async () => {
    t = await createTestEngine(getStore());
    const run = await runToEnd(t.engine, await importFlow(t.engine, "fan-out-fan-in.yaml"));
    expect(run.status).toBe("completed");
    const trace = await nodeTrace(t.engine, run.id);
    expect(trace[0]).toBe("start#1:succeeded");
    expect(trace.slice(1, 3).sort()).toEqual(["left#1:succeeded", "right#1:succeeded"]);
    expect(trace.slice(3)).toEqual(["join#1:succeeded", "end#1:succeeded"]);
    const join = (await t.engine.queries.listNodeRuns(run.id, { nodeId: "join" })).items[0]!;
    const upstream = (join.inputContext!.upstream_nodes as { node_id: string }[]).map((u) => u.node_id);
    expect(upstream).toEqual(["left", "right"]);
    expect(run.warnings).toEqual([]);
  });

  it("emits the §13.7 events in order on one gapless run stream, only after commit", async () => {
    t = await createTestEngine(getStore());
    const run = await runToEnd(t.engine, await importFlow(t.engine, "linear.yaml"));
    await t.bus.flush();
    const logged = await t.engine.runEvents(run.id);
    expect(logged.map((e) => e.sequence)).toEqual(logged.map((_, i) => i + 1));
    const summary = logged.map((e) => {
      const p = e.payload as Record<string, unknown>;
      return `${e.event_type}:${String(p.transition ?? p.terminal_status ?? p.status ?? "")}`;
    });
    expect(summary).toEqual([
      "flowchart:run:updated:started",
      ...["start", "check_start", "end"].flatMap(() => [
        "node:task:updated:started", "flowchart:node:updated:running",
        "node:task:completed:succeeded", "flowchart:node:updated:succeeded", "flowchart:node_artifact:persisted:",
      ]),
      "flowchart:run:updated:completed",
    ]);
    const delivered = t.events.filter((e) => e.sequence_stream === `flowchart_run:${run.id}`).map((e) => e.event_id);
    expect(delivered).toEqual(logged.map((e) => e.event_id));
    expect(logged[1]!.room_keys).toEqual([`flowchart:${run.flowchartId}`, `flowchart_run:${run.id}`, `flowchart_node:${run.flowchartId}:start`]);
  });

  it("refuses to run an invalid graph or a bad start_node_id; start_node_id overrides the entry node", async () => {
    t = await createTestEngine(getStore());
    const flowchartId = await importFlow(t.engine, "linear.yaml");
    const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (err) => (isArkError(err) ? err.code : String(err)));
    expect(await codeOf(t.engine.startRun({ flowchartId, startNodeId: "nope" }))).toBe("ARK_INVALID_ARGUMENT");
    const run = await t.engine.startRun({ flowchartId, startNodeId: "check_start" });
    const done = await t.engine.waitForRun(run.id, { timeoutMs: 15_000 });
    expect(await nodeTrace(t.engine, done.id)).toEqual(["check_start#1:failed"]);
    expect(done.failureMessage).toBe("Decision produced no matched_connector_ids and no fallback_condition_key was configured.");
    const broken = await importFlow(t.engine, flowYaml({ nodes: ["start:start"], connectors: [] }));
    await t.engine.flowcharts.saveGraph(broken, { nodes: [{ id: "start", type: "start" }, { id: "end", type: "end" }], edges: [] });
    const err = await t.engine.startRun({ flowchartId: broken }).catch((e: unknown) => e);
    expect(isArkError(err, "ARK_FLOW_GRAPH_INVALID")).toBe(true);
    expect((err as Error).message).toContain("Disconnected required nodes found: end");
    expect((await t.engine.queries.listRuns({ flowchartId: broken })).total).toBe(0);
    expect(await codeOf(t.engine.startRun({ flowchartId: "31337" }))).toBe("ARK_NOT_FOUND");
    expect(await codeOf(t.engine.waitForRun(run.id, { timeoutMs: 1 }))).toBe("ok");
  });
}, { migrate: "core" });
