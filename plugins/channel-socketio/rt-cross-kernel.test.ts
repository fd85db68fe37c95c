// Two kernels sharing one PostgreSQL schema: a client connected to kernel B sees what kernel A commits — through the
// Redis adapter, through the database (LISTEN/NOTIFY) without Redis, and through both at once — once and in order.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { RtEvent } from "./protocol.js";
import {
  emitRunEvents,
  freshSchema,
  postgresAnswers,
  range,
  realtimeHealth,
  redisAnswers,
  RtClient,
  serviceGate,
  startRtKernel,
  TEST_POSTGRES_URL,
  TEST_REDIS_URL,
  waitUntil,
} from "./test-support.js";

const skipped = serviceGate({ PostgreSQL: await postgresAnswers(TEST_POSTGRES_URL), Redis: await redisAnswers(TEST_REDIS_URL) });

describe.skipIf(skipped !== null)(`two kernels sharing PostgreSQL${skipped ? ` (skipped: ${skipped})` : ""}`, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Kernels A and B on a fresh schema with the given `events:` section; B's client subscribed to a run room. */
  async function pair(events: Record<string, unknown>) {
    const schema = await freshSchema();
    cleanups.push(() => schema.drop());
    const plugin = { redisKey: `ark-test-${randomUUID().slice(0, 8)}` };
    const store = { driver: "postgres", url: schema.url, poolMax: 4 };
    const a = await startRtKernel({ store, events, plugin });
    cleanups.push(() => a.stop());
    const b = await startRtKernel({ store, events, plugin });
    cleanups.push(() => b.stop());
    await waitUntil(async () => (await realtimeHealth(a)).status === "ok" && (await realtimeHealth(b)).status === "ok", "both kernels report realtime ok");
    const runId = randomUUID().slice(0, 8);
    const client = await RtClient.connect(b.baseUrl);
    cleanups.push(() => client.close());
    expect(await client.request(RtEvent.subscribe, { rooms: [`flowchart_run:${runId}`] })).toMatchObject({ ok: true });
    return { a, b, client, runId, stream: `flowchart_run:${runId}` };
  }

  for (const [name, events, fanout] of [
    ["over Redis (the database path off)", { redis: { url: TEST_REDIS_URL }, listen: false }, "redis"],
    ["over Redis and the database at once", { redis: { url: TEST_REDIS_URL } }, "redis"],
    ["without Redis, through the database's NOTIFY", {}, "database"],
  ] as const) {
    it(`a client on kernel B receives kernel A's events once, in order: ${name}`, async () => {
      const { a, b, client, stream, runId } = await pair(events);
      expect(client.connected.fanout).toMatchObject({ mode: fanout });
      const sent = await emitRunEvents(a.bus, runId, 25);
      await waitUntil(() => client.sequences(stream).length >= 25, "B's client has all 25 events");
      // One more event after everything else: once it is there, a duplicate of an earlier one would be too.
      await emitRunEvents(a.bus, runId, 1);
      await waitUntil(() => client.sequences(stream).at(-1) === 26, "the closing event");
      expect(client.sequences(stream)).toEqual(range(1, 26));
      expect(client.received.slice(0, 25)).toEqual(sent);
      expect((await realtimeHealth(b)).fanout).toBe(fanout);
    });
  }
});
