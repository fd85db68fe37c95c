// The ordering machinery without sockets or a database: the per-socket feed (replay seam), the kernel-wide live
// sequencer (duplicates and gaps), and the multi-room replay merge.
import { describe, expect, it } from "vitest";
import { isArkError, type EventEnvelope } from "../../core/plugin-api/index.js";
import { LiveSequencer } from "./live-sequencer.js";
import { mergeByStream, readMissedEvents, type EventLogReader } from "./replay-reader.js";
import { SocketFeed } from "./socket-feed.js";

function envelope(stream: string, sequence: number, rooms: string[] = ["flowchart_run:1"], emittedAt = `2024-01-01T00:00:${String(sequence).padStart(2, "0")}.000+00:00`): EventEnvelope {
  return {
    contract_version: "v1", event_id: `${stream}#${sequence}`, idempotency_key: `${stream}#${sequence}`, sequence, sequence_stream: stream,
    emitted_at: emittedAt, event_type: "flowchart:run:updated", entity_kind: "flowchart_run", entity_id: "1", room_keys: rooms,
    request_id: "r", runtime: null, payload: {},
  };
}

class FakeSocket {
  readonly rooms = new Set<string>(["sid"]);
  readonly sent: EventEnvelope[] = [];
  emit(_name: string, payload: EventEnvelope): void {
    this.sent.push(payload);
  }
}

/** A log reader over an in-memory list, honouring the query fields the plugin uses. */
function memoryLog(events: EventEnvelope[]): EventLogReader & { reads: number } {
  const reader = {
    reads: 0,
    async readEvents(query: Parameters<EventLogReader["readEvents"]>[0]) {
      reader.reads += 1;
      return events
        .filter((e) => query.stream === undefined || e.sequence_stream === query.stream)
        .filter((e) => query.afterSequence === undefined || e.sequence > query.afterSequence)
        .filter((e) => query.untilSequence === undefined || e.sequence <= query.untilSequence)
        .filter((e) => query.roomKey === undefined || e.room_keys.includes(query.roomKey))
        .filter((e) => query.afterSequences === undefined || e.sequence > (query.afterSequences[e.sequence_stream] ?? 0))
        .slice(0, query.limit);
    },
  };
  return reader;
}

describe("SocketFeed", () => {
  it("sends live events of the socket's rooms once, in order, and nothing of other rooms", () => {
    const socket = new FakeSocket();
    socket.rooms.add("flowchart_run:1");
    const feed = new SocketFeed(socket, { maxBacklog: 10, onBacklogExceeded: () => undefined });
    for (const e of [envelope("s", 1), envelope("s", 2), envelope("s", 2), envelope("s", 1), envelope("t", 1, ["task:9"]), envelope("u", 1, [])]) feed.offer(e);
    expect(socket.sent.map((e) => `${e.sequence_stream}:${e.sequence}`)).toEqual(["s:1", "s:2", "u:1"]);
  });

  it("holds live events behind a replay and drops those the replay already sent (no duplicate, no gap at the seam)", async () => {
    const socket = new FakeSocket();
    socket.rooms.add("flowchart_run:1");
    const feed = new SocketFeed(socket, { maxBacklog: 10, onBacklogExceeded: () => undefined });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const replay = feed.run(async () => {
      await gate;
      feed.seed({ s: 2 });
      for (const sequence of [3, 4, 5]) feed.sendReplayed(envelope("s", sequence));
    });
    feed.offer(envelope("s", 2));
    feed.offer(envelope("s", 5));
    feed.offer(envelope("s", 6));
    expect(socket.sent).toEqual([]);
    expect(feed.backlog).toBe(3);
    release();
    await replay;
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.sent.map((e) => e.sequence)).toEqual([3, 4, 5, 6]);
    expect(feed.cursors()).toEqual({ s: 6 });
  });

  it("replays history older than the watermark when asked, but never an event it recently sent", async () => {
    const socket = new FakeSocket();
    socket.rooms.add("flowchart_run:1");
    const feed = new SocketFeed(socket, { maxBacklog: 10, onBacklogExceeded: () => undefined });
    feed.offer(envelope("s", 9));
    const sent = await feed.run(async () => [6, 7, 8, 9].map((n) => feed.sendReplayed(envelope("s", n))));
    expect(sent).toEqual([true, true, true, false]);
    feed.offer(envelope("s", 8));
    feed.offer(envelope("s", 10));
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.sent.map((e) => e.sequence)).toEqual([9, 6, 7, 8, 10]);
  });

  it("closes itself and reports once when the backlog overflows; queued jobs are rejected", async () => {
    const socket = new FakeSocket();
    socket.rooms.add("flowchart_run:1");
    let overflows = 0;
    const feed = new SocketFeed(socket, { maxBacklog: 2, onBacklogExceeded: () => (overflows += 1) });
    const blocked = feed.run(() => new Promise<void>(() => undefined));
    const queued = feed.run(async () => "never");
    feed.offer(envelope("s", 1));
    feed.offer(envelope("s", 2));
    feed.offer(envelope("s", 3));
    expect(overflows).toBe(1);
    await expect(queued).rejects.toThrow(/gone/);
    void blocked;
    expect(socket.sent).toEqual([]);
  });
});

describe("LiveSequencer", () => {
  it("drops duplicates and fills a gap from the log before the event that revealed it", async () => {
    const log = memoryLog([1, 2, 3, 4, 5].map((n) => envelope("s", n)));
    const delivered: number[] = [];
    const sequencer = new LiveSequencer({ reader: log, deliver: (e) => delivered.push(e.sequence), hasListeners: () => true, onLostGap: () => undefined, maxFill: 100 });
    for (const n of [1, 2, 2, 5, 3, 4, 5]) sequencer.accept(envelope("s", n));
    await sequencer.idle();
    expect(delivered).toEqual([1, 2, 3, 4, 5]);
  });

  it("starts a new stream at its first event, skips gap reads without listeners, and reports a gap it cannot fill", async () => {
    const log = memoryLog(Array.from({ length: 30 }, (_, i) => envelope("s", i + 1)));
    const delivered: number[] = [];
    const lost: [string, number, number][] = [];
    let listeners = false;
    const sequencer = new LiveSequencer({ reader: log, deliver: (e) => delivered.push(e.sequence), hasListeners: () => listeners, onLostGap: (...gap) => lost.push(gap), maxFill: 5 });
    sequencer.accept(envelope("s", 3));
    sequencer.accept(envelope("s", 6));
    await sequencer.idle();
    expect(delivered).toEqual([3, 6]);
    expect(log.reads).toBe(0);
    listeners = true;
    sequencer.accept(envelope("s", 20));
    await sequencer.idle();
    expect(delivered).toEqual([3, 6, 7, 8, 9, 10, 11, 20]);
    expect(lost).toEqual([["s", 11, 19]]);
  });
});

describe("replay reading", () => {
  it("merges rooms: each event once, each stream in sequence order", () => {
    const a = [envelope("s", 1, ["flowchart:1", "flowchart_run:1"]), envelope("s", 3, ["flowchart:1", "flowchart_run:1"])];
    const b = [envelope("t", 1, ["flowchart_run:1"], "2024-01-01T00:00:02.000+00:00"), envelope("s", 2, ["flowchart_run:1"]), envelope("s", 3, ["flowchart:1", "flowchart_run:1"])];
    expect(mergeByStream([a, b]).map((e) => `${e.sequence_stream}:${e.sequence}`)).toEqual(["s:1", "s:2", "t:1", "s:3"]);
  });

  it("returns what the cursors have not seen, and refuses a replay larger than the limit", async () => {
    const log = memoryLog([...[1, 2, 3, 4].map((n) => envelope("s", n)), envelope("t", 1)]);
    const events = await readMissedEvents(log, ["flowchart_run:1"], { s: 2 }, 10);
    expect(events.map((e) => `${e.sequence_stream}:${e.sequence}`)).toEqual(["s:3", "s:4", "t:1"]);
    const err = await readMissedEvents(log, ["flowchart_run:1"], {}, 4).catch((e: unknown) => e);
    expect(isArkError(err, "ARK_RT_REPLAY_TOO_LARGE")).toBe(true);
  });
});
