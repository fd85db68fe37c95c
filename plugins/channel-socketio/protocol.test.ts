import { describe, expect, it } from "vitest";
import { isArkError } from "../../core/plugin-api/index.js";
import { resolveRtSettings } from "./config.js";
import { errorAck, MAX_REPLAY_ROOMS, MAX_ROOMS_PER_REQUEST, parseCursors, parseRoomsRequest } from "./protocol.js";
import { checkRoom, checkRooms, ROOM_KINDS } from "./rooms.js";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("rooms", () => {
  it("accepts every §13.4 room kind with an id, trimmed", () => {
    for (const kind of ROOM_KINDS) expect(checkRoom(` ${kind}:42 `)).toEqual({ room: `${kind}:42` });
    expect(checkRoom("flowchart_node:a:b")).toEqual({ room: "flowchart_node:a:b" });
  });

  it("rejects unknown kinds, missing ids, non-strings and control characters, saying why", () => {
    const reasons = ["bogus:1", "flowchart_run:", "flowchart_run: ", "flowchart_run", "", 42, null, "task:1\u0001x", "x".repeat(400)].map((value) => {
      const checked = checkRoom(value);
      expect("rejected" in checked).toBe(true);
      return "rejected" in checked ? checked.rejected.reason : "";
    });
    expect(reasons[0]).toMatch(/unknown room kind "bogus"/);
    expect(reasons[1]).toMatch(/needs an id/);
    expect(reasons[3]).toMatch(/needs an id/);
    expect(reasons[5]).toMatch(/must be a string/);
  });

  it("rejects C1 controls and lone surrogates, and quotes a huge or nested room shortened, never in full", () => {
    for (const value of ["task:1\u0085", "task:\ud800", "task:a\udc00b"]) expect("rejected" in checkRoom(value)).toBe(true);
    expect(checkRoom("thread:\ud83d\ude00")).toEqual({ room: "thread:\ud83d\ude00" });
    const huge = "x".repeat(100_000);
    const err = thrown(() => parseRoomsRequest({ rooms: [huge, [[["deep"]]], { a: 1 }] })) as { message: string; details: { rejected: { room: unknown }[] } };
    expect(err.details.rejected.map((r) => r.room)).toEqual([`${"x".repeat(80)}…`, "(an array of 1)", "(an object)"]);
    expect(err.message.length).toBeLessThan(600);
  });

  it("deduplicates accepted rooms and lists every rejected one", () => {
    expect(checkRooms(["task:1", "task:1 ", "nope:2", "run:3", 7])).toEqual({
      accepted: ["task:1", "run:3"],
      rejected: [expect.objectContaining({ room: "nope:2" }), expect.objectContaining({ room: 7 })],
    });
  });
});

describe("request parsing", () => {
  it("takes rooms, a single room, or both, with optional replay cursors", () => {
    expect(parseRoomsRequest({ rooms: ["task:1"], room: "run:2" })).toEqual({ rooms: ["task:1", "run:2"] });
    expect(parseRoomsRequest({ room: "flowchart_run:9", after: { "flowchart_run:9": 4 } })).toEqual({ rooms: ["flowchart_run:9"], after: { "flowchart_run:9": 4 } });
    expect(parseRoomsRequest({ rooms: "task:1" })).toEqual({ rooms: ["task:1"] });
  });

  it("answers malformed requests with ARK_RT_REQUEST_INVALID and bad rooms with ARK_RT_ROOM_INVALID", () => {
    for (const payload of [undefined, null, "task:1", [], {}, { rooms: 5 }, { rooms: [] }, { rooms: Array(MAX_ROOMS_PER_REQUEST + 1).fill("task:1") }]) {
      expect(isArkError(thrown(() => parseRoomsRequest(payload)), "ARK_RT_REQUEST_INVALID")).toBe(true);
    }
    const err = thrown(() => parseRoomsRequest({ rooms: ["task:1", "evil:1"] }));
    expect(isArkError(err, "ARK_RT_ROOM_INVALID")).toBe(true);
    expect((err as { details: { rejected: unknown[] } }).details.rejected).toEqual([expect.objectContaining({ room: "evil:1" })]);
    expect(isArkError(thrown(() => parseRoomsRequest({ room: "task:1" }, { requireAfter: true })), "ARK_RT_REQUEST_INVALID")).toBe(true);
    const manyRooms = Array.from({ length: MAX_REPLAY_ROOMS + 1 }, (_, i) => `task:${i}`);
    expect(parseRoomsRequest({ rooms: manyRooms }).rooms).toHaveLength(MAX_REPLAY_ROOMS + 1);
    expect(isArkError(thrown(() => parseRoomsRequest({ rooms: manyRooms, after: {} })), "ARK_RT_REQUEST_INVALID")).toBe(true);
  });

  it("checks cursors: stream names to non-negative integers", () => {
    expect(parseCursors({ a: 0, "flowchart_run:1": 7 })).toEqual({ a: 0, "flowchart_run:1": 7 });
    // "__proto__" is a key like any other (an assignment would have set the prototype and lost it).
    expect(Object.keys(parseCursors(JSON.parse('{"__proto__": 5}')))).toEqual(["__proto__"]);
    expect((thrown(() => parseCursors({ s: Infinity })) as Error).message).toContain("not Infinity");
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect((thrown(() => parseCursors({ s: deep })) as Error).message).toContain("not (an array of 1)");
    for (const bad of [null, [], 3, { a: -1 }, { a: 1.5 }, { a: "3" }, { "": 1 }, { [`x\u0001`]: 1 }]) {
      expect(isArkError(thrown(() => parseCursors(bad)), "ARK_RT_REQUEST_INVALID")).toBe(true);
    }
  });

  it("turns errors into acks with a stable code, hiding unexpected errors", () => {
    const known = errorAck(thrown(() => parseRoomsRequest({ rooms: ["zzz:1"] })));
    expect(known).toMatchObject({ ok: false, namespace: "/rt", error: { contract_version: "v1", code: "ARK_RT_ROOM_INVALID" } });
    expect(errorAck(new Error("secret internals"))).toMatchObject({ ok: false, error: { code: "ARK_INTERNAL", details: {} } });
    expect(JSON.stringify(errorAck(new Error("secret internals")))).not.toContain("secret");
  });
});

describe("settings", () => {
  it("reads the api token, the api's CORS origins, events.redis.url and events.listen from the kernel config", () => {
    const settings = resolveRtSettings({}, { api: { token: "t".repeat(20), cors: { origins: ["https://ui.example.com/"] } }, events: { listen: false, redis: { url: "redis://r:6379" } } });
    expect(settings).toMatchObject({ path: "/socket.io", maxReplay: 1000, token: "t".repeat(20), corsOrigins: ["https://ui.example.com"], redisUrl: "redis://r:6379", busListens: false });
  });

  it("treats an empty token or redis url as unset and lets its own cors origins win", () => {
    const settings = resolveRtSettings({ cors: { origins: ["*"] }, maxReplay: 5 }, { api: { token: "  ", cors: { origins: ["https://a.example"] } }, events: { redis: { url: "" } } });
    expect(settings).toMatchObject({ token: null, redisUrl: null, corsOrigins: ["*"], maxReplay: 5, busListens: true });
  });
});
