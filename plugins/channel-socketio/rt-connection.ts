import type { Logger } from "pino";
import type { Socket } from "socket.io";
import { ArkError, TOO_DEEP_MESSAGE, isTooDeep, type EventEnvelope } from "../../core/plugin-api/index.js";
import type { RtSettings } from "./config.js";
import {
  errorAck,
  MAX_PENDING_REPLAYS,
  okAck,
  parseRoomsRequest,
  RT_CONTRACT_VERSION,
  RtEvent,
  type RtMetrics,
  type StreamCursors,
} from "./protocol.js";
import { readMissedEvents, type EventLogReader } from "./replay-reader.js";
import { RoomMembership } from "./room-membership.js";
import type { RtLimits } from "./rt-limits.js";
import { SocketFeed } from "./socket-feed.js";

/** What a connection's handlers share with the server. */
export interface ConnectionContext {
  readonly settings: RtSettings;
  readonly reader: EventLogReader;
  readonly metrics: RtMetrics;
  /** Server-wide counts and limits (subscriptions summed over every connection). */
  readonly limits: RtLimits;
  readonly feeds: Map<string, SocketFeed>;
  openConnections(): number;
  /** How events reach this kernel from the others, for rt.connected and rt.health. */
  fanout(): Record<string, unknown>;
  readonly logger?: Logger;
}

type Ack = (answer: Record<string, unknown>) => void;

/** Splits handler arguments into payload and ack: `emit(name, payload, ack)` or `emit(name, ack)`. */
function payloadAndAck(args: unknown[]): [unknown, Ack | null] {
  const last = args[args.length - 1];
  const ack = typeof last === "function" ? (last as Ack) : null;
  const payload = typeof args[0] === "function" ? undefined : args[0];
  return [payload, ack];
}

/** Events a client may emit, with an ack or without. */
const REQUEST_EVENTS: readonly string[] = [RtEvent.health, RtEvent.subscribe, RtEvent.unsubscribe, RtEvent.replay];

/**
 * Sends `reply` through the ack. Socket.IO encodes it here, and an encoding that throws must not escape the listener:
 * an async listener's rejection is unhandled, which ends the process.
 */
function sendAck(ack: Ack | null, reply: Record<string, unknown>, ctx: ConnectionContext, event: string, socket: Socket): void {
  if (!ack) return;
  try {
    ack(reply);
  } catch (err) {
    ctx.logger?.error({ err, event, sid: socket.id }, "could not send a realtime acknowledgement");
    try {
      ack(errorAck(new ArkError("ARK_INTERNAL", "The reply could not be encoded.")));
    } catch {
      // Nothing more can be sent on this ack.
    }
  }
}

/**
 * Registers a request handler whose result (or error, as an error ack with a stable code) answers the ack. A payload
 * nested deeper than MAX_VALUE_DEPTH is refused before anything walks it (Socket.IO's encoder and JSON.stringify
 * recurse; a reply echoing one 5,000 deep overflowed the stack).
 */
function answer(socket: Socket, event: string, ctx: ConnectionContext, handle: (payload: unknown) => Promise<Record<string, unknown>> | Record<string, unknown>): void {
  socket.on(event, async (...args: unknown[]) => {
    const [payload, ack] = payloadAndAck(args);
    let reply: Record<string, unknown>;
    try {
      if (isTooDeep(payload)) throw new ArkError("ARK_RT_REQUEST_INVALID", `The request ${TOO_DEEP_MESSAGE}.`, { details: { field: "payload" } });
      reply = await handle(payload);
    } catch (err) {
      if (!(err instanceof ArkError)) ctx.logger?.error({ err, event, sid: socket.id }, "realtime request failed");
      reply = errorAck(err);
    }
    sendAck(ack, reply, ctx, event, socket);
  });
}

/** Answers an event the protocol does not have, when the client waits for an answer (otherwise it is ignored). */
function refuseUnknownEvents(socket: Socket, ctx: ConnectionContext): void {
  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === "string" && REQUEST_EVENTS.includes(event)) return;
    const [, ack] = payloadAndAck(args);
    const name = typeof event === "string" ? JSON.stringify(event.slice(0, 80)) : "an event without a name";
    sendAck(ack, errorAck(new ArkError("ARK_RT_EVENT_UNKNOWN", `The server does not answer ${name}.`, { details: { events: REQUEST_EVENTS } })), ctx, String(event), socket);
  });
}

/** Events of `events` in the replay, as the last sequence per stream. */
function lastPerStream(events: readonly EventEnvelope[]): Record<string, number> {
  const last: Record<string, number> = {};
  for (const event of events) last[event.sequence_stream] = Math.max(last[event.sequence_stream] ?? 0, event.sequence);
  return last;
}

/** One connection's state the request handlers share. */
interface Connection {
  readonly socket: Socket;
  readonly feed: SocketFeed;
  readonly membership: RoomMembership;
  readonly ctx: ConnectionContext;
}

/**
 * Joins `rooms` and sends what the client missed after `after`, before any live event of those rooms (they wait
 * behind the replay in the socket's feed). A replay that cannot be complete throws, and leaves the rooms it joined
 * unless another request of this connection holds them too.
 */
async function joinWithReplay(connection: Connection, rooms: string[], after: StreamCursors): Promise<Record<string, unknown>> {
  const { socket, feed, membership, ctx } = connection;
  if (feed.pendingJobs >= MAX_PENDING_REPLAYS) {
    throw new ArkError("ARK_RT_BUSY", `This connection already has ${feed.pendingJobs} replays waiting; wait for their acknowledgements first.`, {
      details: { limit: MAX_PENDING_REPLAYS },
    });
  }
  // Joining and queueing the replay happen in one synchronous block: no live event of these rooms can reach the
  // socket between them, so every live event either is in the log the replay reads or waits behind the replay.
  membership.begin(rooms);
  void socket.join(rooms);
  try {
    const replayed = await feed.run(async () => {
      const events = await readMissedEvents(ctx.reader, rooms, after, ctx.settings.maxReplay);
      feed.seed(after);
      return events.filter((event) => feed.sendReplayed(event));
    });
    membership.succeed(rooms);
    return okAck({ rooms, replay: { count: replayed.length, last: lastPerStream(replayed) } });
  } catch (err) {
    for (const room of membership.fail(rooms)) void socket.leave(room);
    throw err;
  }
}

/**
 * Checks that joining `rooms` stays within this connection's room limit and the server's total; the caller joins in
 * the same synchronous block, so concurrent requests cannot both pass on the same free places.
 */
function checkRoomBudget(socket: Socket, rooms: readonly string[], ctx: ConnectionContext): void {
  const joined = socket.rooms.size - 1;
  const added = new Set(rooms.filter((room) => !socket.rooms.has(room))).size;
  const limit = ctx.settings.maxSubscriptionsPerConnection;
  if (joined + added > limit) {
    throw new ArkError("ARK_RT_REQUEST_INVALID", `A connection can be in at most ${limit} rooms; it is in ${joined}.`, {
      details: { field: "rooms", limit, joined },
    });
  }
  try {
    ctx.limits.checkSubscriptions(added);
  } catch (err) {
    ctx.metrics.limitedTotal += 1;
    throw err;
  }
}

/** Serves one /rt connection: greets it, answers health/subscribe/unsubscribe/replay, cleans up on disconnect. */
export function handleConnection(socket: Socket, ctx: ConnectionContext): void {
  ctx.metrics.connectTotal += 1;
  const feed = new SocketFeed(socket, {
    maxBacklog: ctx.settings.maxBacklog,
    onBacklogExceeded: () => {
      ctx.logger?.warn({ sid: socket.id, backlog: ctx.settings.maxBacklog }, "realtime client too slow; disconnecting it (it can reconnect and replay)");
      socket.emit(RtEvent.error, errorAck(new ArkError("ARK_RT_BACKLOG_EXCEEDED", `More than ${ctx.settings.maxBacklog} events waited for this connection.`, { details: { limit: ctx.settings.maxBacklog } })));
      socket.disconnect(true);
    },
  });
  ctx.feeds.set(socket.id, feed);
  socket.on("disconnect", () => {
    feed.close();
    ctx.feeds.delete(socket.id);
    ctx.metrics.disconnectTotal += 1;
  });

  socket.emit(RtEvent.connected, okAck({
    contract_version: RT_CONTRACT_VERSION,
    sid: socket.id,
    transport: socket.conn.transport.name,
    metrics: ctx.metrics.snapshot(ctx.openConnections()),
    auth_provided: ctx.settings.token !== null,
    fanout: ctx.fanout(),
  }));

  const connection: Connection = { socket, feed, membership: new RoomMembership(), ctx };
  refuseUnknownEvents(socket, ctx);
  answer(socket, RtEvent.health, ctx, (payload) => {
    ctx.metrics.healthTotal += 1;
    return okAck({ metrics: ctx.metrics.snapshot(ctx.openConnections()), fanout: ctx.fanout(), echo: payload ?? null });
  });
  answer(socket, RtEvent.subscribe, ctx, (payload) => {
    const request = parseRoomsRequest(payload);
    checkRoomBudget(socket, request.rooms, ctx);
    if (request.after !== undefined) return joinWithReplay(connection, request.rooms, request.after);
    void socket.join(request.rooms);
    connection.membership.joined(request.rooms);
    return okAck({ rooms: request.rooms });
  });
  answer(socket, RtEvent.replay, ctx, (payload) => {
    const request = parseRoomsRequest(payload, { requireAfter: true });
    checkRoomBudget(socket, request.rooms, ctx);
    return joinWithReplay(connection, request.rooms, request.after ?? {});
  });
  answer(socket, RtEvent.unsubscribe, ctx, (payload) => {
    const { rooms } = parseRoomsRequest(payload);
    for (const room of rooms) void socket.leave(room);
    connection.membership.left(rooms);
    return okAck({ rooms });
  });
}
