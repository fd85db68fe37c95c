// The /rt protocol against a real kernel (embedded PGlite) and real Socket.IO clients over loopback.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RtEvent } from "./protocol.js";
import { emitRunEvents, range, RtClient, startRtKernel, waitUntil, type RtKernel } from "./test-support.js";

const clients: RtClient[] = [];
async function connect(rt: RtKernel, options: Parameters<typeof RtClient.connect>[1] = {}): Promise<RtClient> {
  const client = await RtClient.connect(rt.baseUrl, { path: rt.path, ...options });
  clients.push(client);
  return client;
}

function run(): string {
  return randomUUID().slice(0, 8);
}

/** Emits one event into `room` and waits until `client` has it: everything emitted before it was delivered by then. */
async function barrier(rt: RtKernel, client: RtClient, room: string): Promise<void> {
  const [marker] = await emitRunEvents(rt.bus, `barrier-${run()}`, 1, [room]);
  await waitUntil(() => client.received.some((e) => e.event_id === marker!.event_id), "the barrier event arrives");
}

describe("channel-socketio on one kernel", () => {
  let rt: RtKernel;
  beforeAll(async () => {
    rt = await startRtKernel();
  });
  afterAll(async () => {
    for (const client of clients.splice(0)) client.close();
    await rt?.stop();
  });

  it("greets a connection with rt.connected: contract version, server time, sid, metrics, fan-out", async () => {
    const client = await connect(rt);
    expect(client.connected).toMatchObject({
      ok: true, namespace: "/rt", contract_version: "v1", sid: client.socket.id, transport: "websocket", auth_provided: false,
      fanout: { mode: "database" }, metrics: expect.objectContaining({ open_connections: expect.any(Number), connect_total: expect.any(Number) }),
    });
    expect(Number.isNaN(Date.parse(client.connected.server_time))).toBe(false);
  });

  it("acks rt.health, echoing the payload", async () => {
    const client = await connect(rt);
    expect(await client.request(RtEvent.health, { ping: 1 })).toMatchObject({ ok: true, namespace: "/rt", echo: { ping: 1 }, metrics: expect.any(Object) });
    expect(await client.request(RtEvent.health)).toMatchObject({ ok: true, echo: null });
  });

  it("acks subscribe and unsubscribe; a bad room or a malformed request gets an error ack, joins nothing, and the socket lives on", async () => {
    const id = run();
    const client = await connect(rt);
    expect(await client.request(RtEvent.subscribe, { rooms: [`flowchart_run:${id}`, ` task:${id} `] })).toMatchObject({ ok: true, rooms: [`flowchart_run:${id}`, `task:${id}`] });
    const bad = await client.request(RtEvent.subscribe, { rooms: [`run:${id}`, "evil:1", "flowchart:"] });
    expect(bad).toMatchObject({ ok: false, namespace: "/rt", error: { code: "ARK_RT_ROOM_INVALID", details: { rejected: [{ room: "evil:1" }, { room: "flowchart:" }] } } });
    for (const payload of ["flowchart:1", [], { rooms: 3 }, {}]) {
      expect(await client.request(RtEvent.subscribe, payload)).toMatchObject({ ok: false, error: { code: "ARK_RT_REQUEST_INVALID" } });
    }
    expect(await client.request(RtEvent.subscribe, { room: `run:${id}`, after: { x: -1 } })).toMatchObject({ ok: false, error: { code: "ARK_RT_REQUEST_INVALID" } });
    client.socket.emit(RtEvent.subscribe, { rooms: ["nope:1"] }); // no ack callback: ignored quietly
    // run:<id> was in the refused request: an event there must not arrive, while the subscribed room's events do.
    await emitRunEvents(rt.bus, `other-${id}`, 1, [`run:${id}`]);
    await barrier(rt, client, `task:${id}`);
    expect(client.received.filter((e) => e.room_keys.includes(`run:${id}`) && !e.room_keys.includes(`task:${id}`))).toEqual([]);
    expect(await client.request(RtEvent.unsubscribe, { rooms: [`task:${id}`] })).toMatchObject({ ok: true, rooms: [`task:${id}`] });
    expect(await client.request(RtEvent.unsubscribe, { rooms: ["bad"] })).toMatchObject({ ok: false, error: { code: "ARK_RT_ROOM_INVALID" } });
    expect(client.socket.connected).toBe(true);
  });

  it("delivers a committed event to the subscribers of its rooms only: event name = event_type, payload = the envelope", async () => {
    const [a, b] = [run(), run()];
    const inA = await connect(rt);
    const inB = await connect(rt);
    const inNone = await connect(rt);
    await inA.request(RtEvent.subscribe, { rooms: [`flowchart_run:${a}`] });
    await inB.request(RtEvent.subscribe, { rooms: [`flowchart_run:${b}`] });
    await inNone.request(RtEvent.subscribe, { rooms: [`task:${a}`] });
    const sentA = await emitRunEvents(rt.bus, a, 3);
    const sentB = await emitRunEvents(rt.bus, b, 2);
    await waitUntil(() => inA.received.length === 3 && inB.received.length === 2, "both rooms got their events");
    expect(inA.received).toEqual(sentA);
    expect(inB.received).toEqual(sentB);
    let eventName = "";
    inA.socket.onAny((name: string) => (eventName ||= name));
    await emitRunEvents(rt.bus, a, 1);
    await waitUntil(() => eventName !== "", "one more event");
    expect(eventName).toBe("flowchart:run:updated");
    await barrier(rt, inNone, `task:${a}`);
    expect(inNone.received.filter((e) => e.sequence_stream !== inNone.received.at(-1)?.sequence_stream)).toEqual([]);
    await inA.request(RtEvent.unsubscribe, { room: `flowchart_run:${a}` });
    await emitRunEvents(rt.bus, a, 1);
    await barrier(rt, inNone, `task:${a}`);
    expect(inA.sequences(`flowchart_run:${a}`)).toEqual([1, 2, 3, 4]);
  });

  it("replays exactly the missed events after a disconnect, in order and without duplicates, while events keep coming", async () => {
    const id = run();
    const stream = `flowchart_run:${id}`;
    const total = 80;
    const first = await connect(rt);
    await first.request(RtEvent.subscribe, { rooms: [stream] });
    let emitted = 0;
    const emitter = (async () => {
      for (; emitted < total; ) {
        await emitRunEvents(rt.bus, id, 1);
        emitted += 1;
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
    })();
    await waitUntil(() => first.received.length >= 10, "the first connection has some events");
    first.close();
    const seenBefore = first.sequences(stream);
    await waitUntil(() => emitted >= seenBefore.length + 15, "events were missed while disconnected");
    const second = await connect(rt);
    const ack = await second.request(RtEvent.subscribe, { rooms: [stream], after: first.cursors() });
    expect(ack).toMatchObject({ ok: true, rooms: [stream], replay: { count: expect.any(Number) } });
    expect(ack.replay.count).toBeGreaterThanOrEqual(15);
    await emitter;
    await waitUntil(() => second.sequences(stream).at(-1) === total, "the second connection has the last event");
    expect(second.sequences(stream)).toEqual(range(seenBefore.at(-1)! + 1, total));
    expect([...seenBefore, ...second.sequences(stream)]).toEqual(range(1, total));
  });

  it("rt.replay joins the rooms and replays what a reconnecting client missed; an event in two rooms comes once", async () => {
    const id = run();
    const sent = await emitRunEvents(rt.bus, id, 5, [`flowchart:${id}`]);
    const client = await connect(rt);
    const ack = await client.request(RtEvent.replay, { rooms: [`flowchart_run:${id}`, `flowchart:${id}`], after: { [`flowchart_run:${id}`]: 2 } });
    expect(ack).toMatchObject({ ok: true, replay: { count: 3, last: { [`flowchart_run:${id}`]: 5 } } });
    expect(client.received).toEqual(sent.slice(2));
    await emitRunEvents(rt.bus, id, 1, [`flowchart:${id}`]);
    await waitUntil(() => client.received.length === 4, "the live event after the replay");
    expect(client.sequences(`flowchart_run:${id}`)).toEqual([3, 4, 5, 6]);
    expect(await client.request(RtEvent.replay, { rooms: [`flowchart_run:${id}`] })).toMatchObject({ ok: false, error: { code: "ARK_RT_REQUEST_INVALID" } });
  });

  it("serves the room's events over HTTP (GET /api/events), paged, with clear errors for bad queries", async () => {
    const id = run();
    await emitRunEvents(rt.bus, id, 6);
    const get = async (query: string) => {
      const response = await fetch(`${rt.baseUrl}/api/events?${query}`);
      return { status: response.status, body: (await response.json()) as any };
    };
    const page = await get(`room=flowchart_run:${id}&after_stream=flowchart_run:${id}&after=2&limit=3`);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ ok: true, room: `flowchart_run:${id}`, count: 3, has_more: true, next: { after_stream: `flowchart_run:${id}`, after: 5 } });
    expect(page.body.events.map((e: { sequence: number }) => e.sequence)).toEqual([3, 4, 5]);
    const all = await get(`room=flowchart_run:${id}&after_sequences=${encodeURIComponent(JSON.stringify({ [`flowchart_run:${id}`]: 4 }))}`);
    expect(all.body).toMatchObject({ count: 2, has_more: false, next: { after_sequences: JSON.stringify({ [`flowchart_run:${id}`]: 6 }) } });
    expect((await get("room=nope:1")).body).toMatchObject({ ok: false, error: { code: "ARK_RT_ROOM_INVALID" } });
    expect((await get(`room=flowchart_run:${id}&after=2`)).body).toMatchObject({ ok: false, error: { code: "ARK_RT_REQUEST_INVALID" } });
    expect((await get(`room=flowchart_run:${id}&after_sequences=%7Bbroken`)).body).toMatchObject({ ok: false, error: { code: "ARK_RT_REQUEST_INVALID" } });
    expect((await get(`room=flowchart_run:${id}&after_stream=flowchart_run:${id}%01`)).body).toMatchObject({ ok: false, error: { code: "ARK_RT_REQUEST_INVALID", details: { field: "after_stream" } } });
    for (const loose of ["%20", "0x10"]) {
      const res = await get(`room=flowchart_run:${id}&after_stream=flowchart_run:${id}&after=${loose}`);
      expect([res.status, res.body.error.details.issues]).toEqual([400, [expect.objectContaining({ path: "querystring.after", message: "must be a decimal number" })]]);
    }
    // A cursor map nested 6,000 deep (12 KB) used to make a 500: its error message quoted the value with JSON.stringify.
    const deepCursor = await get(`room=flowchart_run:${id}&after_sequences=${encodeURIComponent('{"s":')}${"[".repeat(6000)}${"]".repeat(6000)}%7D`);
    expect([deepCursor.status, deepCursor.body.error.code]).toEqual([400, "ARK_RT_REQUEST_INVALID"]);
    const missing = await get("limit=5");
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("invalid_request");
  });

  it("refuses a request nested 50,000 deep with an error ack (echoing it used to overflow the stack and end the server)", async () => {
    const client = await connect(rt);
    const engine = client.socket.io.engine;
    const answers: string[] = [];
    engine.on("message", (data) => answers.push(String(data)));
    // Written as a raw Socket.IO packet (2 = event, ack id 777; engine.io adds its message type): the client's own
    // encoder would overflow first.
    for (const event of [RtEvent.health, RtEvent.subscribe]) {
      answers.length = 0;
      engine.write(`2/rt,777${JSON.stringify([event]).slice(0, -1)},${"[".repeat(50_000)}"x"${"]".repeat(50_000)}]`);
      await waitUntil(() => answers.some((a) => a.startsWith("3/rt,777")), `the ${event} ack`);
      const ack = JSON.parse(answers.find((a) => a.startsWith("3/rt,777"))!.slice("3/rt,777".length))[0];
      expect(ack).toMatchObject({ ok: false, error: { code: "ARK_RT_REQUEST_INVALID", message: "The request nests arrays and objects more than 256 levels deep." } });
    }
    expect(await client.request(RtEvent.health, { still: "alive" })).toMatchObject({ ok: true, echo: { still: "alive" } });
  });

  it("answers an event the protocol does not have with ARK_RT_EVENT_UNKNOWN, when the client waits for an answer", async () => {
    const client = await connect(rt);
    expect(await client.request("rt.subscrib", { rooms: ["task:1"] })).toMatchObject({
      ok: false, error: { code: "ARK_RT_EVENT_UNKNOWN", message: 'The server does not answer "rt.subscrib".', details: { events: [RtEvent.health, RtEvent.subscribe, RtEvent.unsubscribe, RtEvent.replay] } },
    });
    client.socket.emit("no.ack.wanted", 1);
    expect(await client.request(RtEvent.health)).toMatchObject({ ok: true });
  });

  it("reports itself in /api/health and refuses connections outside /rt", async () => {
    const health = (await (await fetch(`${rt.baseUrl}/api/health`)).json()) as any;
    expect(health.sources.realtime).toMatchObject({ status: "ok", fanout: "database", metrics: expect.any(Object) });
    const docs = (await (await fetch(`${rt.baseUrl}/api/docs`)).json()) as { paths: Record<string, unknown> };
    expect(docs.paths["/api/events"]).toHaveProperty("get");
    const err = await RtClient.connect(rt.baseUrl, { namespace: "/" }).then(() => null, (e: { data?: { code: string } }) => e);
    expect(err?.data?.code).toBe("ARK_RT_REQUEST_INVALID");
  });
});

describe("channel-socketio with an api token and a small replay limit", () => {
  const token = "t0ken-for-the-realtime-tests";
  let rt: RtKernel;
  beforeAll(async () => {
    rt = await startRtKernel({ api: { token, cors: { origins: ["https://ui.example.com"] } }, plugin: { maxReplay: 5, path: "/rt-io" } });
  });
  afterAll(async () => {
    for (const client of clients.splice(0)) client.close();
    await rt?.stop();
  });

  it("refuses a handshake without the token or with a wrong one, naming the code; lets the right token in", async () => {
    for (const attempt of [{}, { token: "wrong-token-wrong-token" }]) {
      const err = await RtClient.connect(rt.baseUrl, { ...attempt, path: rt.path }).then(() => null, (e: { message: string; data?: { code: string } }) => e);
      expect(err?.data?.code).toBe("ARK_RT_UNAUTHORIZED");
      expect(err?.message).toMatch(/^ARK_RT_UNAUTHORIZED: /);
    }
    const client = await connect(rt, { token });
    expect(client.connected).toMatchObject({ ok: true, auth_provided: true });
    const polling = await connect(rt, { token, transports: ["polling"] });
    expect(polling.connected).toMatchObject({ ok: true, transport: "polling" });
    expect((await fetch(`${rt.baseUrl}/api/events?room=task:1`)).status).toBe(401);
    expect((await fetch(`${rt.baseUrl}/api/events?room=task:1`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it("refuses a replay larger than maxReplay without joining; the client pages over HTTP and replays the rest", async () => {
    const id = run();
    const stream = `flowchart_run:${id}`;
    await emitRunEvents(rt.bus, id, 8);
    const client = await connect(rt, { token });
    const refused = await client.request(RtEvent.subscribe, { rooms: [stream], after: {} });
    expect(refused).toMatchObject({ ok: false, error: { code: "ARK_RT_REPLAY_TOO_LARGE", details: { room: stream, limit: 5 } } });
    await client.request(RtEvent.subscribe, { rooms: [`task:${id}`] });
    await emitRunEvents(rt.bus, id, 1, [`task:${id}`]);
    await waitUntil(() => client.received.length === 1, "the event of the joined room");
    expect(client.received[0]!.room_keys).toContain(`task:${id}`);
    const page = (await (await fetch(`${rt.baseUrl}/api/events?room=${stream}&after_stream=${stream}&limit=5`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;
    expect(page.events.map((e: { sequence: number }) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
    const ack = await client.request(RtEvent.replay, { rooms: [stream], after: { [stream]: page.next.after } });
    expect(ack).toMatchObject({ ok: true, replay: { count: 3 } });
    // 9 came live through task:<id> first; the replay sends the older 6..8 it asked for, and 9 not again.
    expect(client.sequences(stream)).toEqual([9, 6, 7, 8]);
  });

  it("a replay that fails does not undo a subscription another request confirmed meanwhile", async () => {
    const [big, id] = [run(), run()];
    await emitRunEvents(rt.bus, big, 8);
    const client = await connect(rt, { token });
    const room = `task:${id}`;
    const [failed, joined] = await Promise.all([
      client.request(RtEvent.subscribe, { rooms: [room, `flowchart_run:${big}`], after: {} }),
      client.request(RtEvent.subscribe, { rooms: [room] }),
    ]);
    expect([failed.error?.code, joined.ok]).toEqual(["ARK_RT_REPLAY_TOO_LARGE", true]);
    await emitRunEvents(rt.bus, id, 1, [room]);
    await waitUntil(() => client.received.some((e) => e.room_keys.includes(room)), "the event of the confirmed room");
  });

  it("refuses replays beyond 4 waiting on one connection with ARK_RT_BUSY; the others are answered", async () => {
    const id = run();
    await emitRunEvents(rt.bus, id, 3);
    const client = await connect(rt, { token });
    const answers = await Promise.all(Array.from({ length: 20 }, () => client.request(RtEvent.replay, { rooms: [`flowchart_run:${id}`], after: {} })));
    const busy = answers.filter((a) => a.error?.code === "ARK_RT_BUSY");
    expect(busy.length).toBeGreaterThan(0);
    expect(busy[0].error.details).toEqual({ limit: 4 });
    expect(answers.filter((a) => a.ok).length + busy.length).toBe(20);
    expect(await client.request(RtEvent.replay, { rooms: [`flowchart_run:${id}`], after: {} })).toMatchObject({ ok: true });
  });

  it("answers a CORS handshake from the api's allowed origins on its configured path, and nothing on the default one", async () => {
    const handshake = (path: string) => fetch(`${rt.baseUrl}${path}/?EIO=4&transport=polling`, { headers: { origin: "https://ui.example.com" } });
    const answer = await handshake("/rt-io");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("access-control-allow-origin")).toBe("https://ui.example.com");
    expect((await handshake("/socket.io")).status).toBe(404);
  });

  it("disconnects its clients when the kernel stops, and the stop completes", async () => {
    const client = await connect(rt, { token });
    const reason = new Promise((resolve) => client.socket.once("disconnect", resolve));
    await rt.stop();
    expect(await reason).toBe("io server disconnect");
  });
});
