import type { JSONSchema } from "../../core/plugin-api/index.js";
import { MAX_ROOMS_PER_SOCKET } from "./protocol.js";

/** The plugin's own `config:` section as written (defaults applied by the kernel's validator). */
export interface SocketIoPluginConfig {
  readonly path?: string;
  readonly pingIntervalMs?: number;
  readonly pingTimeoutMs?: number;
  readonly maxReplay?: number;
  readonly maxBacklog?: number;
  readonly readConcurrency?: number;
  readonly redisKey?: string;
  readonly cors?: { readonly origins?: readonly string[] };
  readonly maxConnections?: number;
  readonly maxConnectionsPerAddress?: number;
  readonly maxSubscriptionsPerConnection?: number;
  readonly maxSubscriptionsTotal?: number;
  readonly maxMessageBytes?: number;
}

/** Everything the channel runs with: its own section plus what it reads from the `api:` and `events:` sections. */
export interface RtSettings {
  readonly path: string;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  readonly maxReplay: number;
  readonly maxBacklog: number;
  /** Event log reads for clients (replays, GET /api/events) running at once; more wait their turn. */
  readonly readConcurrency: number;
  readonly redisKey: string;
  /** Open /rt connections this kernel accepts in total; one more is refused at connect (ARK_RT_LIMIT_REACHED). */
  readonly maxConnections: number;
  /** Open /rt connections this kernel accepts from one remote address (the TCP peer; no proxy headers are trusted). */
  readonly maxConnectionsPerAddress: number;
  /** Rooms one connection may be in (ARK_RT_REQUEST_INVALID beyond it). */
  readonly maxSubscriptionsPerConnection: number;
  /** Rooms joined, summed over every connection of this kernel (ARK_RT_LIMIT_REACHED beyond it). */
  readonly maxSubscriptionsTotal: number;
  /** Largest message a client may send (engine.io maxHttpBufferSize); a larger one closes that connection. */
  readonly maxMessageBytes: number;
  /** Browser origins allowed to connect; empty = no CORS headers; `*` = any origin. */
  readonly corsOrigins: readonly string[];
  /** The api token sockets must present, or null when the API is open. */
  readonly token: string | null;
  /** `events.redis.url`, or null: events then reach other kernels' clients through the database. */
  readonly redisUrl: string | null;
  /** `events.listen`: whether this kernel's bus hears events other kernels commit. */
  readonly busListens: boolean;
}

/** Defaults of the server-wide limits: a single node's worth. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 200;
export const DEFAULT_MAX_SUBSCRIPTIONS_TOTAL = 100_000;
/** engine.io's maxHttpBufferSize: 1 MiB, as events.maxEnvelopeBytes' default. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

const ORIGIN_PATTERN = "^(\\*|https?://(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?/?)$";

/** Schema of the plugin's `config:` section. */
export const socketIoConfigSchema: JSONSchema = Object.freeze({
  type: "object",
  description: "Socket.IO namespace /rt on the API server: rooms, acks, replay, Redis fan-out when events.redis.url is set.",
  properties: {
    path: { type: "string", pattern: "^/[A-Za-z0-9._~/-]*$", default: "/socket.io", description: "HTTP path Socket.IO answers on (clients pass the same `path`)." },
    pingIntervalMs: { type: "integer", minimum: 1000, maximum: 600000, default: 25000, description: "How often the server pings each client." },
    pingTimeoutMs: { type: "integer", minimum: 1000, maximum: 600000, default: 20000, description: "How long a client may take to answer a ping before it counts as gone." },
    maxReplay: { type: "integer", minimum: 1, maximum: 10000, default: 1000, description: "Most missed events one rt.subscribe/rt.replay sends per room (more: ARK_RT_REPLAY_TOO_LARGE, page with GET /api/events)." },
    maxBacklog: { type: "integer", minimum: 100, maximum: 1000000, default: 10000, description: "Events queued for one client (while its replay runs) before it is disconnected as too slow." },
    readConcurrency: { type: "integer", minimum: 1, maximum: 64, default: 4, description: "Event log reads for clients (rt.replay, rt.subscribe with after, GET /api/events) running at once; others wait their turn (up to 1000, then ARK_RT_BUSY)." },
    maxConnections: {
      type: "integer", minimum: 1, maximum: 1000000, default: DEFAULT_MAX_CONNECTIONS,
      description: "Open /rt connections this kernel accepts in total (sized for one node); one more is refused at connect with a connect_error whose data.code is ARK_RT_LIMIT_REACHED. engine.io sessions that have not joined /rt yet are bounded at twice this and closed after 10 s.",
    },
    maxConnectionsPerAddress: {
      type: "integer", minimum: 1, maximum: 1000000, default: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
      description: "Open /rt connections this kernel accepts from one remote address (the TCP peer: X-Forwarded-For is not trusted, so behind a reverse proxy every client shares the proxy's address; raise this up to maxConnections there). One more: ARK_RT_LIMIT_REACHED at connect.",
    },
    maxSubscriptionsPerConnection: {
      type: "integer", minimum: 1, maximum: 100000, default: MAX_ROOMS_PER_SOCKET,
      description: "Rooms one connection may be in; a request that would go beyond is refused with ARK_RT_REQUEST_INVALID and joins nothing.",
    },
    maxSubscriptionsTotal: {
      type: "integer", minimum: 1, maximum: 100000000, default: DEFAULT_MAX_SUBSCRIPTIONS_TOTAL,
      description: "Rooms joined, summed over every /rt connection of this kernel; an rt.subscribe/rt.replay that would go beyond is refused with ARK_RT_LIMIT_REACHED and joins nothing.",
    },
    maxMessageBytes: {
      type: "integer", minimum: 1024, maximum: 67108864, default: DEFAULT_MAX_MESSAGE_BYTES,
      description: "Largest message a client may send (engine.io maxHttpBufferSize, the same default as events.maxEnvelopeBytes); a larger one closes that client's connection. The largest valid request (100 rooms, 1000 cursors) is about 0.6 MB.",
    },
    redisKey: { type: "string", pattern: "^[A-Za-z0-9._:-]{1,64}$", default: "ark", description: "Prefix of the Redis channels; kernels of one deployment share it, separate deployments on one Redis must not." },
    cors: {
      type: "object",
      description: "Browser origins allowed to connect; defaults to api.cors.origins.",
      properties: { origins: { type: "array", uniqueItems: true, items: { type: "string", pattern: ORIGIN_PATTERN } } },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
});

function section(config: Readonly<Record<string, unknown>>, key: string): Record<string, unknown> {
  const value = config[key];
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value : null;
}

/** Combines the plugin's section with the kernel's whole config (api token and CORS, events.redis.url, events.listen). */
export function resolveRtSettings(own: SocketIoPluginConfig, kernelConfig: Readonly<Record<string, unknown>>): RtSettings {
  const api = section(kernelConfig, "api");
  const events = section(kernelConfig, "events");
  const apiOrigins = section(api, "cors").origins;
  const origins = own.cors?.origins ?? (Array.isArray(apiOrigins) ? (apiOrigins as unknown[]).filter((o): o is string => typeof o === "string") : []);
  return {
    path: own.path ?? "/socket.io",
    pingIntervalMs: own.pingIntervalMs ?? 25_000,
    pingTimeoutMs: own.pingTimeoutMs ?? 20_000,
    maxReplay: own.maxReplay ?? 1000,
    maxBacklog: own.maxBacklog ?? 10_000,
    readConcurrency: own.readConcurrency ?? 4,
    redisKey: own.redisKey ?? "ark",
    maxConnections: own.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxConnectionsPerAddress: own.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
    maxSubscriptionsPerConnection: own.maxSubscriptionsPerConnection ?? MAX_ROOMS_PER_SOCKET,
    maxSubscriptionsTotal: own.maxSubscriptionsTotal ?? DEFAULT_MAX_SUBSCRIPTIONS_TOTAL,
    maxMessageBytes: own.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    corsOrigins: origins.map((o) => o.trim().replace(/\/+$/, "")),
    token: text(api.token),
    redisUrl: text(section(events, "redis").url),
    busListens: events.listen !== false,
  };
}
