// Redis going away: a private redis-server child process is killed and restarted (the machine's Redis is never
// touched). Events keep being committed, the kernels report degraded, and clients catch up when Redis returns.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { RtEvent } from "./protocol.js";
import {
  emitRunEvents,
  freshSchema,
  postgresAnswers,
  PrivateRedis,
  range,
  realtimeHealth,
  redisAnswers,
  RtClient,
  serviceGate,
  startRtKernel,
  TEST_POSTGRES_URL,
  waitUntil,
} from "./test-support.js";

const redisServerRuns = await (async () => {
  const probe = await PrivateRedis.onFreePort();
  try {
    await probe.start();
    return await redisAnswers(probe.url);
  } catch {
    return false;
  } finally {
    await probe.kill();
  }
})();
const skipped = serviceGate({ PostgreSQL: await postgresAnswers(TEST_POSTGRES_URL), "redis-server": redisServerRuns });

describe.skipIf(skipped !== null)(`Redis going away${skipped ? ` (skipped: ${skipped})` : ""}`, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(redis: PrivateRedis) {
    cleanups.push(() => redis.kill());
    const schema = await freshSchema();
    cleanups.push(() => schema.drop());
    return { store: { driver: "postgres", url: schema.url, poolMax: 4 }, plugin: { redisKey: `ark-test-${randomUUID().slice(0, 8)}` } };
  }

  it("killed mid-stream: events are still committed, both kernels report degraded, B's client gets every event once, in order, after Redis returns", async () => {
    const redis = await PrivateRedis.onFreePort();
    await redis.start();
    const { store, plugin } = await setup(redis);
    // The database path is off, so Redis (and the catch-up after it) is the only way from A to B's clients.
    const events = { redis: { url: redis.url }, listen: false };
    const a = await startRtKernel({ store, events, plugin });
    cleanups.push(() => a.stop());
    const b = await startRtKernel({ store, events, plugin });
    cleanups.push(() => b.stop());
    await waitUntil(async () => (await realtimeHealth(a)).status === "ok" && (await realtimeHealth(b)).status === "ok", "Redis is connected on both kernels");
    const runId = randomUUID().slice(0, 8);
    const stream = `flowchart_run:${runId}`;
    const client = await RtClient.connect(b.baseUrl);
    cleanups.push(() => client.close());
    await client.request(RtEvent.subscribe, { rooms: [stream] });

    await emitRunEvents(a.bus, runId, 10);
    await waitUntil(() => client.sequences(stream).length === 10, "the first 10 events over Redis");

    await redis.kill();
    await waitUntil(async () => (await realtimeHealth(a)).status === "degraded" && (await realtimeHealth(b)).status === "degraded", "both kernels report degraded");
    const degraded = (await (await fetch(`${b.baseUrl}/api/health`)).json()) as any;
    expect(degraded).toMatchObject({ status: "degraded", sources: { realtime: { status: "degraded", fanout: "redis", redis: { ready: false } } } });
    await emitRunEvents(a.bus, runId, 10);
    expect((await a.bus.readEvents({ stream, limit: 100 })).map((e) => e.sequence)).toEqual(range(1, 20));
    expect(client.sequences(stream)).toEqual(range(1, 10));

    await redis.start();
    await waitUntil(async () => (await realtimeHealth(a)).status === "ok" && (await realtimeHealth(b)).status === "ok", "both kernels report ok again");
    await emitRunEvents(a.bus, runId, 5);
    await waitUntil(() => client.sequences(stream).at(-1) === 25, "B's client caught up to the last event");
    expect(client.sequences(stream)).toEqual(range(1, 25));
    expect(client.notices.some((n) => n.event === RtEvent.resync && n.payload.reason === "fanout_restored")).toBe(true);
  });

  it("unavailable at start: the kernel boots degraded, serves its own clients, and turns ok once Redis is up", async () => {
    const redis = await PrivateRedis.onFreePort();
    const { store, plugin } = await setup(redis);
    const rt = await startRtKernel({ store, events: { redis: { url: redis.url } }, plugin });
    cleanups.push(() => rt.stop());
    expect(await realtimeHealth(rt)).toMatchObject({ status: "degraded", redis: { ready: false } });
    const runId = randomUUID().slice(0, 8);
    const client = await RtClient.connect(rt.baseUrl);
    cleanups.push(() => client.close());
    await client.request(RtEvent.subscribe, { rooms: [`flowchart_run:${runId}`] });
    await emitRunEvents(rt.bus, runId, 3);
    await waitUntil(() => client.received.length === 3, "local delivery without Redis");
    await redis.start();
    await waitUntil(async () => (await realtimeHealth(rt)).status === "ok", "the kernel reports ok once Redis is up");
    expect(await realtimeHealth(rt)).toMatchObject({ redis: { ready: true, unsent_to_peers: 0 } });
  });
});
