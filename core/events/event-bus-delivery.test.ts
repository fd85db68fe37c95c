/** The event bus delivering: slow or full channels, subscribers, ordering under concurrency, gaps, other buses, close. */
import { afterEach, expect, it } from "vitest";
import { describeStore } from "../../test/support/store-harness.js";
import type { EventChannelContribution } from "../plugin-api/contributions.js";
import { busOn, capturingLogger, caught, closeTracked, collector, label, recordingChannel, runEvent, secondStoreOnSameSchema, storeInFreshSchema } from "./event-bus-test-support.js";
import { appendEvent } from "./event-log.js";

afterEach(closeTracked);

describeStore(
  "event bus delivery",
  (getStore, driver) => {
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
