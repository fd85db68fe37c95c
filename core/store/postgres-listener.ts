import pg from "pg";
import type { Logger } from "pino";

type Handler = (payload: string) => void;

interface Channel {
  readonly handlers: Set<Handler>;
  /** Resolves once LISTEN ran on the current connection. */
  ready: Promise<void>;
}

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/**
 * LISTEN needs a connection of its own that stays open (a pooled one would be handed to other work). This holds
 * that one client, fans notifications out to handlers, and reconnects (re-issuing LISTEN) when the connection drops.
 * Notifications sent while it was disconnected are lost, as with any LISTEN; durable consumers read the event log.
 */
export class PostgresListener {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly channels = new Map<string, Channel>();
  private reconnectDelayMs = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    private readonly mapConnectError: (err: unknown) => Error,
    private readonly logger?: Logger,
  ) {}

  /** Adds a handler; the first handler of a channel issues LISTEN. Returns an idempotent unsubscribe. */
  async listen(channel: string, handler: Handler): Promise<() => Promise<void>> {
    let entry = this.channels.get(channel);
    if (!entry) {
      const created: Channel = { handlers: new Set(), ready: Promise.resolve() };
      created.ready = this.issue(`LISTEN ${channel}`).catch((err: unknown) => {
        if (this.channels.get(channel) === created) this.channels.delete(channel);
        throw err;
      });
      this.channels.set(channel, created);
      entry = created;
    }
    entry.handlers.add(handler);
    try {
      await entry.ready;
    } catch (err) {
      entry.handlers.delete(handler);
      throw err;
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      await this.remove(channel, handler);
    };
  }

  private async remove(channel: string, handler: Handler): Promise<void> {
    const entry = this.channels.get(channel);
    if (!entry) return;
    entry.handlers.delete(handler);
    if (entry.handlers.size > 0) return;
    this.channels.delete(channel);
    if (this.client && !this.closed) await this.issue(`UNLISTEN ${channel}`).catch(() => undefined);
  }

  private async issue(sql: string): Promise<void> {
    const client = await this.ensureClient();
    await client.query(sql);
  }

  private ensureClient(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client(this.clientConfig);
    client.on("notification", (message) => this.dispatch(message.channel, message.payload ?? ""));
    client.on("error", (err) => this.lost(client, err));
    client.on("end", () => this.lost(client, new Error("connection ended")));
    try {
      await client.connect();
    } catch (err) {
      client.removeAllListeners("end");
      await client.end().catch(() => undefined);
      throw this.mapConnectError(err);
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      throw new Error("store closed while the LISTEN connection was opening");
    }
    this.client = client;
    this.reconnectDelayMs = RECONNECT_MIN_MS;
    return client;
  }

  private dispatch(channel: string, payload: string): void {
    for (const handler of this.channels.get(channel)?.handlers ?? []) {
      try {
        handler(payload);
      } catch (err) {
        this.logger?.error({ err, channel }, "LISTEN handler threw");
      }
    }
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.client !== client) return;
    this.client = null;
    if (this.closed) return;
    this.logger?.warn({ err }, "LISTEN connection lost; reconnecting");
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer || this.channels.size === 0) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.relisten();
    }, this.reconnectDelayMs);
    this.reconnectTimer.unref();
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, RECONNECT_MAX_MS);
  }

  private async relisten(): Promise<void> {
    try {
      const client = await this.ensureClient();
      for (const channel of this.channels.keys()) await client.query(`LISTEN ${channel}`);
      this.logger?.info({ channels: [...this.channels.keys()] }, "LISTEN connection restored");
    } catch (err) {
      this.logger?.warn({ err }, "LISTEN reconnect failed; will retry");
      this.scheduleReconnect();
    }
  }

  /** Ends the LISTEN connection; idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.channels.clear();
    const client = this.client ?? (await this.connecting?.catch(() => null)) ?? null;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
