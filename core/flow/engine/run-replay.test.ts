/** retry / skip / rewind (reference §9.5): ARK resumes from the chosen node run, idempotently. */
import { afterEach, expect, it } from "vitest";
import { describeStore } from "../../../test/support/store-harness.js";
import { isArkError } from "../../errors/index.js";
import { createTestEngine, flowYaml, importFlow, nodeTrace, recordedExecutions, runToEnd, type TestEngine } from "../testing/flow-test-kit.js";

const FLAKY = flowYaml({
  nodes: ["start:start", "a:record", "b:record:{fail_flag: b}", "c:record", "end:end"],
  connectors: ["start->a", "a->b", "b->c", "c->end"],
});

describeStore("flow engine: replay", (getStore) => {
  let t: TestEngine | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  async function failedRun(): Promise<string> {
    t = await createTestEngine(getStore());
    t.latches.failing.add("b");
    const run = await runToEnd(t.engine, await importFlow(t.engine, FLAKY));
    expect(run.status).toBe("failed");
    expect(run.failureMessage).toBe("Node b failed on purpose.");
    expect(await nodeTrace(t.engine, run.id)).toEqual(["start#1:succeeded", "a#1:succeeded", "b#1:failed"]);
    return run.id;
  }

  it("retry re-runs the failed node run with its original tokens and continues — Start and a are not replayed", async () => {
    const sourceId = await failedRun();
    t!.latches.failing.delete("b");
    const result = await t!.engine.control(sourceId, { action: "retry" });
    expect([result.appliedAction, result.updated, result.idempotent]).toEqual(["retry", true, false]);
    const replay = await t!.engine.waitForRun(result.replayRun!.id, { timeoutMs: 15_000 });
    expect([replay.status, replay.origin, replay.sourceRunId, replay.replayAction]).toEqual(["completed", "replay", sourceId, "retry"]);
    expect(await nodeTrace(t!.engine, replay.id)).toEqual(["b#2:succeeded", "c#1:succeeded", "end#1:succeeded"]);
    const b = (await t!.engine.queries.listNodeRuns(replay.id, { nodeId: "b" })).items[0]!;
    expect((b.inputContext!.upstream_nodes as { node_id: string }[]).map((u) => u.node_id)).toEqual(["a"]);
    expect(b.sequence).toBe(4);
    expect((await recordedExecutions(getStore())).map((r) => r.node_id)).toEqual(["a", "b", "b", "c"]);
  });

  it("a repeated retry returns the same replay; a different key or force_new makes a new one", async () => {
    const sourceId = await failedRun();
    const first = await t!.engine.control(sourceId, { action: "retry", idempotencyKey: "k1" });
    await t!.engine.waitForRun(first.replayRun!.id, { timeoutMs: 15_000 });
    const repeat = await t!.engine.control(sourceId, { action: "retry", idempotencyKey: "k1" });
    expect([repeat.appliedAction, repeat.updated, repeat.replayRun?.id]).toEqual(["replay_existing", false, first.replayRun!.id]);
    const forced = await t!.engine.control(sourceId, { action: "retry", idempotencyKey: "k1", forceNew: "true" });
    expect(forced.appliedAction).toBe("retry");
    expect(forced.replayRun!.id).not.toBe(first.replayRun!.id);
    const other = await t!.engine.control(sourceId, { action: "retry", idempotencyKey: "k2" });
    expect(new Set([first.replayRun!.id, forced.replayRun!.id, other.replayRun!.id]).size).toBe(3);
    const defaults = await Promise.all([t!.engine.control(sourceId, { action: "retry" }), t!.engine.control(sourceId, { action: "retry" })]);
    expect(defaults[0].replayRun!.id).toBe(defaults[1].replayRun!.id);
    expect(defaults.map((d) => d.appliedAction).sort()).toEqual(["replay_existing", "retry"]);
  });

  it("skip passes over the failed node run and continues downstream", async () => {
    const sourceId = await failedRun();
    const result = await t!.engine.control(sourceId, { action: "skip" });
    const replay = await t!.engine.waitForRun(result.replayRun!.id, { timeoutMs: 15_000 });
    expect(replay.status).toBe("completed");
    expect(await nodeTrace(t!.engine, replay.id)).toEqual(["b#2:skipped", "c#1:succeeded", "end#1:succeeded"]);
    const c = (await t!.engine.queries.listNodeRuns(replay.id, { nodeId: "c" })).items[0]!;
    expect((c.inputContext!.latest_upstream as { output_state: Record<string, unknown> }).output_state).toMatchObject({ skipped: true, node_type: "record" });
  });

  it("rewind restarts at the chosen node run with the results that existed before it", async () => {
    const sourceId = await failedRun();
    t!.latches.failing.delete("b");
    const nodeRuns = (await t!.engine.queries.listNodeRuns(sourceId)).items;
    const a = nodeRuns.find((nr) => nr.nodeId === "a")!;
    const result = await t!.engine.control(sourceId, { action: "rewind", rewindToNodeRunId: a.id });
    const replay = await t!.engine.waitForRun(result.replayRun!.id, { timeoutMs: 15_000 });
    expect(await nodeTrace(t!.engine, replay.id)).toEqual(["a#1:succeeded", "b#1:succeeded", "c#1:succeeded", "end#1:succeeded"]);
    const fromStart = await t!.engine.control(sourceId, { action: "rewind", forceNew: true });
    const full = await t!.engine.waitForRun(fromStart.replayRun!.id, { timeoutMs: 15_000 });
    expect(await nodeTrace(t!.engine, full.id)).toEqual(["start#1:succeeded", "a#1:succeeded", "b#1:succeeded", "c#1:succeeded", "end#1:succeeded"]);
  });

  it("retry of a completed run replays it from its entry node", async () => {
    t = await createTestEngine(getStore());
    const run = await runToEnd(t.engine, await importFlow(t.engine, FLAKY));
    const result = await t.engine.control(run.id, { action: "retry" });
    const replay = await t.engine.waitForRun(result.replayRun!.id, { timeoutMs: 15_000 });
    expect(await nodeTrace(t.engine, replay.id)).toEqual(["start#1:succeeded", "a#1:succeeded", "b#1:succeeded", "c#1:succeeded", "end#1:succeeded"]);
  });

  it("refuses what cannot be replayed: active sources, foreign or unfinished node runs, decisions without a fallback", async () => {
    const sourceId = await failedRun();
    const codeOf = async (p: Promise<unknown>) => p.then(() => "ok", (err) => (isArkError(err) ? err.code : String(err)));
    const done = (await t!.engine.queries.listNodeRuns(sourceId)).items.find((nr) => nr.nodeId === "a")!;
    expect(await codeOf(t!.engine.control(sourceId, { action: "retry", nodeRunId: done.id }))).toBe("ARK_FLOW_CONTROL_INVALID");
    expect(await codeOf(t!.engine.control(sourceId, { action: "rewind", rewindToNodeRunId: "999999" }))).toBe("ARK_FLOW_CONTROL_INVALID");
    expect(await codeOf(t!.engine.control(sourceId, { action: "skip", nodeRunId: "x" }))).toBe("ARK_INVALID_ARGUMENT");
    const decisionFlow = flowYaml({ nodes: ["start:start", "d:decision", "e:end"], connectors: ["start->d", "d->e::k:node.type == nothing"] });
    const failed = await runToEnd(t!.engine, await importFlow(t!.engine, decisionFlow));
    expect(failed.status).toBe("failed");
    expect(await codeOf(t!.engine.control(failed.id, { action: "skip" }))).toBe("ARK_FLOW_CONTROL_INVALID");
    t!.latches.failing.delete("b");
    const held = await importFlow(t!.engine, flowYaml({ nodes: ["start:start", "h:record:{latch: never}"], connectors: ["start->h"] }));
    const active = await t!.engine.startRun({ flowchartId: held });
    const noop = await t!.engine.control(active.id, { action: "retry" });
    expect([noop.appliedAction, noop.updated, noop.replayRun]).toEqual(["noop_active", false, null]);
    await t!.engine.cancel(active.id, { force: true });
  });
}, { migrate: "core" });
