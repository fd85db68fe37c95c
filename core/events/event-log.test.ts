import { expect, it } from "vitest";
import { describeStore } from "../../test/support/store-harness.js";
import type { Store } from "../store/store-port.js";
import { eventIdFor } from "./event-id.js";
import { appendDrafts } from "./event-batch-append.js";
import { serialisedDraft, type EventInput } from "./event-envelope.js";
import { caught } from "./event-bus-test-support.js";
import { appendEvent, readEvents } from "./event-log.js";
import { EVENTS_NOTIFY_CHANNEL, parseEventNotice, type EventNotice } from "./event-notice.js";

const runEvent = (runId: number, payload: Record<string, unknown> = {}): EventInput => ({
  eventType: "flowchart.run.updated",
  entityKind: "flowchart_run",
  entityId: runId,
  roomKeys: [`flowchart_run:${runId}`, "flowchart:1"],
  payload,
});


async function streamSequences(store: Store, stream: string): Promise<number[]> {
  const events = await readEvents(store, { stream, limit: 1000 });
  return events.map((e) => e.sequence);
}

class Boom extends Error {}

describeStore(
  "event log",
  (getStore, driver) => {
    it("appends an envelope, stores it whole and reads it back identical", async () => {
      const store = getStore();
      const written = await store.transaction((tx) => appendEvent(tx, { ...runEvent(7, { status: "running" }), runtime: { k8s_pod: "p" } }));
      expect(written).toMatchObject({ sequence: 1, sequence_stream: "flowchart_run:7", event_type: "flowchart:run:updated", payload: { status: "running" } });
      expect(Object.isFrozen(written) && Object.isFrozen(written.payload)).toBe(true);
      const [read] = await readEvents(store, { stream: "flowchart_run:7", limit: 10 });
      expect(read).toEqual(written);
      expect(Object.keys(read!)).toEqual(Object.keys(written));
      const { rows } = await store.query<Record<string, unknown>>(
        "SELECT stream, sequence::int AS sequence, event_id::text AS event_id, event_type, entity_kind, entity_id, room_keys FROM ark_event_log",
      );
      expect(rows).toEqual([
        {
          stream: "flowchart_run:7", sequence: 1, event_id: written.event_id, event_type: "flowchart:run:updated",
          entity_kind: "flowchart_run", entity_id: "7", room_keys: ["flowchart_run:7", "flowchart:1"],
        },
      ]);
    });

    it("derives the same event ids in SQL (ark_event_id) as in TypeScript (eventIdFor)", async () => {
      const store = getStore();
      const samples: Array<[string, number]> = [["flowchart_run:7", 2], ["task:ünïcødé ✓", 1], ["download:job:updated:global", 9_007_199_254_740_991]];
      for (const [stream, sequence] of samples) {
        const { rows } = await store.query<{ id: string }>("SELECT ark_event_id($1, $2::bigint)::text AS id", [stream, sequence]);
        expect(rows[0]!.id).toBe(eventIdFor(stream, sequence));
      }
    });

    it("numbers each stream on its own, from 1, without gaps", async () => {
      const store = getStore();
      for (let i = 0; i < 3; i += 1) {
        await store.transaction(async (tx) => {
          await appendEvent(tx, runEvent(1));
          await appendEvent(tx, runEvent(2));
          await appendEvent(tx, { eventType: "download.job.updated", entityKind: "download_job" });
        });
      }
      expect(await streamSequences(store, "flowchart_run:1")).toEqual([1, 2, 3]);
      expect(await streamSequences(store, "flowchart_run:2")).toEqual([1, 2, 3]);
      expect(await streamSequences(store, "download:job:updated:global")).toEqual([1, 2, 3]);
    });

    it("leaves no gap when a transaction rolls back: the next event takes the same sequence and id", async () => {
      const store = getStore();
      const first = await store.transaction((tx) => appendEvent(tx, runEvent(3)));
      let undone: string | undefined;
      await expect(
        store.transaction(async (tx) => {
          undone = (await appendEvent(tx, runEvent(3, { doomed: true }))).event_id;
          throw new Boom("state change failed");
        }),
      ).rejects.toBeInstanceOf(Boom);
      const second = await store.transaction((tx) => appendEvent(tx, runEvent(3, { kept: true })));
      expect([first.sequence, second.sequence]).toEqual([1, 2]);
      expect(second.event_id).toBe(undone);
      const events = await readEvents(store, { stream: "flowchart_run:3", limit: 10 });
      expect(events.map((e) => e.payload)).toEqual([{}, { kept: true }]);
    });

    it("keeps sequences gapless and unique under concurrent writers, some of which roll back", async () => {
      const store = getStore();
      const writers = Array.from({ length: 20 }, (_, i) =>
        store
          .transaction(async (tx) => {
            const envelope = await appendEvent(tx, runEvent(42, { writer: i }));
            // Hold the stream's row lock a moment, so writers really queue behind each other on PostgreSQL.
            if (driver === "postgres") await tx.query("SELECT pg_sleep(0.005)");
            if (i % 5 === 4) throw new Boom(`writer ${i} fails`);
            return envelope;
          })
          .then(
            (envelope) => ({ ok: true as const, envelope }),
            (err: unknown) => ({ ok: false as const, err }),
          ),
      );
      const outcomes = await Promise.all(writers);
      const committed = outcomes.filter((o) => o.ok);
      expect(committed).toHaveLength(16);
      expect(outcomes.filter((o) => !o.ok).every((o) => o.err instanceof Boom)).toBe(true);
      const sequences = committed.map((o) => o.envelope.sequence).sort((a, b) => a - b);
      expect(sequences).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      const stored = await readEvents(store, { stream: "flowchart_run:42", limit: 100 });
      expect(stored.map((e) => e.sequence)).toEqual(sequences);
      expect(new Set(stored.map((e) => e.event_id)).size).toBe(16);
      expect(stored.map((e) => e.payload.writer).sort()).toEqual(committed.map((o) => o.envelope.payload.writer).sort());
    });

    it("batch appends take consecutive sequences per stream, gapless next to single appends and rollbacks", async () => {
      const store = getStore();
      const writers = Array.from({ length: 12 }, (_, i) =>
        store
          .transaction(async (tx) => {
            const drafts = [runEvent(43, { writer: i, n: 1 }), runEvent(44, { writer: i }), runEvent(43, { writer: i, n: 2 })].map((e) => serialisedDraft(e));
            const batch = i % 2 === 0 ? await appendDrafts(tx, drafts) : [await appendEvent(tx, runEvent(43, { writer: i, n: 1 }))];
            if (driver === "postgres") await tx.query("SELECT pg_sleep(0.003)");
            if (i % 4 === 3) throw new Boom(`writer ${i} fails`);
            return batch;
          })
          .then((batch) => batch, () => null),
      );
      const committed = (await Promise.all(writers)).filter((b) => b !== null);
      for (const batch of committed.filter((b) => b.length === 3)) {
        // One batch: its two events of stream 43 are adjacent, in input order, and ids are derived from the sequence.
        expect([batch[0]!.sequence_stream, batch[2]!.sequence_stream]).toEqual(["flowchart_run:43", "flowchart_run:43"]);
        expect(batch[2]!.sequence).toBe(batch[0]!.sequence + 1);
        expect([batch[0]!.payload.n, batch[2]!.payload.n]).toEqual([1, 2]);
        for (const e of batch) expect(e.event_id).toBe(eventIdFor(e.sequence_stream, e.sequence));
      }
      const total43 = committed.reduce((n, b) => n + b.filter((e) => e.sequence_stream === "flowchart_run:43").length, 0);
      expect(await streamSequences(store, "flowchart_run:43")).toEqual(Array.from({ length: total43 }, (_, i) => i + 1));
      expect(await streamSequences(store, "flowchart_run:44")).toEqual(Array.from({ length: committed.filter((b) => b.length === 3).length }, (_, i) => i + 1));
      const stored = await readEvents(store, { stream: "flowchart_run:43", limit: 100 });
      expect(stored).toEqual(committed.flat().filter((e) => e.sequence_stream === "flowchart_run:43").sort((a, b) => a.sequence - b.sequence));
      expect(await appendDrafts(store, [])).toEqual([]);
    });

    it("replays exactly the events after N, in order, and up to M when asked", async () => {
      const store = getStore();
      await store.transaction(async (tx) => {
        for (let i = 1; i <= 8; i += 1) await appendEvent(tx, runEvent(5, { i }));
      });
      const after = await readEvents(store, { stream: "flowchart_run:5", afterSequence: 5, limit: 100 });
      expect(after.map((e) => [e.sequence, e.payload.i])).toEqual([[6, 6], [7, 7], [8, 8]]);
      const window = await readEvents(store, { stream: "flowchart_run:5", afterSequence: 2, untilSequence: 4, limit: 100 });
      expect(window.map((e) => e.sequence)).toEqual([3, 4]);
      const limited = await readEvents(store, { stream: "flowchart_run:5", afterSequence: 0, limit: 2 });
      expect(limited.map((e) => e.sequence)).toEqual([1, 2]);
      expect(await readEvents(store, { stream: "flowchart_run:5", afterSequence: 8, limit: 10 })).toEqual([]);
    });

    it("reads by room, by entity, and across streams with per-stream cursors, in log order", async () => {
      const store = getStore();
      await store.transaction(async (tx) => {
        await appendEvent(tx, { eventType: "node.task.updated", entityKind: "task", entityId: 1, roomKeys: ["task:1", "flowchart_run:9"] });
        await appendEvent(tx, runEvent(9));
        await appendEvent(tx, { eventType: "node.task.updated", entityKind: "task", entityId: 2, roomKeys: ["task:2", "flowchart_run:8"] });
        await appendEvent(tx, { eventType: "node.task.completed", entityKind: "task", entityId: 1, roomKeys: ["task:1", "flowchart_run:9"] });
      });
      const room = await readEvents(store, { roomKey: "flowchart_run:9", limit: 10 });
      expect(room.map((e) => `${e.sequence_stream}#${e.sequence}`)).toEqual(["task:1#1", "flowchart_run:9#1", "task:1#2"]);
      const entity = await readEvents(store, { entityKind: "task", entityId: "1", limit: 10 });
      expect(entity.map((e) => e.event_type)).toEqual(["node:task:updated", "node:task:completed"]);
      const resumed = await readEvents(store, { roomKey: "flowchart_run:9", afterSequences: { "task:1": 1, "flowchart_run:9": 1 }, limit: 10 });
      expect(resumed.map((e) => `${e.sequence_stream}#${e.sequence}`)).toEqual(["task:1#2"]);
    });

    it("announces an append on ark_events only when its transaction commits", async () => {
      const store = getStore();
      const { rows } = await store.query<{ schema: string }>("SELECT current_schema() AS schema");
      const notices: EventNotice[] = [];
      let arrived!: () => void;
      const first = new Promise<void>((resolve) => (arrived = resolve));
      // The channel is shared by every schema of the database: test files running beside this one announce there too.
      const stop = await store.listen(EVENTS_NOTIFY_CHANNEL, (payload) => {
        const notice = parseEventNotice(payload);
        if (notice?.schema !== rows[0]!.schema) return;
        notices.push(notice);
        arrived();
      });
      try {
        await store.transaction(async (tx) => {
          await appendEvent(tx, runEvent(11), { origin: "bus-a" });
          throw new Boom("rolled back");
        }).catch(() => undefined);
        await store.transaction((tx) => appendEvent(tx, runEvent(11, { committed: true }), { origin: "bus-b" }));
        await first;
        expect(notices[0]).toEqual({ schema: rows[0]!.schema, origin: "bus-b", stream: "flowchart_run:11", sequence: 1 });
      } finally {
        await stop();
      }
    });

    it("rejects bad input before touching the log, and bad queries with ARK_INVALID_ARGUMENT", async () => {
      const store = getStore();
      await store.transaction(async (tx) => {
        expect((await caught(appendEvent(tx, { eventType: "", entityKind: "task" }))).code).toBe("ARK_EVENT_TYPE_INVALID");
        expect((await caught(appendEvent(tx, { eventType: "a.b.c", entityKind: "Bad Kind" }))).code).toBe("ARK_EVENT_INVALID");
        expect((await caught(appendEvent(tx, { ...runEvent(1), payload: { big: "x".repeat(2048) } }, { maxEnvelopeBytes: 1024 }))).code).toBe("ARK_EVENT_TOO_LARGE");
        // The transaction is still usable: nothing reached the database.
        await appendEvent(tx, runEvent(1));
      });
      expect(await streamSequences(store, "flowchart_run:1")).toEqual([1]);
      for (const query of [
        { limit: 0 },
        { limit: 10_001 },
        { afterSequence: 3, limit: 10 },
        { stream: "s", afterSequence: -1, limit: 10 },
        { stream: "s", untilSequence: 1.5, limit: 10 },
        { afterSequences: { s: -2 }, limit: 10 },
      ]) {
        expect((await caught(readEvents(store, query))).code).toBe("ARK_INVALID_ARGUMENT");
      }
    });
  },
  { migrate: "core", poolMax: 8 },
);
