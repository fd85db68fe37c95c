// Two kernels sharing one PostgreSQL schema and Redis: kernel A executes a run (B runs no flow workers) and a
// Socket.IO client connected to kernel B receives all of its events once, in order. Then with a private redis-server
// killed mid-run: the run still completes, and once Redis is back the client catches up and has every event once,
// in order. The database path between kernels (`events.listen`) is off, so Redis is the only live path from A to B.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  freshSchema,
  postgresAnswers,
  PrivateRedis,
  range,
  redisAnswers,
  serviceGate,
  TEST_POSTGRES_URL,
  TEST_REDIS_URL,
  waitUntil,
} from "../../plugins/channel-socketio/test-support.js";
import { importTestFlow, loggedEvents, startFlowKernel, type FlowKernel } from "./support/flow-kernels.js";
import { expectEachNodeRecordedOnce, expectEveryEventOnce, expectGaplessRunLog } from "./support/run-assertions.js";
import { RunWatcher } from "./support/run-watcher.js";

const redisServerRuns = await (async () => {
  if (spawnSync("redis-server", ["--version"]).status !== 0) return false; // not installed (spawning it would throw)
  const probe = await PrivateRedis.onFreePort();
  try {
    await probe.start();
    return true;
  } catch {
    return false;
  } finally {
    await probe.kill();
  }
})();
const skipped = serviceGate({
  PostgreSQL: await postgresAnswers(TEST_POSTGRES_URL),
  Redis: await redisAnswers(TEST_REDIS_URL),
  "redis-server (to start a private one)": redisServerRuns,
});

/** The realtime section of a kernel's /api/health. */
async function realtime(kernel: FlowKernel): Promise<{ status: string; fanout: string; redis?: { ready: boolean } }> {
  const body = (await (await fetch(`${kernel.baseUrl}/api/health`)).json()) as { sources: { realtime: any } };
  return body.sources.realtime;
}

describe.skipIf(skipped !== null)(`two kernels sharing PostgreSQL and Redis${skipped ? ` (skipped: ${skipped})` : ""}`, () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Kernel A (runs the flow workers) and kernel B (no flow workers) on a fresh schema, fanning out through `redisUrl`. */
  async function kernels(redisUrl: string) {
    const schema = await freshSchema();
    cleanups.push(() => schema.drop());
    const events = { redis: { url: redisUrl }, listen: false };
    const channel = { redisKey: `ark-e2e-${randomUUID().slice(0, 8)}` };
    const a = await startFlowKernel({ storeUrl: schema.url, label: "A", events, channel });
    cleanups.push(() => a.stop());
    const b = await startFlowKernel({ storeUrl: schema.url, label: "B", events, channel, flow: { workers: false } });
    cleanups.push(() => b.stop());
    await waitUntil(async () => (await realtime(a)).status === "ok" && (await realtime(b)).status === "ok", "both kernels have Redis");
    return { a, b };
  }

  /** The run left one execution per node, all by kernel A, and a gapless log; B's client has all of it once, in order. */
  async function expectCompleteDelivery(a: FlowKernel, watcher: RunWatcher, runId: string): Promise<number> {
    const executions = await expectEachNodeRecordedOnce(a.store, runId);
    expect(new Set(executions.map((r) => r.label))).toEqual(new Set(["A"]));
    const logged = await expectGaplessRunLog(a.store, watcher.stream);
    await expectEveryEventOnce(a.bus, runId, logged, [watcher]);
    return logged.length;
  }

  it("a client connected to kernel B receives every event of a run kernel A executes, once, in order", async () => {
    const { a, b } = await kernels(TEST_REDIS_URL);
    const run = await a.engine.startRun({ flowchartId: await importTestFlow(a.engine, 300) });
    const watcher = await RunWatcher.open(b.baseUrl!, run.id);
    cleanups.push(() => watcher.close());
    expect((await a.engine.waitForRun(run.id, { timeoutMs: 30_000 })).status).toBe("completed");
    const total = await expectCompleteDelivery(a, watcher, run.id);
    // Most of the run arrived live through Redis, not through the subscription's replay.
    expect(watcher.acks[0]!.answer.replay.count).toBeLessThan(total / 2);
    expect(watcher.connects).toBe(1);
    expect((await realtime(b)).fanout).toBe("redis");
  }, 60_000);

  it("Redis killed mid-run: the run completes, and once Redis is back B's client catches up with every event once, in order", async () => {
    const redis = await PrivateRedis.onFreePort();
    cleanups.push(() => redis.kill());
    await redis.start();
    const { a, b } = await kernels(redis.url);
    const run = await a.engine.startRun({ flowchartId: await importTestFlow(a.engine, 300) });
    const watcher = await RunWatcher.open(b.baseUrl!, run.id);
    cleanups.push(() => watcher.close());

    await waitUntil(() => watcher.sawNode("b", "running"), "B's client sees node b start", 30_000);
    await redis.kill();
    const done = await a.engine.waitForRun(run.id, { timeoutMs: 30_000 });
    expect(done.status).toBe("completed");
    // Without Redis nothing of A's reaches B live: the client holds a gapless prefix of the run's events.
    const total = (await loggedEvents(a.store, watcher.stream)).length;
    const heldWhileDown = watcher.sequences();
    expect(heldWhileDown).toEqual(range(1, heldWhileDown.length));
    expect(heldWhileDown.length).toBeLessThan(total);
    expect((await realtime(b)).status).toBe("degraded");

    await redis.start();
    await waitUntil(async () => (await realtime(a)).status === "ok" && (await realtime(b)).status === "ok", "both kernels have Redis again");
    await expectCompleteDelivery(a, watcher, run.id);
    expect(watcher.notices.some((n) => n.event === "rt.resync" && n.payload.reason === "fanout_restored")).toBe(true);
    expect(watcher.connects).toBe(1);
  }, 60_000);
});
