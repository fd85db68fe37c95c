// Server-wide bounds of /rt (connections in total and per remote address, subscriptions in total, engine.io sessions
// that never join /rt) against a real kernel and real Socket.IO clients over loopback. Small limits keep it fast.
import { Ajv } from "ajv";
import { pino } from "pino";
import { Manager } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { coreServices, isArkError } from "../../core/plugin-api/index.js";
import { socketIoConfigSchema } from "./config.js";
import { startTestKernel } from "../../core/testing/index.js";
import socketIoPlugin from "./index.js";
import { RtEvent } from "./protocol.js";
import { realtimeHealth, RtClient, startRtKernel, waitUntil, type RtKernel } from "./test-support.js";

type ConnectError = Error & { data?: { code: string; message: string; details?: Record<string, unknown> } };

const clients: RtClient[] = [];
async function connect(rt: RtKernel): Promise<RtClient> {
  const client = await RtClient.connect(rt.baseUrl, { path: rt.path });
  clients.push(client);
  return client;
}
async function refused(rt: RtKernel): Promise<ConnectError | null> {
  return RtClient.connect(rt.baseUrl, { path: rt.path }).then((client) => {
    clients.push(client);
    return null;
  }, (err: ConnectError) => err);
}
function closeAll(): void {
  for (const client of clients.splice(0)) client.close();
}
/** Waits until the server's health shows `connections` open /rt connections and `subscriptions` subscriptions. */
async function settled(rt: RtKernel, connections: number, subscriptions = 0): Promise<void> {
  await waitUntil(async () => {
    const { limits } = await realtimeHealth(rt);
    return limits.connections === connections && limits.subscriptions === subscriptions && limits.engine_sessions === connections;
  }, `the server counts ${connections} connections and ${subscriptions} subscriptions`);
}

describe("channel-socketio server-wide limits", () => {
  let perAddress: RtKernel;
  let total: RtKernel;
  beforeAll(async () => {
    [perAddress, total] = await Promise.all([
      startRtKernel({ plugin: { maxConnectionsPerAddress: 3, maxConnections: 100, maxSubscriptionsPerConnection: 3, maxSubscriptionsTotal: 5 } }),
      startRtKernel({ plugin: { maxConnections: 2, maxMessageBytes: 4096 } }),
    ]);
  });
  afterEach(closeAll);
  afterAll(async () => {
    closeAll();
    await Promise.all([perAddress?.stop(), total?.stop()]);
  });

  it("refuses a connection beyond maxConnectionsPerAddress with a connect_error carrying ARK_RT_LIMIT_REACHED; a closed one frees its place", async () => {
    const open = [await connect(perAddress), await connect(perAddress), await connect(perAddress)];
    const err = await refused(perAddress);
    expect(err?.data).toMatchObject({ code: "ARK_RT_LIMIT_REACHED", details: { scope: "connections_per_address", limit: 3 } });
    expect(err?.message).toMatch(/^ARK_RT_LIMIT_REACHED: /);
    expect((await realtimeHealth(perAddress)).limits).toMatchObject({ connections: 3, addresses: 1, max_connections_per_address: 3 });
    expect((await realtimeHealth(perAddress)).metrics.limited_total).toBeGreaterThanOrEqual(1);
    open[0]!.close();
    await settled(perAddress, 2);
    expect((await connect(perAddress)).connected).toMatchObject({ ok: true });
    expect((await refused(perAddress))?.data?.code).toBe("ARK_RT_LIMIT_REACHED");
    closeAll();
    await settled(perAddress, 0);
  });

  it("refuses a connection beyond maxConnections (long-polling ones count too); every place comes back once the clients are gone", async () => {
    await connect(total);
    clients.push(await RtClient.connect(total.baseUrl, { path: total.path, transports: ["polling"] }));
    const err = await refused(total);
    expect(err?.data).toMatchObject({ code: "ARK_RT_LIMIT_REACHED", details: { scope: "connections", limit: 2 } });
    closeAll();
    await settled(total, 0);
    await connect(total);
    await connect(total);
    expect((await refused(total))?.data?.code).toBe("ARK_RT_LIMIT_REACHED");
  });

  it("closes a connection whose message is larger than maxMessageBytes (engine.io maxHttpBufferSize), and frees its place", async () => {
    const client = await connect(total);
    expect(await client.request(RtEvent.health, { pad: "x".repeat(3000) })).toMatchObject({ ok: true });
    const gone = new Promise((resolve) => client.socket.once("disconnect", resolve));
    client.socket.emit(RtEvent.health, { pad: "x".repeat(5000) }, () => undefined);
    expect(await gone).toMatch(/transport (close|error)/);
    await settled(total, 0);
  });

  it("releases the places of clients that vanish without a goodbye (transport closed abruptly)", async () => {
    const open = [await connect(perAddress), await connect(perAddress), await connect(perAddress)];
    await open[0]!.request(RtEvent.subscribe, { rooms: ["task:a", "task:b"] });
    await settled(perAddress, 3, 2);
    for (const client of open) {
      // The engine.io transport's socket is destroyed: no Socket.IO disconnect packet, no websocket close frame.
      const ws = (client.socket.io.engine.transport as unknown as { ws: { _socket: { destroy(): void } } }).ws;
      ws._socket.destroy();
    }
    await settled(perAddress, 0, 0);
    for (let i = 0; i < 3; i += 1) await connect(perAddress);
    expect((await refused(perAddress))?.data?.code).toBe("ARK_RT_LIMIT_REACHED");
  });

  it("counts a client that leaves /rt and joins again on one engine.io connection once, without piling up listeners", async () => {
    const client = await connect(perAddress);
    const engine = client.socket.io.engine;
    const server = (perAddress.kernel.get(coreServices.registries).eventChannels.get("socketio") as unknown as { server: { io: { engine: { clients: Record<string, { listenerCount(e: string): number }> } } } }).server;
    const closeListeners = () => Object.values(server.io.engine.clients).map((raw) => raw.listenerCount("close"));
    const before = closeListeners();
    for (let i = 0; i < 5; i += 1) {
      engine.write("1/rt,"); // a raw Socket.IO DISCONNECT of /rt: the engine.io connection stays open
      await waitUntil(async () => (await realtimeHealth(perAddress)).limits.connections === 0, "the left connection is no longer counted");
      engine.write("0/rt,"); // and CONNECT again
      await waitUntil(async () => (await realtimeHealth(perAddress)).limits.connections === 1, "the joined connection is counted");
    }
    expect(closeListeners()).toEqual(before);
    closeAll();
    await settled(perAddress, 0);
  });

  it("refuses subscriptions beyond maxSubscriptionsTotal across connections with ARK_RT_LIMIT_REACHED; a connection's own limit still applies", async () => {
    const [a, b] = [await connect(perAddress), await connect(perAddress)];
    expect(await a.request(RtEvent.subscribe, { rooms: ["task:1", "task:2", "task:3"] })).toMatchObject({ ok: true });
    const own = await a.request(RtEvent.subscribe, { rooms: ["task:4"] });
    expect(own).toMatchObject({ ok: false, error: { code: "ARK_RT_REQUEST_INVALID", details: { field: "rooms", limit: 3, joined: 3 } } });
    expect(await b.request(RtEvent.subscribe, { rooms: ["task:1", "task:2"] })).toMatchObject({ ok: true });
    const over = await b.request(RtEvent.subscribe, { rooms: ["task:5"] });
    expect(over).toMatchObject({ ok: false, error: { code: "ARK_RT_LIMIT_REACHED", details: { scope: "subscriptions_total", limit: 5, subscriptions: 5 } } });
    const replay = await b.request(RtEvent.replay, { rooms: ["task:6"], after: {} });
    expect(replay).toMatchObject({ ok: false, error: { code: "ARK_RT_LIMIT_REACHED" } });
    // Rooms already joined cost nothing more.
    expect(await b.request(RtEvent.subscribe, { rooms: ["task:1"] })).toMatchObject({ ok: true });
    expect((await realtimeHealth(perAddress)).limits).toMatchObject({ subscriptions: 5, max_subscriptions_total: 5 });
    expect(await a.request(RtEvent.unsubscribe, { rooms: ["task:1"] })).toMatchObject({ ok: true });
    expect(await b.request(RtEvent.subscribe, { rooms: ["task:5"] })).toMatchObject({ ok: true });
    b.close();
    await settled(perAddress, 1, 2);
    const c = await connect(perAddress);
    expect(await c.request(RtEvent.subscribe, { rooms: ["task:7", "task:8", "task:9"] })).toMatchObject({ ok: true });
    closeAll();
    await settled(perAddress, 0, 0);
  });

  it("bounds engine.io sessions that never join /rt (twice the per-address limit), refusing the handshake", async () => {
    const managers: Manager[] = [];
    const open = (): Promise<Error | null> => {
      const manager = new Manager(perAddress.baseUrl, { path: perAddress.path, transports: ["websocket"], reconnection: false, autoConnect: false, forceNew: true } as never);
      managers.push(manager);
      return new Promise((resolve) => manager.open((err) => resolve(err ?? null)));
    };
    try {
      for (let i = 0; i < 6; i += 1) expect(await open()).toBeNull();
      expect(await open()).toBeInstanceOf(Error);
      expect((await realtimeHealth(perAddress)).limits.engine_sessions).toBe(6);
    } finally {
      for (const manager of managers) (manager as unknown as { engine?: { close(): void } }).engine?.close();
    }
    await settled(perAddress, 0);
  });
});

describe("channel-socketio limit config", () => {
  it("accepts positive integers and rejects zero, negatives, fractions and strings", () => {
    const validate = new Ajv({ useDefaults: true, strict: false }).compile(socketIoConfigSchema);
    const defaults: Record<string, unknown> = {};
    expect(validate(defaults)).toBe(true);
    expect(defaults).toMatchObject({ maxConnections: 10000, maxConnectionsPerAddress: 200, maxSubscriptionsPerConnection: 1000, maxSubscriptionsTotal: 100000, maxMessageBytes: 1048576 });
    for (const key of ["maxConnections", "maxConnectionsPerAddress", "maxSubscriptionsPerConnection", "maxSubscriptionsTotal", "maxMessageBytes"]) {
      for (const bad of [0, -1, 1.5, "10"]) expect(validate({ [key]: bad }), `${key}: ${JSON.stringify(bad)}`).toBe(false);
      expect(validate({ [key]: 2048 }), `${key}: 2048`).toBe(true);
    }
  });

  it("refuses to boot with a bad limit, naming the key", async () => {
    const err = await startTestKernel({
      plugins: [socketIoPlugin],
      config: { api: { port: 0 } },
      pluginConfig: { "channel-socketio": { maxConnectionsPerAddress: 0 } },
      logger: pino({ level: "silent" }),
    }).then(async (kernel) => {
      await kernel.stop();
      return null;
    }, (e: unknown) => e);
    expect(isArkError(err) && err.code).toBe("ARK_CONFIG_INVALID");
    expect((err as { details: { issues: unknown[] } }).details.issues).toEqual([
      expect.objectContaining({ code: "ARK_CONFIG_INVALID", path: "plugins[0].config.maxConnectionsPerAddress", message: "must be >= 1" }),
    ]);
  });
});
