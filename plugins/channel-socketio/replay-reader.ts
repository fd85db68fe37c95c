import { ArkError, type EventBus, type EventEnvelope } from "../../core/plugin-api/index.js";
import type { StreamCursors } from "./protocol.js";

/** The part of the event bus replay needs: reading the durable log. */
export type EventLogReader = Pick<EventBus, "readEvents">;

/**
 * Reads what a client missed in `rooms` after its per-stream cursors (streams it does not name: from their first
 * event). Throws ARK_RT_REPLAY_TOO_LARGE when one room holds more than `maxReplay` such events, so a replay is either
 * complete or not sent at all (never a replay with a hole the client cannot see).
 */
export async function readMissedEvents(reader: EventLogReader, rooms: readonly string[], after: StreamCursors, maxReplay: number): Promise<EventEnvelope[]> {
  const lists = await Promise.all(
    rooms.map(async (room) => {
      const events = await reader.readEvents({ roomKey: room, afterSequences: after, limit: maxReplay + 1 });
      if (events.length > maxReplay) {
        throw new ArkError("ARK_RT_REPLAY_TOO_LARGE", `Room ${room} has more than ${maxReplay} events after the given sequences; page through GET /api/events first, then replay from newer sequences.`, {
          details: { room, limit: maxReplay },
        });
      }
      return events;
    }),
  );
  return lists.length === 1 ? (lists[0] ?? []) : mergeByStream(lists);
}

/**
 * Merges event lists of several rooms: each event once, each stream in sequence order; streams interleave by
 * `emitted_at` of their next event (the log position is not in the envelope, and per-stream order is what matters).
 */
export function mergeByStream(lists: readonly (readonly EventEnvelope[])[]): EventEnvelope[] {
  const byStream = new Map<string, Map<number, EventEnvelope>>();
  for (const list of lists) {
    for (const event of list) {
      let stream = byStream.get(event.sequence_stream);
      if (!stream) byStream.set(event.sequence_stream, (stream = new Map()));
      stream.set(event.sequence, event);
    }
  }
  const queues = [...byStream.values()].map((events) => [...events.values()].sort((a, b) => a.sequence - b.sequence));
  const merged: EventEnvelope[] = [];
  const heads = queues.map(() => 0);
  for (;;) {
    let pick = -1;
    for (let i = 0; i < queues.length; i += 1) {
      const candidate = queues[i]?.[heads[i] ?? 0];
      if (!candidate) continue;
      const best = pick < 0 ? undefined : queues[pick]?.[heads[pick] ?? 0];
      if (!best || candidate.emitted_at < best.emitted_at || (candidate.emitted_at === best.emitted_at && candidate.sequence_stream < best.sequence_stream)) pick = i;
    }
    if (pick < 0) return merged;
    merged.push(queues[pick]![heads[pick]!]!);
    heads[pick]! += 1;
  }
}
