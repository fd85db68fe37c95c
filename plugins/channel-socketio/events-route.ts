import { ArkError, type ApiRoute, type EventEnvelope } from "../../core/plugin-api/index.js";
import { isStreamName, MAX_STREAM_CHARS, parseCursors, type StreamCursors } from "./protocol.js";
import type { EventLogReader } from "./replay-reader.js";
import { checkRoom } from "./rooms.js";

/** Largest page `GET /api/events` returns. */
export const MAX_BACKFILL_PAGE = 1000;

/** Query string of the backfill route, after schema validation and coercion. */
interface BackfillQuery {
  readonly room: string;
  readonly after_stream?: string;
  readonly after?: number;
  readonly after_sequences?: string;
  readonly limit: number;
}

function cursorsOf(text: string): StreamCursors {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ArkError("ARK_RT_REQUEST_INVALID", "after_sequences must be a JSON object such as {\"flowchart_run:42\":17}.", { details: { field: "after_sequences" } });
  }
  return parseCursors(parsed);
}

/** Cursors that continue after `events`: the given ones, moved to the last sequence returned per stream. */
function nextCursors(start: StreamCursors, events: readonly EventEnvelope[]): Record<string, number> {
  const next: Record<string, number> = { ...start };
  for (const event of events) next[event.sequence_stream] = Math.max(next[event.sequence_stream] ?? 0, event.sequence);
  return next;
}

const envelopeList = { type: "array", items: { type: "object", description: "An event envelope (v1), as the socket delivers it." } };

/**
 * `GET /api/events`: the events of a room from the durable log, oldest first — the HTTP twin of rt.replay, for
 * clients that fell too far behind or never connected. Either one stream (`after_stream` + `after`) or every stream
 * of the room (`after_sequences`, a JSON cursor map; streams it does not name start at their first event).
 */
export function eventsBackfillRoute(reader: EventLogReader): ApiRoute<Record<string, never>, BackfillQuery> {
  return {
    method: "GET",
    url: "/api/events",
    summary: "Events of a room from the event log, after given sequences (replay over HTTP)",
    tags: ["events"],
    auth: "bearer",
    schema: {
      querystring: {
        type: "object",
        required: ["room"],
        properties: {
          room: { type: "string", minLength: 1, maxLength: 300, description: "A room such as flowchart_run:42." },
          after_stream: { type: "string", minLength: 1, maxLength: 512, description: "Only this sequence_stream, after `after`." },
          after: { type: "integer", minimum: 0, description: "Last sequence already seen in after_stream (default 0)." },
          after_sequences: { type: "string", maxLength: 65536, description: "JSON object: last sequence seen per stream, for every stream of the room." },
          limit: { type: "integer", minimum: 1, maximum: MAX_BACKFILL_PAGE, default: 100 },
        },
        additionalProperties: false,
      },
      response: {
        "200": {
          type: "object",
          required: ["ok", "room", "events", "count", "has_more", "next"],
          properties: {
            ok: { type: "boolean" },
            room: { type: "string" },
            events: envelopeList,
            count: { type: "integer" },
            has_more: { type: "boolean", description: "More events follow; ask again with `next`." },
            next: { type: "object", description: "Query values that continue after this page: {after_stream, after} or {after_sequences}." },
          },
        },
      },
    },
    async handler(request) {
      const { after_stream: stream, after, after_sequences: cursorText, limit } = request.query;
      const checked = checkRoom(request.query.room);
      if ("rejected" in checked) {
        throw new ArkError("ARK_RT_ROOM_INVALID", `Not a room: ${checked.rejected.reason}.`, { details: { rejected: [checked.rejected] } });
      }
      if (stream !== undefined && cursorText !== undefined) {
        throw new ArkError("ARK_RT_REQUEST_INVALID", "Use either after_stream (+ after) or after_sequences, not both.", { details: { field: "after_sequences" } });
      }
      if (stream !== undefined && !isStreamName(stream)) {
        throw new ArkError("ARK_RT_REQUEST_INVALID", `after_stream must be a sequence_stream name: 1 to ${MAX_STREAM_CHARS} characters without control characters.`, { details: { field: "after_stream" } });
      }
      if (after !== undefined && stream === undefined) {
        throw new ArkError("ARK_RT_REQUEST_INVALID", "`after` is a sequence within one stream: give after_stream too (or use after_sequences).", { details: { field: "after" } });
      }
      const room = checked.room;
      if (stream !== undefined) {
        const read = await reader.readEvents({ roomKey: room, stream, afterSequence: after ?? 0, limit: limit + 1 });
        const events = read.slice(0, limit);
        const last = events.at(-1)?.sequence ?? after ?? 0;
        return { ok: true, room, events, count: events.length, has_more: read.length > limit, next: { after_stream: stream, after: last } };
      }
      const cursors = cursorText === undefined ? {} : cursorsOf(cursorText);
      const read = await reader.readEvents({ roomKey: room, afterSequences: cursors, limit: limit + 1 });
      const events = read.slice(0, limit);
      return { ok: true, room, events, count: events.length, has_more: read.length > limit, next: { after_sequences: JSON.stringify(nextCursors(cursors, events)) } };
    },
  };
}
