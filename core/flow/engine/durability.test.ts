/**
 * Durability: lease expiry recovery, re-dispatch of a recorded result (exactly once), hand-back on stop, follow-up runs
 * on reaching Start, and two engines sharing one run (two Store instances on one PostgreSQL database).
 */
import { afterEach, describe, expect, it } from "vitest";
import { describeStore, openIsolatedStore, TEST_DATABASE_URL, urlWithSearchPath } from "../../../test/support/store-harness.js";
import { openStore } from "../../store/open-store.js";
import type { Store } from "../../store/store-port.js";
import { RunGraphCache } from "./run-graph-cache.js";
import { finaliseIfDrained } from "./run-finalise.js";
import { FLOW_NOTIFY_CHANNEL, parseFlowNotice, type FlowNotice } from "./work-notice.js";
import { createTestEngine, flowYaml, importFlow, Latches, nodeTrace, recordedExecutions, until, type TestEngine } from "../testing/flow-test-kit.js";

const expireLeases = (store: Store) => store.query("UPDATE ark_flow_node_runs SET lease_expires_at = now() - interval '1 second' WHERE status = 'running'");
const ONE_FREE = flowYaml({ nodes: ["start:start", "end:end"], connectors: ["start->end"] });
const ONE = flowYaml({ nodes: ["start:start", "a:record:{latch: hold}", "end:end"], connectors: ["start->a", "a->end"] });

describeStore("flow engine: durability", (getStore) => {
  const engines: TestEngine[] = [];
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.dispose();
  });
  const engine = async (options: Parameters<typeof createTestEngine>[1] = {}) => {
    const e = await createTestEngine(getStore(), options);
    engines.push(e);
    return e;
  };

  it("announces a new run to every engine, marked as its starter's (which wakes itself, so it skips the notice)", async () => {
    const a = await engine();
    const notices: (FlowNotice | null)[] = [];
    const unlisten = await getStore().listen(FLOW_NOTIFY_CHANNEL, (payload) => notices.push(parseFlowNotice(payload)));
    try {
      const run = await a.engine.startRun({ flowchartId: await importFlow(a.engine, ONE_FREE) });
      await until(() => notices.some((n) => n?.kind === "work" && n.run === run.id), 15_000, "the run's notice");
      expect(notices.find((n) => n?.kind === "work" && n.run === run.id)).toMatchObject({ kind: "work", run: run.id, by: a.engine.owner });
      expect((await a.engine.waitForRun(run.id, { timeoutMs: 15_000 })).status).toBe("completed");
    } finally {
      await unlisten();
    }
  });

  it("a run that ends cancels node runs nobody can finish any more (their worker died, nothing claims them)", async () => {
    const latches = new Latches();
    const a = await engine({ latches });
    const run = await a.engine.startRun({ flowchartId: await importFlow(a.engine, ONE) });
    await until(() => a.stats.started.includes("a"), 15_000, "a to start");
    a.engine.abandon(); // a crash: node run a stays `running`
    // Its activation closed and the run's outcome decided elsewhere (nothing claimed is left): the run can end.
    await getStore().query("UPDATE ark_flow_activations SET state = 'done' WHERE run_id = $1", [run.id]);
    await getStore().query("UPDATE ark_flow_runs SET outcome = 'failed', failure_message = 'decided elsewhere' WHERE id = $1", [run.id]);
    const ended = await a.bus.transaction((tx, emit) => finaliseIfDrained(tx, emit, new RunGraphCache(), run.id));
    expect(ended).toMatchObject({ status: "failed", failureMessage: "decided elsewhere" });
    expect(ended.finishedAt).not.toBeNull();
    const nodeA = (await a.engine.queries.listNodeRuns(run.id, { nodeId: "a" })).items[0]!;
    expect(nodeA.status).toBe("canceled");
    expect(nodeA.error).toContain("lost its worker");
    expect(nodeA.finishedAt).not.toBeNull();
    latches.open("hold");
  });

  it("an expired lease is recovered: another engine takes the node run over and finishes the run", async () => {
    const latches = new Latches();
    const a = await engine({ latches });
    const run = await a.engine.startRun({ flowchartId: await importFlow(a.engine, ONE) });
    await until(() => a.stats.started.includes("a"), 15_000, "a to start");
    a.engine.abandon(); // a crash: no more writes, the lease is left to expire
    latches.open("hold");
    await expireLeases(getStore());
    const b = await engine({ latches });
    const done = await b.engine.waitForRun(run.id, { timeoutMs: 15_000 });
    expect(done.status).toBe("completed");
    expect(await nodeTrace(b.engine, run.id)).toEqual(["start#1:succeeded", "a#1:succeeded", "end#1:succeeded"]);
    const nodeA = (await b.engine.queries.listNodeRuns(run.id, { nodeId: "a" })).items[0]!;
    expect(nodeA.attempt).toBe(2);
    expect((await recordedExecutions(getStore())).map((r) => [r.node_id, r.attempt])).toEqual([["a", 2]]);
    expect(done.warnings.map((w) => [w.code, w.node_run_id])).toEqual([["lease_recovered", nodeA.id]]);
  });

  it("a heartbeat keeps the lease of a node run that runs longer than the lease", async () => {
    const t = await engine({ settings: { leaseSeconds: 2, heartbeatMs: 300 } });
    const yaml = flowYaml({ nodes: ["start:start", "slow:record:{sleep_ms: 3000}"], connectors: ["start->slow"] });
    const run = await t.engine.startRun({ flowchartId: await importFlow(t.engine, yaml) });
    const done = await t.engine.waitForRun(run.id, { timeoutMs: 20_000 });
    expect([done.status, done.warnings]).toEqual(["completed", []]);
    expect((await recordedExecutions(getStore())).map((r) => [r.node_id, r.attempt])).toEqual([["slow", 1]]);
  });

  it("a result recorded before a crash is returned on re-dispatch: the node never runs twice", async () => {
    const latches = new Latches();
    latches.open("hold");
    const a = await engine({ latches, hooks: { afterResultRecorded: (work) => (work.node.id === "a" ? new Promise<void>(() => undefined) : undefined) } });
    const run = await a.engine.startRun({ flowchartId: await importFlow(a.engine, ONE) });
    await until(async () => (await recordedExecutions(getStore())).length === 1, 15_000, "a to record its execution");
    const ledgerStates = async () => (await getStore().query<{ state: string }>("SELECT state FROM ark_idempotency_ledger WHERE scope = 'flow.node_run'")).rows.map((r) => r.state);
    await until(async () => (await ledgerStates()).includes("completed"), 15_000, "a's result to be recorded in the ledger");
    expect(await ledgerStates()).toEqual(["completed"]);
    a.engine.abandon();
    await expireLeases(getStore());
    const b = await engine({ latches });
    expect((await b.engine.waitForRun(run.id, { timeoutMs: 15_000 })).status).toBe("completed");
    expect(await recordedExecutions(getStore())).toHaveLength(1);
    expect(b.stats.started).toEqual([]);
    const nodeA = (await b.engine.queries.listNodeRuns(run.id, { nodeId: "a" })).items[0]!;
    expect([nodeA.status, nodeA.attempt, nodeA.idempotencyKey]).toEqual(["succeeded", 2, `run:${run.id}:node:a:execution:1`]);
  });

  it("stop hands unfinished node runs back at once, and another engine finishes them", async () => {
    const latches = new Latches();
    const a = await engine({ latches, settings: { stopDrainMs: 50 } });
    const run = await a.engine.startRun({ flowchartId: await importFlow(a.engine, ONE) });
    await until(() => a.stats.started.includes("a"), 15_000, "a to start");
    await a.engine.stop();
    const nodeA = (await a.engine.queries.listNodeRuns(run.id, { nodeId: "a" })).items[0]!;
    expect([nodeA.status, nodeA.leaseOwner]).toEqual(["running", null]);
    latches.open("hold");
    const b = await engine({ latches });
    expect((await b.engine.waitForRun(run.id, { timeoutMs: 15_000 })).status).toBe("completed");
    expect((await recordedExecutions(getStore())).map((r) => r.node_id)).toEqual(["a"]);
  });

  it("reaching Start ends the run completed and queues a follow-up run; a stopping run queues none", async () => {
    const t = await engine();
    const yaml = flowYaml({ nodes: ["start:start", "a:record:{latch: cycle, latch_per_run: true}"], connectors: ["start->a", "a->start"] });
    const first = await t.engine.startRun({ flowchartId: await importFlow(t.engine, yaml) });
    t.latches.open(`cycle:${first.id}`);
    const done = await t.engine.waitForRun(first.id, { timeoutMs: 15_000 });
    expect(done.status).toBe("completed");
    const followUps = (await t.engine.queries.listRuns({ flowchartId: done.flowchartId })).items.filter((r) => r.sourceRunId === first.id);
    expect(followUps.map((r) => r.origin)).toEqual(["follow_up"]);
    const second = followUps[0]!;
    await until(() => t.stats.started.filter((n) => n === "a").length === 2, 15_000, "the follow-up run's a");
    await t.engine.cancel(second.id);
    t.latches.open(`cycle:${second.id}`);
    expect((await t.engine.waitForRun(second.id, { timeoutMs: 15_000 })).status).toBe("stopped");
    expect((await t.engine.queries.listRuns({ flowchartId: done.flowchartId })).total).toBe(2);
  });
}, { migrate: "core" });

describe("flow engine: two engines share one database", () => {
  for (const driver of ["pglite", "postgres"] as const) {
    const enabled = driver === "pglite" || TEST_DATABASE_URL !== undefined;
    it.skipIf(!enabled)(`[${driver}] divide a run's node runs between them and never run one twice`, async () => {
      const isolated = await openIsolatedStore(driver, { migrate: "core", poolMax: 6 });
      const second = driver === "postgres" ? await openStore({ driver: "postgres", url: urlWithSearchPath(TEST_DATABASE_URL!, isolated.schema), poolMax: 6, connectTimeoutMs: 5000 }) : isolated.store;
      const latches = new Latches();
      const settings = { concurrency: 3 };
      const one = await createTestEngine(isolated.store, { latches, settings });
      const two = await createTestEngine(second, { latches, settings });
      try {
        const branches = Array.from({ length: 12 }, (_, i) => `n${i}`);
        const yaml = flowYaml({
          settings: { max_parallel_nodes: 6 },
          nodes: ["start:start", ...branches.map((b) => `${b}:record:{sleep_ms: 40}`), "join:record:{fan_in_mode: all}", "end:end"],
          connectors: [...branches.map((b) => `start->${b}`), ...branches.map((b) => `${b}->join`), "join->end"],
        });
        const run = await one.engine.startRun({ flowchartId: await importFlow(one.engine, yaml) });
        const done = await two.engine.waitForRun(run.id, { timeoutMs: 30_000 });
        expect(done.status).toBe("completed");
        const executed = await recordedExecutions(isolated.store);
        expect(executed).toHaveLength(13);
        expect(new Set(executed.map((r) => r.idempotency_key)).size).toBe(13);
        expect(one.stats.started.length + two.stats.started.length).toBe(13);
        expect(one.stats.started.length).toBeGreaterThan(0);
        expect(two.stats.started.length).toBeGreaterThan(0);
        expect(Math.max(one.stats.max, two.stats.max)).toBeLessThanOrEqual(3);
      } finally {
        await one.dispose();
        await two.dispose();
        if (second !== isolated.store) await second.close();
        await isolated.dispose();
      }
    });
  }
});
