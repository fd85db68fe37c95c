/**
 * Server-wide bounds of /rt: open connections in total and per remote address, engine.io sessions (joined /rt or not),
 * and rooms joined summed over every connection. Per-connection bounds (rooms, queued replays) live in rt-connection.ts;
 * without these, one client address could open 500 sockets × 1000 rooms (+150 MB) and a connection flood could
 * exhaust the kernel's memory and file descriptors.
 */
import { ArkError } from "../../core/plugin-api/index.js";

/** What a limit refusal names: which bound, and its value. */
export type LimitScope = "connections" | "connections_per_address" | "subscriptions_total" | "engine_sessions" | "engine_sessions_per_address";

/** engine.io sessions (connections that may not have joined /rt yet) are bounded at this multiple of the /rt limits. */
export const ENGINE_SESSION_FACTOR = 2;
/** How long an engine.io session may stay without joining /rt before Socket.IO closes it (its default is 45 s). */
export const CONNECT_TIMEOUT_MS = 10_000;

export interface RtLimitSettings {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  readonly maxSubscriptionsTotal: number;
}

/**
 * The address a connection is counted under: the TCP peer as engine.io saw it, IPv4-mapped IPv6 written as IPv4 (one
 * client reaching a dual-stack listener either way counts once). Proxy headers are not read: the api config has no
 * option that says a proxy is trusted, and a client could write any X-Forwarded-For.
 */
export function clientAddress(remoteAddress: string | undefined | null): string {
  const address = (remoteAddress ?? "").trim().toLowerCase();
  if (address === "") return "unknown";
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  return mapped ? mapped[1]! : address;
}

/** Counts per address plus their total. */
export class AddressCounts {
  private readonly perAddress = new Map<string, number>();
  private sum = 0;

  get total(): number {
    return this.sum;
  }

  get addresses(): number {
    return this.perAddress.size;
  }

  of(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  /** Counts one for `address`; returns the idempotent release. */
  add(address: string): () => void {
    this.perAddress.set(address, this.of(address) + 1);
    this.sum += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.of(address) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
      this.sum -= 1;
    };
  }
}

function limitReached(scope: LimitScope, limit: number, message: string): ArkError {
  return new ArkError("ARK_RT_LIMIT_REACHED", message, { details: { scope, limit } });
}

/** The counters and the checks against the configured limits. */
export class RtLimits {
  /** /rt connections admitted (from the admitting middleware until their socket disconnects or transport closes). */
  readonly connections = new AddressCounts();
  /** engine.io sessions, whether or not they joined /rt. */
  readonly sessions = new AddressCounts();
  /** Rooms joined, summed over this kernel's sockets (own socket-id rooms not counted). */
  private joined = 0;

  constructor(private readonly settings: RtLimitSettings) {}

  get subscriptions(): number {
    return this.joined;
  }

  /** Why one more /rt connection from `address` is refused, or null when it is admitted. */
  connectionRefusal(address: string): ArkError | null {
    const { maxConnections, maxConnectionsPerAddress } = this.settings;
    if (this.connections.total >= maxConnections) {
      return limitReached("connections", maxConnections, `This server has ${this.connections.total} open realtime connections, its limit (maxConnections); try again later.`);
    }
    if (this.connections.of(address) >= maxConnectionsPerAddress) {
      return limitReached("connections_per_address", maxConnectionsPerAddress, `Your address has ${this.connections.of(address)} open realtime connections, the limit per address (maxConnectionsPerAddress); close one first.`);
    }
    return null;
  }

  /** Why one more engine.io session from `address` is refused (a backstop for sessions that never join /rt), or null. */
  sessionRefusal(address: string): LimitScope | null {
    if (this.sessions.total >= this.settings.maxConnections * ENGINE_SESSION_FACTOR) return "engine_sessions";
    if (this.sessions.of(address) >= this.settings.maxConnectionsPerAddress * ENGINE_SESSION_FACTOR) return "engine_sessions_per_address";
    return null;
  }

  /** Throws ARK_RT_LIMIT_REACHED when `added` more subscriptions would go beyond maxSubscriptionsTotal. */
  checkSubscriptions(added: number): void {
    const limit = this.settings.maxSubscriptionsTotal;
    if (added > 0 && this.joined + added > limit) {
      throw new ArkError("ARK_RT_LIMIT_REACHED", `This server holds ${this.joined} room subscriptions over all connections, and ${added} more would exceed its limit (maxSubscriptionsTotal); unsubscribe rooms you no longer need, or try again later.`, {
        details: { scope: "subscriptions_total", limit, subscriptions: this.joined },
      });
    }
  }

  /** The adapter's join-room / leave-room for one socket and room. */
  roomJoined(): void {
    this.joined += 1;
  }

  roomLeft(): void {
    this.joined = Math.max(0, this.joined - 1);
  }

  /** Current counts and the limits, for /api/health. */
  snapshot(): Record<string, number> {
    return {
      connections: this.connections.total,
      addresses: this.connections.addresses,
      engine_sessions: this.sessions.total,
      subscriptions: this.joined,
      max_connections: this.settings.maxConnections,
      max_connections_per_address: this.settings.maxConnectionsPerAddress,
      max_subscriptions_total: this.settings.maxSubscriptionsTotal,
    };
  }
}
