import { pino, type Logger } from "pino";
import { afterEach, expect, it } from "vitest";
import { describeStore } from "../../test/support/store-harness.js";
import { ArkError } from "../errors/index.js";
import type { EventChannelContribution, EventEnvelope } from "../plugin-api/contributions.js";
import type { Store } from "../store/store-port.js";
import { EventBus, type BusChannel, type EventDelivery, type EventHandler } from "./event-bus.js";
import type { EventInput } from "./event-envelope.js";
import { appendEvent } from "./event-log.js";

const runEvent = (runId: number, payload: Record<string, unknown> = {}): EventInput => ({
  eventType: "flowchart.run.updated",
  entityKind: "flowchart_run",
  entityId: runId,
  roomKeys: [`flowchart_run:${runId}`],
  payload,
});

/** A channel that records what it is given. */
function recordingChannel(id: string, receives?: BusChannel["receives"]): BusChannel & { events: EventEnvelope[] } {
  const events: EventEnvelope[] = [];
  return { id, events, receives, publish: (event) => void events.push(event) };
}

/** A logger whose JSON lines land in `lines`. */
function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  return { logger: pino({ level: "debug" }, sink), lines };
}

/** A subscriber that resolves `until(n)` once it has received n events. */
function collector(): { handler: EventHandler; seen: Array<[EventEnvelope, EventDelivery]>; until(count: number): Promise<void> } {
  const seen: Array<[EventEnvelope, EventDelivery]> = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  return {
    seen,
    handler: (event, delivery) => {
      seen.push([event, delivery]);
      for (const w of waiters.filter((x) => seen.length >= x.count)) w.resolve();
    },
    until: (count) => (seen.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
  };
}

const label = (e: EventEnvelope): string => `${e.sequence_stream}#${e.sequence}`;

async function caught(promise: Promise<unknown>): Promise<ArkError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ArkError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

class Boom extends Error {}

const openBuses: EventBus[] = [];
const extraStores: Store[] = [];
function busOn(store: Store, options: Partial<ConstructorParameters<typeof EventBus>[0]> = {}): EventBus {
  const bus = new EventBus({ store, ...options });
  openBuses.push(bus);
  return bus;
}

afterEach(async () => {
  for (const bus of openBuses.splice(0)) await bus.close();
  for (const store of extraStores.splice(0)) await store.close();
});

describeStore(
  "event bus",
  (getStore, driver) => {
    it("publishes to channels and subscribers only after commit, in emit order", async () => {
      const channel = recordingChannel("rec");
      const bus = busOn(getStore(), { channels: [channel] });
      const sub = collector();
      bus.subscribe(null, sub.handler);
      await bus.transaction(async (_tx, emit) => {
        await emit(runEvent(1, { step: "a" }));
        await emit({ eventType: "node.task.updated", entityKind: "task", entityId: 5, roomKeys: ["task:5"] });
        await emit(runEvent(1, { step: "b" }));
        await bus.flush();
        expect(channel.events).toEqual([]);
        expect(sub.seen).toEqual([]);
      });
      await bus.flush();
      expect(channel.events.map(label)).toEqual(["flowchart_run:1#1", "task:5#1", "flowchart_run:1#2"]);
      expect(sub.seen.map(([e, d]) => `${label(e)}:${d.origin}`)).toEqual(["flowchart_run:1#1:local", "task:5#1:local", "flowchart_run:1#2:local"]);
      expect(channel.events[0]).toBe(sub.seen[0]![0]);
      expect(Object.isFrozen(channel.events[0]!.payload)).toBe(true);
    });

    it("publishes nothing from a rolled-back transaction and leaves no gap", async () => {
      const channel = recordingChannel("rec");
      const bus = busOn(getStore(), { channels: [channel] });
      await expect(
        bus.transaction(async (_tx, emit) => {
          await emit(runEvent(2, { doomed: true }));
          throw new Boom("state change failed");
        }),
      ).rejects.toBeInstanceOf(Boom);
      await bus.transaction((_tx, emit) => emit(runEvent(2, { kept: true })));
      await bus.flush();
      expect(channel.events.map((e) => [e.sequence, e.payload])).toEqual([[1, { kept: true }]]);
    });

    it("drops events whose savepoint rolled back, even when their sequence is reused later in the transaction", async () => {
      const channel = recordingChannel("rec");
      const bus = busOn(getStore(), { channels: [channel] });
      await bus.transaction(async (tx, emit) => {
        await emit(runEvent(3, { n: 1 }));
        await tx
          .transaction(async (savepoint) => {
            await bus.emit(savepoint, runEvent(3, { n: "undone-2" }));
            await emit(runEvent(3, { n: "undone-3" }));
            throw new Boom("inner step failed");
          })
          .catch(() => undefined);
        await tx.transaction(async () => {
          await tx.transaction(async (inner) => {
            await bus.emit(inner, { eventType: "node.task.updated", entityKind: "task", entityId: 1 });
            throw new Boom("only the task event goes");
          }).catch(() => undefined);
        });
        await emit(runEvent(3, { n: 2 }));
      });
      await bus.flush();
      expect(channel.events.map((e) => [label(e), e.payload.n])).toEqual([["flowchart_run:3#1", 1], ["flowchart_run:3#2", 2]]);
      const stored = await bus.readEvents({ stream: "flowchart_run:3", limit: 10 });
      expect(stored).toEqual(channel.events);
    });

    it("refuses to emit outside its own open transaction", async () => {
      const store = getStore();
      const bus = busOn(store);
      const plain = await caught(store.transaction((tx) => bus.emit(tx, runEvent(1))));
      expect(plain.code).toBe("ARK_EVENT_NOT_IN_TRANSACTION");
      let kept: ((input: EventInput) => Promise<EventEnvelope>) | undefined;
      await bus.transaction(async (_tx, emit) => {
        kept = emit;
      });
      expect((await caught(kept!(runEvent(1)))).code).toBe("ARK_EVENT_NOT_IN_TRANSACTION");
      expect(await bus.readEvents({ stream: "flowchart_run:1", limit: 10 })).toEqual([]);
    });

    it("rejects bad input inside a transaction without spoiling it", async () => {
      const channel = recordingChannel("rec");
      const bus = busOn(getStore(), { channels: [channel], maxEnvelopeBytes: 2048 });
      await bus.transaction(async (_tx, emit) => {
        expect((await caught(emit({ eventType: "a.b", entityKind: "task" }))).code).toBe("ARK_EVENT_TYPE_INVALID");
        expect((await caught(emit({ eventType: "a.b.c", entityKind: "task", entityId: { id: 1 } as never }))).code).toBe("ARK_EVENT_INVALID");
        expect((await caught(emit({ ...runEvent(1), payload: { blob: "x".repeat(4096) } }))).code).toBe("ARK_EVENT_TOO_LARGE");
        await emit(runEvent(1));
      });
      await bus.flush();
      expect(channel.events.map(label)).toEqual(["flowchart_run:1#1"]);
    });

    it("waits for emits the caller forgot to await before committing", async () => {
      const channel = recordingChannel("rec");
      const bus = busOn(getStore(), { channels: [channel] });
      await bus.transaction(async (_tx, emit) => {
        void emit(runEvent(4, { n: 1 }));
      });
      await bus.flush();
      expect(channel.events.map(label)).toEqual(["flowchart_run:4#1"]);
    });

    it("appends queued events together, in call order with emitted ones, across streams, with gapless sequences", async () => {
      const channel = recordingChannel("rec");
      const bus = busOn(getStore(), { channels: [channel] });
      await bus.transaction((_tx, emit) => emit(runEvent(11, { n: 0 })));
      await bus.transaction(async (_tx, emit) => {
        emit.queue(runEvent(11, { n: 1 }));
        emit.queue({ eventType: "node.task.updated", entityKind: "task", entityId: 9, roomKeys: ["task:9", "flowchart_run:11"] });
        emit.queue(runEvent(11, { n: 2 }));
        const direct = await emit(runEvent(11, { n: 3 }));
        expect(direct.sequence).toBe(4);
        emit.queue(runEvent(11, { n: 4 }));
        emit.queue(runEvent(12, { n: 1 }));
      });
      await bus.flush();
      expect(channel.events.map((e) => [label(e), e.payload.n ?? null])).toEqual([
        ["flowchart_run:11#1", 0], ["flowchart_run:11#2", 1], ["task:9#1", null], ["flowchart_run:11#3", 2], ["flowchart_run:11#4", 3],
        ["flowchart_run:11#5", 4], ["flowchart_run:12#1", 1],
      ]);
      expect(await bus.readEvents({ stream: "flowchart_run:11", limit: 10 })).toEqual(channel.events.filter((e) => e.sequence_stream === "flowchart_run:11"));
      const task = await bus.readEvents({ roomKey: "task:9", limit: 10 });
      expect(task.map((e) => [e.room_keys, e.entity_id])).toEqual([[["task:9", "flowchart_run:11"], "9"]]);
      // Across streams the log keeps the call order too.
      const all = await bus.readEvents({ afterSequences: { "flowchart_run:11": 1 }, limit: 10 });
      expect(all.map(label)).toEqual(["flowchart_run:11#2", "task:9#1", "flowchart_run:11#3", "flowchart_run:11#4", "flowchart_run:11#5", "flowchart_run:12#1"]);
    });

    it("checks a queued event at once, drops queued events with their rolled-back savepoint or transaction, and refuses late queueing", async () => {
      const channel = recordingChannel("rec");
      const bus = busOn(getStore(), { channels: [channel], maxEnvelopeBytes: 2048 });
      let kept: { queue(input: EventInput): void } | undefined;
      await bus.transaction(async (tx, emit) => {
        kept = emit;
        expect(() => emit.queue({ ...runEvent(13), payload: { blob: "x".repeat(4096) } })).toThrow(expect.objectContaining({ code: "ARK_EVENT_TOO_LARGE" }));
        emit.queue(runEvent(13, { n: "before savepoint" }));
        await tx
          .transaction(async () => {
            emit.queue(runEvent(13, { n: "undone" }));
            throw new Boom("savepoint fails");
          })
          .catch(() => undefined);
        await tx.transaction(async () => {
          emit.queue(runEvent(13, { n: "kept savepoint" }));
        });
        emit.queue(runEvent(13, { n: "after" }));
      });
      await caught(
        bus.transaction(async (_tx, emit) => {
          emit.queue(runEvent(13, { n: "rolled back" }));
          throw new ArkError("ARK_INTERNAL", "the transaction fails");
        }),
      );
      await bus.flush();
      expect(channel.events.map((e) => [label(e), e.payload.n])).toEqual([
        ["flowchart_run:13#1", "before savepoint"], ["flowchart_run:13#2", "kept savepoint"], ["flowchart_run:13#3", "after"],
      ]);
      expect((await bus.readEvents({ stream: "flowchart_run:13", limit: 10 })).length).toBe(3);
      expect(() => kept!.queue(runEvent(13))).toThrow(expect.objectContaining({ code: "ARK_EVENT_NOT_IN_TRANSACTION" }));
    });

    it("does not let a failing or hanging channel block the caller or other channels, and keeps the events in the log", async () => {
      const { logger, lines } = capturingLogger();
      let hangingCalls = 0;
      const failing: EventChannelContribution = { id: "failing", publish: () => { throw new Error("socket down"); } };
      const rejecting: EventChannelContribution = { id: "rejecting", publish: async () => { throw new Error("redis down"); } };
      const hanging: EventChannelContribution = { id: "hanging", publish: () => { hangingCalls += 1; return new Promise<void>(() => undefined); } };
      const healthy = recordingChannel("healthy");
      const bus = busOn(getStore(), { channels: [failing, hanging, rejecting, healthy], channelTimeoutMs: 50, logger });
      for (let i = 1; i <= 3; i += 1) await bus.transaction((_tx, emit) => emit(runEvent(6, { i })));
      await bus.flush();
      expect(healthy.events.map((e) => e.payload.i)).toEqual([1, 2, 3]);
      expect(hangingCalls).toBe(3);
      const errors = lines.filter((l) => l.level === 50).map((l) => `${String(l.channel)}: ${String(l.msg)}`);
      expect(errors.filter((l) => l.startsWith("failing: event channel failed"))).toHaveLength(3);
      expect(errors.filter((l) => l.startsWith("rejecting: event channel failed"))).toHaveLength(3);
      expect(errors.filter((l) => l.startsWith("hanging: event channel timed out"))).toHaveLength(3);
      expect((await bus.readEvents({ stream: "flowchart_run:6", limit: 10 })).map((e) => e.payload.i)).toEqual([1, 2, 3]);
    });

    it("skips live events for a channel whose backlog is full (they stay in the log)", async () => {
      const { logger, lines } = capturingLogger();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const slow: EventChannelContribution & { seen: number[] } = {
        id: "slow", seen: [], publish: async (e) => { slow.seen.push(e.sequence); await gate; },
      };
      const bus = busOn(getStore(), { channels: [slow], channelBacklog: 2, channelTimeoutMs: 60_000, logger });
      const sub = collector();
      bus.subscribe(null, sub.handler);
      await bus.transaction(async (_tx, emit) => {
        for (let i = 0; i < 5; i += 1) await emit(runEvent(7));
      });
      // Subscribers and channels are handed each event in the same step: once the subscriber has all five, the
      // channel's queue has been offered all five while its first publish is still stuck.
      await sub.until(5);
      release();
      await bus.flush();
      expect(slow.seen).toEqual([1, 2]);
      expect(lines.some((l) => l.channel === "slow" && String(l.msg).includes("too far behind"))).toBe(true);
      expect(await bus.readEvents({ stream: "flowchart_run:7", limit: 10 })).toHaveLength(5);
    });

    it("filters local subscribers, isolates a throwing one and stops after unsubscribe", async () => {
      const { logger, lines } = capturingLogger();
      const bus = busOn(getStore(), { logger });
      const runs = collector();
      const tasks = collector();
      const rooms = collector();
      bus.subscribe({ eventTypes: ["flowchart.run.updated"] }, runs.handler);
      bus.subscribe(() => true, () => { throw new Error("subscriber bug"); });
      bus.subscribe(null, async () => { throw new Error("async subscriber bug"); });
      const stopTasks = bus.subscribe({ entityKind: "task", entityId: "5" }, tasks.handler);
      bus.subscribe({ roomKeys: ["task:6"] }, rooms.handler);
      await bus.transaction(async (_tx, emit) => {
        await emit(runEvent(1));
        await emit({ eventType: "node.task.updated", entityKind: "task", entityId: 5 });
        await emit({ eventType: "node.task.updated", entityKind: "task", entityId: 6, roomKeys: ["task:6"] });
      });
      await bus.flush();
      stopTasks();
      await bus.transaction((_tx, emit) => emit({ eventType: "node.task.completed", entityKind: "task", entityId: 5 }));
      await bus.flush();
      expect(runs.seen.map(([e]) => label(e))).toEqual(["flowchart_run:1#1"]);
      expect(tasks.seen.map(([e]) => label(e))).toEqual(["task:5#1"]);
      expect(rooms.seen.map(([e]) => label(e))).toEqual(["task:6#1"]);
      expect(lines.filter((l) => l.msg === "event subscriber failed")).toHaveLength(8);
    });

    it("delivers 20 concurrent transactions on one stream as 1..20, each once, in order", async () => {
      const store = getStore();
      const bus = busOn(store);
      const sub = collector();
      bus.subscribe(null, sub.handler);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          bus.transaction(async (tx, emit) => {
            await emit(runEvent(8, { writer: i }));
            if (driver === "postgres") await tx.query("SELECT pg_sleep(0.002)");
          }),
        ),
      );
      await bus.flush();
      expect(sub.seen.map(([e]) => e.sequence)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(new Set(sub.seen.map(([e]) => e.payload.writer)).size).toBe(20);
    });

    it("fills a gap from the log when events were appended behind its back", async () => {
      const store = getStore();
      const bus = busOn(store);
      const sub = collector();
      bus.subscribe(null, sub.handler);
      await bus.transaction((_tx, emit) => emit(runEvent(9, { by: "bus" })));
      await bus.flush();
      await store.transaction(async (tx) => {
        await appendEvent(tx, runEvent(9, { by: "direct" }));
        await appendEvent(tx, runEvent(9, { by: "direct" }));
      });
      await bus.transaction((_tx, emit) => emit(runEvent(9, { by: "bus" })));
      await bus.flush();
      expect(sub.seen.map(([e, d]) => `${e.sequence}:${String(e.payload.by)}:${d.origin}`)).toEqual([
        "1:bus:local", "2:direct:remote", "3:direct:remote", "4:bus:local",
      ]);
    });

    it("delivers another bus's commits through LISTEN/NOTIFY, in order, without duplicates", async () => {
      const store = getStore();
      const otherStore = driver === "postgres" ? await secondStoreOnSameSchema(store) : store;
      const writer = busOn(otherStore);
      const remoteChannel = recordingChannel("remote-reach", "all");
      const localChannel = recordingChannel("local-reach");
      const reader = busOn(store, { channels: [remoteChannel, localChannel] });
      await reader.listen();
      await reader.listen();
      expect(reader.isListening).toBe(true);
      const sub = collector();
      reader.subscribe(null, sub.handler);
      for (let i = 1; i <= 3; i += 1) await writer.transaction((_tx, emit) => emit(runEvent(10, { from: "writer", i })));
      await reader.transaction((_tx, emit) => emit(runEvent(10, { from: "reader" })));
      await writer.transaction(async (_tx, emit) => {
        await emit(runEvent(10, { from: "writer", i: 4 }));
        await emit({ eventType: "node.task.updated", entityKind: "task", entityId: 77 });
      });
      await sub.until(6);
      await reader.flush();
      expect(sub.seen.map(([e, d]) => `${label(e)}:${d.origin}`)).toEqual([
        "flowchart_run:10#1:remote", "flowchart_run:10#2:remote", "flowchart_run:10#3:remote",
        "flowchart_run:10#4:local", "flowchart_run:10#5:remote", "task:77#1:remote",
      ]);
      expect(remoteChannel.events.map(label)).toEqual(sub.seen.map(([e]) => label(e)));
      expect(localChannel.events.map(label)).toEqual(["flowchart_run:10#4"]);
      const stored = await reader.readEvents({ stream: "flowchart_run:10", limit: 10 });
      expect(sub.seen.slice(0, 5).map(([e]) => e)).toEqual(stored);
    });

    it.runIf(driver === "postgres")("ignores notifications from kernels using another schema of the same database", async () => {
      const store = getStore();
      const reader = busOn(store);
      await reader.listen();
      const sub = collector();
      reader.subscribe(null, sub.handler);
      const foreign = await storeInFreshSchema(store);
      await busOn(foreign).transaction((_tx, emit) => emit(runEvent(12, { from: "other schema" })));
      const writer = busOn(await secondStoreOnSameSchema(store));
      await writer.transaction((_tx, emit) => emit(runEvent(12, { from: "same schema" })));
      await sub.until(1);
      await reader.flush();
      expect(sub.seen.map(([e]) => e.payload.from)).toEqual(["same schema"]);
    });

    it("refuses new transactions once closed", async () => {
      const bus = busOn(getStore());
      await bus.close();
      expect((await caught(bus.transaction(async () => undefined))).code).toBe("ARK_KERNEL_STATE");
      expect((await caught(bus.listen())).code).toBe("ARK_KERNEL_STATE");
    });
  },
  { migrate: "core", poolMax: 8 },
);

/** A second PostgreSQL store (its own pool and LISTEN connection) on the schema `store` uses: "another kernel". */
async function secondStoreOnSameSchema(store: Store): Promise<Store> {
  const { openStore } = await import("../store/open-store.js");
  const { TEST_DATABASE_URL, urlWithSearchPath } = await import("../../test/support/store-harness.js");
  const { rows } = await store.query<{ schema: string }>("SELECT current_schema() AS schema");
  const other = await openStore({ driver: "postgres", url: urlWithSearchPath(TEST_DATABASE_URL!, rows[0]!.schema), poolMax: 4 });
  extraStores.push(other);
  return other;
}

/** A PostgreSQL store on a new, migrated schema of the same database (dropped after the test). */
async function storeInFreshSchema(store: Store): Promise<Store> {
  const { openIsolatedStore } = await import("../../test/support/store-harness.js");
  const isolated = await openIsolatedStore("postgres", { migrate: "core" });
  extraStores.push({ close: () => isolated.dispose() } as Store);
  void store;
  return isolated.store;
}
