/** The event bus in transactions: publish after commit, rollbacks and savepoints, bad input, queued appends. */
import { afterEach, expect, it } from "vitest";
import { describeStore } from "../../test/support/store-harness.js";
import { ArkError } from "../errors/index.js";
import type { EventEnvelope } from "../plugin-api/contributions.js";
import { Boom, busOn, caught, closeTracked, collector, label, recordingChannel, runEvent } from "./event-bus-test-support.js";
import type { EventInput } from "./event-envelope.js";

afterEach(closeTracked);

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

    it("emit.flush appends what is queued at once without waiting; the commit waits for it and fails with it", async () => {
      const channel = recordingChannel("rec");
      const bus = busOn(getStore(), { channels: [channel] });
      await bus.transaction(async (tx, emit) => {
        emit.queue(runEvent(21, { n: 1 }));
        emit.queue(runEvent(21, { n: 2 }));
        emit.flush();
        emit.flush(); // nothing queued: no statement
        emit.queue(runEvent(21, { n: 3 }));
        // Issued after the flush, so it runs after it: the first two are in the log already, the third is still queued.
        const { rows } = await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM ark_event_log WHERE stream = 'flowchart_run:21'");
        expect(rows[0]!.n).toBe(2);
      });
      await bus.flush();
      expect(channel.events.map((e) => [label(e), e.payload.n])).toEqual([["flowchart_run:21#1", 1], ["flowchart_run:21#2", 2], ["flowchart_run:21#3", 3]]);
      // A flushed append that fails (here: the log refuses the row) fails the transaction; nothing of it is committed.
      await getStore().query("ALTER TABLE ark_event_log ADD CONSTRAINT no_doomed CHECK (envelope->'payload'->>'doomed' IS NULL)");
      const err = await caught(
        bus.transaction(async (_tx, emit) => {
          emit.queue(runEvent(21, { n: 4 }));
          emit.queue(runEvent(21, { doomed: true }));
          emit.flush();
        }),
      );
      // The append's own failure, not a later statement's "transaction is aborted".
      expect(err.code).toBe("ARK_STORE_QUERY_FAILED");
      expect(`${err.message} ${JSON.stringify(err.details)}`).toContain("no_doomed");
      expect((await bus.readEvents({ stream: "flowchart_run:21", limit: 10 })).map((e) => e.sequence)).toEqual([1, 2, 3]);
      await bus.flush();
      expect(channel.events).toHaveLength(3);
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
  },
  { migrate: "core", poolMax: 8 },
);
