import type { IncomingMessage, Server as HttpServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import type { Logger } from "pino";
import { Server, type Namespace, type ServerOptions, type Socket } from "socket.io";
import { errorMessage, type EventEnvelope, type HealthSourceResult } from "../../core/plugin-api/index.js";
import type { RtSettings } from "./config.js";
import { attachRestorably } from "./http-attachment.js";
import { LiveSequencer } from "./live-sequencer.js";
import { okAck, RT_NAMESPACE, RtEvent, RtMetrics } from "./protocol.js";
import { RedisLink } from "./redis-link.js";
import { readMissedEvents, type EventLogReader } from "./replay-reader.js";
import { rtConnectError, tokenMiddleware } from "./rt-auth.js";
import { handleConnection, type ConnectionContext } from "./rt-connection.js";
import { clientAddress, CONNECT_TIMEOUT_MS, RtLimits } from "./rt-limits.js";
import type { SocketFeed } from "./socket-feed.js";

/** The server-to-server event carrying one committed envelope from the kernel that committed it to its peers. */
export const PEER_EVENT = "ark:rt:event";

/** How the server is built. */
export interface RtServerOptions {
  readonly settings: RtSettings;
  /** The event log, for live delivery's own gap fills. */
  readonly reader: EventLogReader;
  /** The event log for reads clients ask for (replays, catch-up after an outage): limited, see read-limiter.ts. */
  readonly clientReader: EventLogReader;
  /** The API's http server, shared with fastify. */
  readonly httpServer: HttpServer;
  readonly logger?: Logger;
}

/** Minimal shape check of an envelope received from a peer over Redis. */
function isEnvelope(value: unknown): value is EventEnvelope {
  const e = value as Partial<EventEnvelope> | null;
  return typeof e === "object" && e !== null && typeof e.event_id === "string" && typeof e.event_type === "string" && typeof e.sequence_stream === "string" &&
    typeof e.sequence === "number" && Number.isSafeInteger(e.sequence) && e.sequence >= 1 && Array.isArray(e.room_keys) && e.room_keys.every((r) => typeof r === "string");
}

function corsOption(origins: readonly string[]): ServerOptions["cors"] | undefined {
  if (origins.length === 0) return undefined;
  return origins.includes("*") ? { origin: "*" } : { origin: [...origins] };
}

/**
 * Socket.IO on the API's http server: namespace /rt, token check, one feed per socket, and the live flow of committed
 * events into the sockets' rooms. With Redis, events this kernel commits also go to the peers through the Redis
 * adapter (a server-side emit each peer delivers to its own sockets), and a Redis outage is caught up afterwards.
 */
export class RtServer {
  readonly metrics = new RtMetrics();
  /** Server-wide bounds: connections in total and per address, engine.io sessions, subscriptions in total. */
  readonly limits: RtLimits;
  private readonly io: Server;
  private readonly nsp: Namespace;
  private readonly feeds = new Map<string, SocketFeed>();
  private readonly sequencer: LiveSequencer;
  private readonly redis: RedisLink | null;
  private readonly detach: () => void;
  /** Events committed here that could not go to the peers yet (Redis down); sent in order once it is back. */
  private readonly outbox: EventEnvelope[] = [];
  private outboxDropped = 0;
  private closing: Promise<void> | null = null;

  constructor(private readonly options: RtServerOptions) {
    const { settings, logger } = options;
    this.limits = new RtLimits(settings);
    this.redis = settings.redisUrl ? new RedisLink(settings.redisUrl, { logger, onRecovered: () => this.onRedisRecovered() }) : null;
    try {
      this.io = this.createIo();
      this.sequencer = new LiveSequencer({
        reader: options.reader,
        deliver: (event) => this.route(event),
        hasListeners: () => this.feeds.size > 0,
        onLostGap: (stream, after, until) => this.nsp.local.emit(RtEvent.resync, okAck({ reason: "gap_too_large", stream, after, until })),
        maxFill: settings.maxReplay,
        ...(logger ? { logger } : {}),
      });
      this.detach = attachRestorably(options.httpServer, (server) => this.io.attach(server));
      this.io.engine.on("connection", (raw: { remoteAddress?: string; once(event: "close", listener: () => void): unknown }) => {
        raw.once("close", this.limits.sessions.add(clientAddress(raw.remoteAddress)));
      });
    } catch (err) {
      this.redis?.close();
      throw err;
    }
    this.io.of("/").use((_socket, next) => next(rtConnectError("ARK_RT_REQUEST_INVALID", `Connect to the ${RT_NAMESPACE} namespace.`)));
    this.nsp = this.io.of(RT_NAMESPACE);
    this.nsp.use(tokenMiddleware(settings.token, this.metrics));
    // Last: nothing after it may refuse a socket it counted.
    this.nsp.use((socket, next) => this.admit(socket, next));
    this.nsp.adapter.on("join-room", (room: string, id: string) => room !== id && this.limits.roomJoined());
    this.nsp.adapter.on("leave-room", (room: string, id: string) => room !== id && this.limits.roomLeft());
    this.nsp.on("connection", (socket) => handleConnection(socket, this.connectionContext()));
    if (this.redis) this.nsp.on(PEER_EVENT, (payload: unknown) => this.acceptPeer(payload));
  }

  /** Which path events from other kernels take: Redis, the database (LISTEN/NOTIFY), or none (a single kernel). */
  get fanoutMode(): "redis" | "database" | "none" {
    if (this.redis) return "redis";
    return this.options.settings.busListens ? "database" : "none";
  }

  /** A committed event handed over by the bus: delivered here, and sent to the peers when Redis carries them. */
  publish(event: EventEnvelope): void {
    if (this.closing) return;
    this.sequencer.accept(event);
    if (!this.redis) return;
    if (this.outbox.length >= this.options.settings.maxBacklog) {
      this.outbox.shift();
      if (this.outboxDropped++ % 1000 === 0) this.options.logger?.warn({ dropped: this.outboxDropped }, "Redis has been down for long: the oldest unsent events are left to the peers' catch-up from the event log");
    }
    this.outbox.push(event);
    this.flushOutbox();
  }

  /** An event another kernel committed, heard by this kernel's bus through the database: a second path besides Redis. */
  acceptRemote(event: EventEnvelope): void {
    if (!this.closing) this.sequencer.accept(event);
  }

  /** The realtime section of /api/health: degraded while Redis is configured but unreachable. */
  health(): HealthSourceResult {
    const base = { fanout: this.fanoutMode, metrics: this.metrics.snapshot(this.nsp.sockets.size), limits: this.limits.snapshot() };
    if (!this.redis) return { status: "ok", ...base };
    const redis = { ...this.redis.health(), unsent_to_peers: this.outbox.length };
    if (redis.ready) return { status: "ok", ...base, redis };
    return {
      status: "degraded",
      detail: `Redis is unreachable (${redis.last_error ?? "connecting"}); events are still stored and replayable, and clients catch up when it returns.`,
      ...base,
      redis,
    };
  }

  /** Disconnects every client, closes the adapter and Redis, and hands the http server back; idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const socket of this.nsp.sockets.values()) socket.disconnect(true);
      for (const feed of this.feeds.values()) feed.close();
      this.feeds.clear();
      const adapters = [this.nsp.adapter, this.io.of("/").adapter];
      await Promise.allSettled(adapters.map(async (adapter) => adapter.close()));
      this.io.engine.close();
      this.detach();
      this.redis?.close();
    })();
    return this.closing;
  }

  private createIo(): Server {
    const { settings } = this.options;
    const cors = corsOption(settings.corsOrigins);
    return new Server({
      path: settings.path,
      pingInterval: settings.pingIntervalMs,
      pingTimeout: settings.pingTimeoutMs,
      serveClient: false,
      // Clients' messages are requests (the largest valid one is about 0.6 MB); a bigger one closes its connection.
      maxHttpBufferSize: settings.maxMessageBytes,
      // An engine.io session that has not joined /rt within this is closed (Socket.IO's default is 45 s).
      connectTimeout: CONNECT_TIMEOUT_MS,
      // A backstop for engine.io sessions that never join /rt (so never meet the /rt middleware's limits).
      allowRequest: (req, callback) => this.allowSession(req, callback),
      ...(cors ? { cors } : {}),
      ...(this.redis ? { adapter: createAdapter(this.redis.pub, this.redis.sub, { key: `${settings.redisKey}.socket.io` }) } : {}),
    });
  }

  /**
   * The /rt middleware admitting a connection within maxConnections and maxConnectionsPerAddress; a refusal is a
   * connect_error whose data carries ARK_RT_LIMIT_REACHED. An admitted connection is counted until its socket
   * disconnects or its transport closes, whichever comes first (an abrupt close included; the release is idempotent).
   */
  private admit(socket: Socket, next: (err?: Error) => void): void {
    if (socket.conn.readyState !== "open") {
      next(rtConnectError("ARK_RT_REQUEST_INVALID", "The connection closed while it was being set up."));
      return;
    }
    const address = clientAddress(socket.handshake.address);
    const refusal = this.limits.connectionRefusal(address);
    if (refusal) {
      this.metrics.refusedTotal += 1;
      this.metrics.limitedTotal += 1;
      this.options.logger?.debug({ address, ...refusal.details }, "refused a realtime connection: limit reached");
      next(rtConnectError(refusal.code, refusal.message, refusal.details));
      return;
    }
    const release = this.limits.connections.add(address);
    const conn = socket.conn;
    conn.once("close", release);
    // A client may leave /rt and join again on the same engine.io connection: drop the close listener with the socket.
    socket.once("disconnect", () => {
      conn.off("close", release);
      release();
    });
    next();
  }

  /** engine.io's allowRequest: refuses a new session beyond the engine-session backstop (HTTP 403 to the handshake). */
  private allowSession(req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void): void {
    const address = clientAddress(req.socket.remoteAddress);
    const scope = this.limits.sessionRefusal(address);
    if (scope === null) {
      callback(null, true);
      return;
    }
    this.metrics.limitedTotal += 1;
    this.options.logger?.debug({ address, scope }, "refused an engine.io session: limit reached");
    callback(`ARK_RT_LIMIT_REACHED: too many open sessions (${scope})`, false);
  }

  private connectionContext(): ConnectionContext {
    return {
      settings: this.options.settings,
      reader: this.options.clientReader,
      metrics: this.metrics,
      limits: this.limits,
      feeds: this.feeds,
      openConnections: () => this.nsp.sockets.size,
      fanout: () => ({ mode: this.fanoutMode, ...(this.redis ? { redis_ready: this.redis.ready } : {}) }),
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    };
  }

  /** Sends the outbox to the peers, oldest first, while Redis is up (publishes are queued in order on one connection). */
  private flushOutbox(): void {
    while (this.redis?.ready && this.outbox.length > 0) {
      const event = this.outbox.shift()!;
      try {
        this.nsp.serverSideEmit(PEER_EVENT, event);
      } catch (err) {
        this.options.logger?.warn({ err, event_id: event.event_id }, "could not send an event to the other kernels over Redis (they catch up from the event log)");
      }
    }
  }

  private onRedisRecovered(): void {
    this.flushOutbox();
    this.catchUpAll();
  }

  private acceptPeer(payload: unknown): void {
    if (isEnvelope(payload)) this.acceptRemote(payload);
    else this.options.logger?.warn("ignored a malformed event from another kernel over Redis");
  }

  /** Offers an event to each local socket in one of its rooms (to every socket when it has no rooms, as §13.3). */
  private route(event: EventEnvelope): void {
    if (event.room_keys.length === 0) {
      for (const feed of this.feeds.values()) feed.offer(event);
      return;
    }
    const targets = new Set<string>();
    for (const room of event.room_keys) for (const id of this.nsp.adapter.rooms.get(room) ?? []) targets.add(id);
    for (const id of targets) this.feeds.get(id)?.offer(event);
  }

  /**
   * After a Redis outage: each socket is sent what it missed in the streams it had been receiving, and told to replay
   * (`rt.resync`) for anything else, such as streams that began while Redis was down.
   */
  private catchUpAll(): void {
    for (const socket of this.nsp.sockets.values()) {
      const feed = this.feeds.get(socket.id);
      const rooms = [...socket.rooms].filter((room) => room !== socket.id);
      if (!feed || rooms.length === 0) continue;
      feed
        .run(async () => {
          const seen = feed.cursors();
          if (Object.keys(seen).length === 0) return;
          const missed = await readMissedEvents(this.options.clientReader, rooms, seen, this.options.settings.maxReplay);
          for (const event of missed) if (event.sequence_stream in seen) feed.sendIfNew(event);
        })
        .catch((err: unknown) => this.options.logger?.debug({ sid: socket.id, error: errorMessage(err) }, "realtime catch-up after the Redis outage was incomplete; the client was told to replay"))
        .finally(() => socket.emit(RtEvent.resync, okAck({ reason: "fanout_restored", rooms })));
    }
  }
}
