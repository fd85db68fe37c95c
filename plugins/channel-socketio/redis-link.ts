import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "pino";
import { errorMessage } from "../../core/plugin-api/index.js";

/** How long to wait between reconnection attempts: quick at first, then every 2 s, never giving up. */
export function redisRetryDelayMs(attempt: number): number {
  return Math.min(100 * attempt, 2000);
}

/** Redis commands the Socket.IO adapter calls without handling their promise. */
const UNGUARDED_COMMANDS = ["publish", "subscribe", "psubscribe", "unsubscribe", "punsubscribe"] as const;

/**
 * Makes the named commands of a client never reject unhandled: the adapter fires them and forgets the promise, and
 * with Redis down an unhandled rejection would end the whole process.
 */
function guardCommands(client: Redis, onError: (err: unknown) => void): void {
  const target = client as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of UNGUARDED_COMMANDS) {
    const original = target[name]!.bind(client);
    target[name] = (...args: unknown[]) => {
      const result = original(...args);
      if (result instanceof Promise) result.catch(onError);
      return result;
    };
  }
}

/** Health of the Redis link as the health source shows it. */
export interface RedisLinkHealth {
  readonly ready: boolean;
  readonly publisher: string;
  readonly subscriber: string;
  /** When the current outage began (ISO), or null while connected. */
  readonly down_since: string | null;
  readonly outages: number;
  readonly last_error: string | null;
}

/**
 * The two ioredis clients of the Socket.IO Redis adapter (a publisher, and a subscriber in subscribe mode), with
 * reconnection forever, no unhandled rejections, and outage tracking. `onRecovered` runs each time both clients are
 * ready again and the subscriber's subscriptions are back.
 */
export class RedisLink {
  readonly pub: Redis;
  readonly sub: Redis;
  private downSince: Date | null = new Date();
  private outages = 0;
  private lastError: string | null = null;
  private confirming = false;
  private closed = false;
  private everReady = false;

  constructor(
    url: string,
    private readonly options: { readonly logger?: Logger; onRecovered(): void },
  ) {
    // Both connect at once; failures are retried in the background and never throw here.
    const common: RedisOptions = { retryStrategy: redisRetryDelayMs, connectTimeout: 5000 };
    // The publisher fails fast while disconnected (nothing piles up); the subscriber queues SUBSCRIBE until it connects.
    this.pub = new Redis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: "ark-rt-pub" });
    this.sub = new Redis(url, { ...common, maxRetriesPerRequest: null, connectionName: "ark-rt-sub" });
    for (const client of [this.pub, this.sub]) {
      guardCommands(client, (err) => this.noteError(err));
      client.on("error", (err: unknown) => this.noteError(err));
      client.on("ready", () => this.update());
      client.on("close", () => this.update());
    }
  }

  /** True when both clients are connected and the subscriptions are confirmed. */
  get ready(): boolean {
    return this.downSince === null;
  }

  health(): RedisLinkHealth {
    return {
      ready: this.ready,
      publisher: this.pub.status,
      subscriber: this.sub.status,
      down_since: this.downSince?.toISOString() ?? null,
      outages: this.outages,
      last_error: this.lastError,
    };
  }

  /** Disconnects both clients at once (queued commands are dropped; nothing waits for Redis). */
  close(): void {
    this.closed = true;
    this.pub.disconnect();
    this.sub.disconnect();
  }

  private bothReady(): boolean {
    return this.pub.status === "ready" && this.sub.status === "ready";
  }

  private update(): void {
    if (this.closed) return;
    if (!this.bothReady()) {
      if (this.downSince === null) {
        this.downSince = new Date();
        this.outages += 1;
        this.options.logger?.warn("Redis fan-out is down: events are still stored and replayable; clients of other kernels catch up when it returns");
      }
      return;
    }
    if (this.downSince !== null && !this.confirming) void this.confirmRecovery();
  }

  /**
   * ioredis re-subscribes right after "ready"; a PING sent after that answers only once the subscriptions are back,
   * so peers' messages are being received again when onRecovered runs.
   */
  private async confirmRecovery(): Promise<void> {
    this.confirming = true;
    try {
      await new Promise((resolve) => setImmediate(resolve));
      await this.sub.ping();
      if (this.closed || !this.bothReady() || this.downSince === null) return;
      const downFor = Date.now() - this.downSince.getTime();
      this.downSince = null;
      this.everReady = true;
      this.options.logger?.info({ down_ms: downFor }, "Redis fan-out is connected");
      this.options.onRecovered();
    } catch (err) {
      this.noteError(err);
    } finally {
      this.confirming = false;
      // A change of state while confirming (a new drop, or the other client becoming ready) is looked at again.
      if (!this.closed && (this.downSince !== null) === this.bothReady()) this.update();
    }
  }

  private noteError(err: unknown): void {
    const message = errorMessage(err);
    if (!this.everReady && this.lastError === null) {
      this.options.logger?.warn({ error: message }, "Redis (events.redis.url) is not reachable yet: retrying in the background; until then other kernels' clients see this kernel's events only through replay or the database");
    } else if (message !== this.lastError) {
      this.options.logger?.debug({ err }, "Redis client error");
    }
    this.lastError = message;
  }
}
