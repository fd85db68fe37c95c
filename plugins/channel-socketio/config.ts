import type { JSONSchema } from "../../core/plugin-api/index.js";

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
  /** Browser origins allowed to connect; empty = no CORS headers; `*` = any origin. */
  readonly corsOrigins: readonly string[];
  /** The api token sockets must present, or null when the API is open. */
  readonly token: string | null;
  /** `events.redis.url`, or null: events then reach other kernels' clients through the database. */
  readonly redisUrl: string | null;
  /** `events.listen`: whether this kernel's bus hears events other kernels commit. */
  readonly busListens: boolean;
}

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
    corsOrigins: origins.map((o) => o.trim().replace(/\/+$/, "")),
    token: text(api.token),
    redisUrl: text(section(events, "redis").url),
    busListens: events.listen !== false,
  };
}
