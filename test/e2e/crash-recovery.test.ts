// Crash recovery end to end: a kernel child process is SIGKILLed while a run is mid-way (its fan-out nodes asleep);
// a new kernel child on the same database finishes the run after the leases expire. Every node ran exactly once, the
// run's event log has no gap and no duplicate, and Socket.IO clients that reconnected across the restart — one at
// once, one only after the new kernel had made progress — saw every event of the run once, in order.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FlowRun } from "../../core/flow/index.js";
import { freePort, freshSchema, postgresAnswers, serviceGate, TEST_POSTGRES_URL, waitUntil } from "../../plugins/channel-socketio/test-support.js";
import { ArkChild } from "./support/ark-child.js";
import { FAN_OUT, importTestFlow, nodeRunRows, recordedExecutions, startFlowKernel, writeChildConfig, type FlowKernel } from "./support/flow-kernels.js";
import { expectEachNodeRecordedOnce, expectEveryEventOnce, expectGaplessRunLog } from "./support/run-assertions.js";
import { RunWatcher } from "./support/run-watcher.js";

const skipped = serviceGate({ PostgreSQL: await postgresAnswers(TEST_POSTGRES_URL) });

/** Long enough that the kill (sent on the fan-out's start events) lands while all three sleep. */
const FAN_OUT_SLEEP_MS = 1500;

describe.skipIf(skipped !== null)(`crash recovery across kernel processes${skipped ? ` (skipped: ${skipped})` : ""}`, () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const children: ArkChild[] = [];
  afterEach(async (context) => {
    if (context.task.result?.state === "fail") for (const child of children) console.error(`--- output of kernel ${child.name} (pid ${child.pid}) ---\n${child.log}`);
    children.length = 0;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Starts `ark start` on the shared schema and port, labelled `label` (written into every execution it records). */
  async function kernelChild(dir: string, storeUrl: string, port: number, label: string) {
    const started = await ArkChild.start(label, dir, writeChildConfig(dir, { storeUrl, port, label }));
    children.push(started.child);
    cleanups.push(() => started.child.stop());
    return started;
  }

  /** Node runs: each node once, succeeded; the fan-out's were taken over (same node run, attempt 2) after the crash. */
  async function expectNodeRunsOnce(control: FlowKernel, done: FlowRun) {
    const nodeRuns = await nodeRunRows(control.store, done.id);
    expect(nodeRuns.map((r) => [r.node_id, r.execution_index, r.status])).toEqual(
      ["a", "b", "c1", "c2", "c3", "d", "e", "end", "f", "start"].map((n) => [n, 1, "succeeded"]),
    );
    expect(nodeRuns.filter((r) => r.attempt > 1).map((r) => [r.node_id, r.attempt])).toEqual(FAN_OUT.map((n) => [n, 2]));
    expect(done.warnings.filter((w) => w.code === "lease_recovered").map((w) => w.node_id).sort()).toEqual([...FAN_OUT]);
  }

  it("kill -9 mid-run: a new kernel finishes the run, every node once, a gapless event log, clients see every event once in order", async () => {
    const schema = await freshSchema();
    cleanups.push(() => schema.drop());
    const dir = mkdtempSync(path.join(os.tmpdir(), "ark-e2e-crash-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // The test's own kernel: applies the migrations, imports and starts the run, reads results; it runs no workers.
    const control = await startFlowKernel({ storeUrl: schema.url, label: "control", flow: { workers: false }, channel: false });
    cleanups.push(() => control.stop());
    // Both kernel children listen on one port, so clients reconnect to the same URL, as they would behind a proxy.
    const port = await freePort();
    const first = await kernelChild(dir, schema.url, port, "first");

    const run = await control.engine.startRun({ flowchartId: await importTestFlow(control.engine, FAN_OUT_SLEEP_MS) });
    const stream = `flowchart_run:${run.id}`;
    const steady = await RunWatcher.open(first.baseUrl, run.id); // reconnects as soon as it can
    cleanups.push(() => steady.close());
    const late = await RunWatcher.open(first.baseUrl, run.id); // stays away until the new kernel has made progress
    cleanups.push(() => late.close());
    late.holdOffline();

    await waitUntil(() => FAN_OUT.every((n) => steady.sawNode(n, "running")), "the fan-out nodes are running", 30_000);
    await first.child.kill9();
    expect((await recordedExecutions(control.store, run.id)).map((r) => r.node_id)).toEqual(["a", "b"]);
    expect((await control.engine.queries.getRun(run.id)).status).toBe("running");

    const second = await kernelChild(dir, schema.url, port, "second");
    await waitUntil(async () => (await recordedExecutions(control.store, run.id)).some((r) => r.node_id === "d"), "the new kernel to get past the join", 30_000);
    await late.reconnect();
    const done = await control.engine.waitForRun(run.id, { timeoutMs: 30_000 });
    expect(done.status).toBe("completed");

    const executions = await expectEachNodeRecordedOnce(control.store, run.id);
    expect(executions.filter((r) => r.label === "first").map((r) => r.node_id)).toEqual(["a", "b"]);
    expect(executions.filter((r) => r.label === "second").map((r) => r.node_id).sort()).toEqual(["c1", "c2", "c3", "d", "e", "f"]);
    await expectNodeRunsOnce(control, done);
    const logged = await expectGaplessRunLog(control.store, stream);

    // The new kernel serves the whole history over HTTP too, including what the crashed kernel committed.
    const backfill = new URLSearchParams({ room: stream, after_stream: stream, after: "0", limit: "1000" });
    const page = (await (await fetch(`${second.baseUrl}/api/events?${backfill}`)).json()) as { events: unknown[]; has_more: boolean };
    expect([page.events, page.has_more]).toEqual([logged, false]);

    // The closing event reaches the clients through the new kernel (it hears the control kernel's commit).
    await expectEveryEventOnce(control.bus, run.id, logged, [steady, late]);
    expect([steady.connects, late.connects]).toEqual([2, 2]);
    // The late client asked for what it missed after its cursor and got it as a replay.
    const resubscribe = late.acks.find((a) => a.request === "rt.subscribe" && a.after > 0)!;
    expect(resubscribe.answer.replay.count).toBeGreaterThan(0);
    expect(resubscribe.answer.replay.last[stream]).toBeGreaterThan(resubscribe.after);
  }, 60_000);
});
