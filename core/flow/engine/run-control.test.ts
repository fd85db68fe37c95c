/** Every control transition of reference §9.1, §9.2, §9.4 (and the invalid ones) on a run with a node held on a latch. */
import { afterEach, expect, it } from "vitest";
import { describeStore } from "../../../test/support/store-harness.js";
import { isArkError } from "../../errors/index.js";
import { createTestEngine, flowYaml, importFlow, nodeTrace, recordedExecutions, until, type TestEngine } from "../testing/flow-test-kit.js";

const HELD = flowYaml({ nodes: ["start:start", "a:record:{latch: hold}", "b:record", "end:end"], connectors: ["start->a", "a->b", "b->end"] });

describeStore("flow engine: pause, resume, stop, cancel", (getStore) => {
  let t: TestEngine | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  async function runHeldAtA(): Promise<{ runId: string }> {
    t = await createTestEngine(getStore());
    const run = await t.engine.startRun({ flowchartId: await importFlow(t.engine, HELD) });
    await until(() => t!.stats.started.includes("a"), 15_000, "node a to start");
    return { runId: run.id };
  }

  it("pause while a node runs: pausing, then paused once it finished (nothing new starts); resume finishes the run", async () => {
    const { runId } = await runHeldAtA();
    const paused = await t!.engine.control(runId, { action: "pause" });
    expect([paused.statusBefore, paused.appliedAction, paused.run.status, paused.updated]).toEqual(["running", "pausing", "pausing", true]);
    t!.latches.open("hold");
    await until(async () => (await t!.engine.queries.getRun(runId)).status === "paused", 15_000, "paused");
    expect(await nodeTrace(t!.engine, runId)).toEqual(["start#1:succeeded", "a#1:succeeded"]);
    expect((await t!.engine.control(runId, { action: "pause" })).appliedAction).toBe("paused");
    const resumed = await t!.engine.control(runId, { action: "resume" });
    expect([resumed.appliedAction, resumed.run.status]).toEqual(["running", "running"]);
    const done = await t!.engine.waitForRun(runId, { timeoutMs: 15_000 });
    expect(done.status).toBe("completed");
    expect(await nodeTrace(t!.engine, runId)).toEqual(["start#1:succeeded", "a#1:succeeded", "b#1:succeeded", "end#1:succeeded"]);
    const transitions = (await t!.engine.runEvents(runId)).filter((e) => e.event_type === "flowchart:run:updated").map((e) => e.payload.transition);
    expect(transitions).toEqual(["started", "pausing", "control", "paused", "control", "resumed", "control", "completed"]);
  });

  it("graceful stop: the running node finishes and is persisted, nothing new starts, the run ends stopped", async () => {
    const { runId } = await runHeldAtA();
    const cancel = await t!.engine.cancel(runId);
    expect([cancel.action, cancel.stopRequested, cancel.canceled, cancel.run.status]).toEqual(["stopping", true, false, "stopping"]);
    const again = await t!.engine.cancel(runId);
    expect([again.action, again.updated]).toEqual(["stopping", false]);
    expect((await t!.engine.control(runId, { action: "pause" })).appliedAction).toBe("stopping"); // Q22: pause keeps the stop
    t!.latches.open("hold");
    const done = await t!.engine.waitForRun(runId, { timeoutMs: 15_000 });
    expect(done.status).toBe("stopped");
    expect(await nodeTrace(t!.engine, runId)).toEqual(["start#1:succeeded", "a#1:succeeded"]);
    expect((await recordedExecutions(getStore())).map((r) => r.node_id)).toEqual(["a"]);
  });

  it("force cancel: the run and its running node run are canceled, the in-flight execution is aborted and records nothing", async () => {
    const { runId } = await runHeldAtA();
    const cancel = await t!.engine.cancel(runId, { force: "yes" });
    expect([cancel.action, cancel.canceled, cancel.run.status]).toEqual(["canceled", true, "canceled"]);
    expect(cancel.run.finishedAt).not.toBeNull();
    await until(() => t!.stats.current === 0, 15_000, "the aborted execution to return");
    t!.latches.open("hold");
    await new Promise((r) => setTimeout(r, 100));
    expect(await nodeTrace(t!.engine, runId)).toEqual(["start#1:succeeded", "a#1:canceled"]);
    expect(await recordedExecutions(getStore())).toEqual([]);
    expect((await t!.engine.queries.getRun(runId)).status).toBe("canceled");
    expect((await t!.engine.cancel(runId, { force: true })).action).toBe("none");
  });

  it("a queued run: cancel stops it at once, pause parks it until resume", async () => {
    t = await createTestEngine(getStore(), { start: false });
    const flowchartId = await importFlow(t.engine, HELD);
    const first = await t.engine.startRun({ flowchartId });
    const stopped = await t.engine.cancel(first.id);
    expect([stopped.action, stopped.run.status, stopped.run.finishedAt !== null]).toEqual(["stopped", "stopped", true]);
    const second = await t.engine.startRun({ flowchartId });
    expect((await t.engine.control(second.id, { action: "pause" })).run.status).toBe("paused");
    await t.engine.start();
    t.latches.open("hold");
    await new Promise((r) => setTimeout(r, 200));
    expect(await nodeTrace(t.engine, second.id)).toEqual([]);
    await t.engine.control(second.id, { action: "resume" });
    expect((await t.engine.waitForRun(second.id, { timeoutMs: 15_000 })).status).toBe("completed");
  });

  it("control on finished runs is a no-op; bad actions and ids answer with stable codes", async () => {
    t = await createTestEngine(getStore());
    t.latches.open("hold");
    const run = await t.engine.startRun({ flowchartId: await importFlow(t.engine, HELD) });
    await t.engine.waitForRun(run.id, { timeoutMs: 15_000 });
    for (const action of ["pause", "resume"]) {
      const result = await t.engine.control(run.id, { action });
      expect([result.appliedAction, result.updated, result.idempotent]).toEqual(["noop", false, true]);
    }
    expect((await t.engine.cancel(run.id)).action).toBe("none");
    const codeOf = async (p: Promise<unknown>) => p.then(() => "ok", (err) => (isArkError(err) ? err.code : String(err)));
    expect(await codeOf(t.engine.control(run.id, { action: "explode" }))).toBe("ARK_FLOW_CONTROL_INVALID");
    expect(await codeOf(t.engine.control(run.id, { action: 7 }))).toBe("ARK_FLOW_CONTROL_INVALID");
    expect(await codeOf(t.engine.control("abc", { action: "pause" }))).toBe("ARK_INVALID_ARGUMENT");
    expect(await codeOf(t.engine.control("999999", { action: "pause" }))).toBe("ARK_NOT_FOUND");
    expect(await codeOf(t.engine.cancel("0"))).toBe("ARK_INVALID_ARGUMENT");
  });

  it("resume of a running run is a no-op", async () => {
    const { runId } = await runHeldAtA();
    const result = await t!.engine.control(runId, { action: "resume" });
    expect([result.appliedAction, result.updated]).toEqual(["running", false]);
    t!.latches.open("hold");
    expect((await t!.engine.waitForRun(runId, { timeoutMs: 15_000 })).status).toBe("completed");
  });
}, { migrate: "core" });
