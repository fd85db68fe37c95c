// Test support for the channel-socketio tests: kernels with the plugin on loopback ports, Socket.IO clients that
// record what they receive, service probes (Redis, PostgreSQL) and a private redis-server child process.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import pg from "pg";
import { pino, type Logger } from "pino";
import { io, type Socket } from "socket.io-client";
import { apiServerRef, coreServices, type EventBus, type EventEnvelope } from "../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../core/testing/index.js";
import type { SocketIoPluginConfig } from "./config.js";
import socketIoPlugin from "./index.js";
import { RtEvent } from "./protocol.js";

/** True under CI=true: service-backed tests must run there, never skip. */
export const IN_CI = !!process.env.CI && !["false", "0"].includes(process.env.CI.toLowerCase());
/** PostgreSQL the cross-kernel tests use. */
export const TEST_POSTGRES_URL = process.env.ARK_TEST_DATABASE_URL?.trim() || "postgres://postgres@127.0.0.1:5432/test";
/** The machine's shared Redis (never stopped by tests). */
export const TEST_REDIS_URL = process.env.ARK_TEST_REDIS_URL?.trim() || "redis://127.0.0.1:6379";

const quiet: Logger = pino({ level: process.env.ARK_TEST_LOG_LEVEL ?? "silent" });

/** Resolves when `predicate` holds, polling; rejects with `what` after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Whether a Redis server answers PING at `url`. */
export async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Whether PostgreSQL accepts a connection at `url`. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why a service-backed block cannot run here, or null when it can; under CI a missing service is an error. */
export function serviceGate(needs: Record<string, boolean>): string | null {
  const missing = Object.entries(needs).filter(([, ok]) => !ok).map(([name]) => name);
  if (missing.length === 0) return null;
  const why = `${missing.join(" and ")} did not answer (${TEST_POSTGRES_URL}, ${TEST_REDIS_URL})`;
  if (IN_CI) throw new Error(`CI=true but ${why}: these tests must run in CI.`);
  return why;
}

/** A PostgreSQL URL whose connections start with `search_path` set to `schema` (as test/support/store-harness does). */
function urlWithSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  const existing = parsed.searchParams.get("options");
  parsed.searchParams.set("options", `${existing ? `${existing} ` : ""}-c search_path=${schema}`);
  return parsed.toString();
}

/** A fresh PostgreSQL schema; `url` pins connections to it, `drop()` removes it. */
export async function freshSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `ark_rt_${process.pid}_${Math.random().toString(16).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  return {
    url: urlWithSearchPath(TEST_POSTGRES_URL, schema),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

/** A kernel running the plugin, and where it listens. */
export interface RtKernel {
  readonly kernel: TestKernel;
  readonly baseUrl: string;
  /** The Socket.IO path clients pass. */
  readonly path: string;
  readonly bus: EventBus;
  stop(): Promise<void>;
}

/** Boots store + events + api + channel-socketio on a free loopback port. */
export async function startRtKernel(options: {
  store?: Record<string, unknown>;
  events?: Record<string, unknown>;
  api?: Record<string, unknown>;
  plugin?: SocketIoPluginConfig;
} = {}): Promise<RtKernel> {
  const kernel = await startTestKernel({
    // The module's default export for every kernel: one definition serves several kernels in a process.
    plugins: [socketIoPlugin],
    config: {
      kernel: { pluginTimeoutMs: 60_000 },
      api: { port: 0, ...options.api },
      ...(options.events ? { events: options.events } : {}),
      ...(options.store ? { store: options.store } : {}),
    },
    pluginConfig: { "channel-socketio": { ...options.plugin } },
    logger: quiet,
  });
  const address = kernel.get(apiServerRef).address();
  if (!address) throw new Error("the api module did not listen");
  return { kernel, baseUrl: address.url, path: options.plugin?.path ?? "/socket.io", bus: kernel.get(coreServices.events), stop: () => kernel.stop() };
}

/** The realtime section of a kernel's /api/health. */
export async function realtimeHealth(rt: RtKernel): Promise<any> {
  const body = (await (await fetch(`${rt.baseUrl}/api/health`)).json()) as { sources: Record<string, unknown> };
  return body.sources.realtime;
}

/** Emits `count` events of one run (stream `flowchart_run:<runId>`), one transaction each; returns their envelopes. */
export async function emitRunEvents(bus: EventBus, runId: string, count: number, extraRooms: readonly string[] = []): Promise<EventEnvelope[]> {
  const emitted: EventEnvelope[] = [];
  for (let i = 0; i < count; i += 1) {
    emitted.push(
      await bus.transaction((_tx, emit) =>
        emit({ eventType: "flowchart.run.updated", entityKind: "flowchart_run", entityId: runId, roomKeys: [`flowchart_run:${runId}`, ...extraRooms], payload: { i } }),
      ),
    );
  }
  return emitted;
}

/** A Socket.IO client of /rt that records every envelope it receives (events whose name has a colon). */
export class RtClient {
  readonly received: EventEnvelope[] = [];
  readonly notices: { event: string; payload: any }[] = [];
  connected: any = null;

  private constructor(readonly socket: Socket) {
    socket.onAny((event: string, payload: unknown) => {
      if (event.includes(":")) this.received.push(payload as EventEnvelope);
      else this.notices.push({ event, payload });
    });
  }

  /** Connects and waits for rt.connected; rejects with the connect_error (its `data` holds the code). */
  static connect(baseUrl: string, options: { token?: string; path?: string; namespace?: string; transports?: ("websocket" | "polling")[] } = {}): Promise<RtClient> {
    const socket = io(`${baseUrl}${options.namespace ?? "/rt"}`, {
      path: options.path ?? "/socket.io",
      transports: options.transports ?? ["websocket"],
      reconnection: false,
      forceNew: true,
      ...(options.token !== undefined ? { auth: { token: options.token } } : {}),
    });
    const client = new RtClient(socket);
    return new Promise((resolve, reject) => {
      socket.once(RtEvent.connected, (payload: unknown) => {
        client.connected = payload;
        resolve(client);
      });
      socket.once("connect_error", (err) => {
        socket.close();
        reject(err);
      });
    });
  }

  /** Sends a request and resolves with its ack. */
  request(event: string, payload?: unknown): Promise<any> {
    return payload === undefined ? this.socket.timeout(15_000).emitWithAck(event) : this.socket.timeout(15_000).emitWithAck(event, payload);
  }

  /** Sequences received in one stream, in arrival order. */
  sequences(stream: string): number[] {
    return this.received.filter((e) => e.sequence_stream === stream).map((e) => e.sequence);
  }

  /** The last sequence received per stream (what a reconnecting client sends as `after`). */
  cursors(): Record<string, number> {
    const cursors: Record<string, number> = {};
    for (const e of this.received) cursors[e.sequence_stream] = Math.max(cursors[e.sequence_stream] ?? 0, e.sequence);
    return cursors;
  }

  close(): void {
    this.socket.close();
  }
}

/** 1..n, for comparing received sequences. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** A private redis-server child process on its own port, for tests that stop and restart Redis. */
export class PrivateRedis {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** A port is picked now; the server is not started until start(). */
  static async onFreePort(): Promise<PrivateRedis> {
    return new PrivateRedis(await freePort());
  }

  /** Starts redis-server and waits until it answers. */
  async start(): Promise<void> {
    const child = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    this.child = child;
    await waitUntil(() => redisAnswers(this.url), `redis-server on port ${this.port} answers`);
  }

  /** SIGKILLs the server (no goodbye to its clients) and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
}
