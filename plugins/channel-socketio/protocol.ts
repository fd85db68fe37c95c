/**
 * The /rt wire protocol (reference §13.5): event names, request parsing and acknowledgement shapes.
 */
import { ArkError, isArkError } from "../../core/plugin-api/index.js";
import { hasUnprintable, quoted } from "./client-value.js";
import { checkRooms } from "./rooms.js";

/** The Socket.IO namespace events are served on. */
export const RT_NAMESPACE = "/rt";
/** Version of the /rt protocol and of the envelopes it carries. */
export const RT_CONTRACT_VERSION = "v1";

/** Events the server emits and answers. Committed envelopes go out under their canonical `event_type`. */
export const RtEvent = {
  connected: "rt.connected",
  health: "rt.health",
  subscribe: "rt.subscribe",
  unsubscribe: "rt.unsubscribe",
  replay: "rt.replay",
  /** Server → client: live delivery may have missed events (fan-out outage, too large a gap); send rt.replay. */
  resync: "rt.resync",
  /** Server → client, right before it disconnects the client for a protocol-level reason. */
  error: "rt.error",
} as const;

/** Most rooms one request may name. */
export const MAX_ROOMS_PER_REQUEST = 100;
/** Most rooms one replay may read (each up to maxReplay events). */
export const MAX_REPLAY_ROOMS = 10;
/** Replays one connection may have queued or running; one more is refused with ARK_RT_BUSY. */
export const MAX_PENDING_REPLAYS = 4;
/** Most rooms one socket may be in, unless maxSubscriptionsPerConnection says otherwise. */
export const MAX_ROOMS_PER_SOCKET = 1000;
/** Most streams one `after` cursor map may name. */
export const MAX_CURSOR_STREAMS = 1000;
/** Longest sequence_stream name a cursor may name. */
export const MAX_STREAM_CHARS = 512;

/** Last sequence seen per `sequence_stream`. */
export type StreamCursors = Readonly<Record<string, number>>;

/** A parsed rt.subscribe / rt.unsubscribe / rt.replay request. */
export interface RoomsRequest {
  readonly rooms: string[];
  /** Present when the client asked for a replay of what it missed. */
  readonly after?: StreamCursors;
}

function invalidRequest(message: string, details: Record<string, unknown>): ArkError {
  return new ArkError("ARK_RT_REQUEST_INVALID", message, { details });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether `stream` can be a sequence_stream name: 1 to MAX_STREAM_CHARS printable characters. */
export function isStreamName(stream: string): boolean {
  return stream.trim() !== "" && stream.length <= MAX_STREAM_CHARS && !hasUnprintable(stream);
}

/** Checks an `after` cursor map: stream names to non-negative integers. */
export function parseCursors(value: unknown): StreamCursors {
  if (!isPlainObject(value)) throw invalidRequest("`after` must be an object mapping sequence_stream to the last sequence seen, e.g. { \"flowchart_run:42\": 17 }.", { field: "after" });
  const entries = Object.entries(value);
  if (entries.length > MAX_CURSOR_STREAMS) throw invalidRequest(`\`after\` names ${entries.length} streams; at most ${MAX_CURSOR_STREAMS} are accepted.`, { field: "after", limit: MAX_CURSOR_STREAMS });
  for (const [stream, sequence] of entries) {
    if (!isStreamName(stream)) {
      throw invalidRequest(`\`after\` has an invalid stream name ${quoted(stream)}: 1 to ${MAX_STREAM_CHARS} characters without control characters.`, { field: "after", stream: quoted(stream) });
    }
    if (typeof sequence !== "number" || !Number.isSafeInteger(sequence) || sequence < 0) {
      throw invalidRequest(`\`after[${quoted(stream)}]\` must be a non-negative integer (the last sequence seen), not ${quoted(sequence)}.`, { field: "after", stream });
    }
  }
  // fromEntries defines each key as the object's own, "__proto__" included (an assignment would set the prototype).
  return Object.fromEntries(entries) as StreamCursors;
}

/** Parses `{ rooms | room, after? }`; bad shapes throw ARK_RT_REQUEST_INVALID, bad rooms ARK_RT_ROOM_INVALID. */
export function parseRoomsRequest(payload: unknown, options: { requireAfter?: boolean } = {}): RoomsRequest {
  if (!isPlainObject(payload)) throw invalidRequest("The request must be an object such as { rooms: [\"flowchart_run:42\"] }.", { field: "payload" });
  const { rooms, room, after } = payload;
  const listed: unknown[] = [];
  if (rooms !== undefined) {
    if (typeof rooms === "string") listed.push(rooms);
    else if (Array.isArray(rooms)) listed.push(...rooms);
    else throw invalidRequest("`rooms` must be a list of room names.", { field: "rooms" });
  }
  if (room !== undefined) listed.push(room);
  if (listed.length === 0) throw invalidRequest("Name at least one room in `rooms` (or `room`).", { field: "rooms" });
  if (listed.length > MAX_ROOMS_PER_REQUEST) throw invalidRequest(`At most ${MAX_ROOMS_PER_REQUEST} rooms per request.`, { field: "rooms", limit: MAX_ROOMS_PER_REQUEST });
  const { accepted, rejected } = checkRooms(listed);
  if (rejected.length > 0) {
    throw new ArkError("ARK_RT_ROOM_INVALID", `Not a room a client can join: ${rejected.map((r) => `${quoted(r.room)} (${r.reason})`).join("; ")}.`, {
      details: { rejected },
    });
  }
  if (after === undefined && options.requireAfter) throw invalidRequest("rt.replay needs `after`: the last sequence seen per sequence_stream ({} for everything).", { field: "after" });
  if (after !== undefined && accepted.length > MAX_REPLAY_ROOMS) {
    throw invalidRequest(`A replay reads at most ${MAX_REPLAY_ROOMS} rooms; split the request.`, { field: "rooms", limit: MAX_REPLAY_ROOMS });
  }
  return after === undefined ? { rooms: accepted } : { rooms: accepted, after: parseCursors(after) };
}

/** Server time as every acknowledgement carries it. */
export function serverTime(): string {
  return new Date().toISOString();
}

/** A successful acknowledgement. */
export function okAck(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { ok: true, namespace: RT_NAMESPACE, server_time: serverTime(), ...fields };
}

/** A failed acknowledgement: the error envelope's `error` object (§14.5) with a stable code. */
export function errorAck(err: unknown): Record<string, unknown> {
  const known = isArkError(err);
  return {
    ok: false,
    namespace: RT_NAMESPACE,
    server_time: serverTime(),
    error: {
      contract_version: RT_CONTRACT_VERSION,
      code: known ? err.code : "ARK_INTERNAL",
      message: known ? err.message : "The server failed to handle the request; see its log.",
      details: known ? err.details : {},
    },
  };
}

/** Connection counters reported by rt.connected, rt.health and the health source. */
export class RtMetrics {
  connectTotal = 0;
  disconnectTotal = 0;
  healthTotal = 0;
  refusedTotal = 0;
  /** Connections and subscribe/replay requests refused by a server-wide limit (ARK_RT_LIMIT_REACHED). */
  limitedTotal = 0;

  /** The counters plus the number of open connections, as the reference reports them. */
  snapshot(openConnections: number): Record<string, number> {
    return {
      connect_total: this.connectTotal,
      disconnect_total: this.disconnectTotal,
      health_total: this.healthTotal,
      refused_total: this.refusedTotal,
      limited_total: this.limitedTotal,
      open_connections: openConnections,
    };
  }
}
