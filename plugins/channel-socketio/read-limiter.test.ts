import { describe, expect, it } from "vitest";
import { isArkError, type EventEnvelope } from "../../core/plugin-api/index.js";
import { limitReads } from "./read-limiter.js";

/** A reader whose reads finish only when the test says so, in any order. */
function heldReader() {
  const held: Array<{ room: string; finish: () => void }> = [];
  let running = 0;
  let peak = 0;
  return {
    held,
    peak: () => peak,
    reader: {
      readEvents: (query: { roomKey?: string }) => new Promise<EventEnvelope[]>((resolve) => {
        running += 1;
        peak = Math.max(peak, running);
        held.push({ room: String(query.roomKey), finish: () => ((running -= 1), resolve([])) });
      }),
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("limitReads", () => {
  it("runs at most `concurrency` reads at once, the rest in arrival order", async () => {
    const source = heldReader();
    const limited = limitReads(source.reader as never, { concurrency: 2, maxWaiting: 10 });
    const reads = ["a", "b", "c", "d", "e"].map((room) => limited.readEvents({ roomKey: room, limit: 1 }));
    await tick();
    expect(source.held.map((h) => h.room)).toEqual(["a", "b"]);
    expect([limited.running, limited.waiting]).toEqual([2, 3]);
    source.held[1]!.finish();
    await tick();
    expect(source.held.map((h) => h.room)).toEqual(["a", "b", "c"]);
    for (let i = 0; i < 5; i++) {
      for (const h of source.held) h.finish();
      await tick();
    }
    await Promise.all(reads);
    expect(source.peak()).toBe(2);
    expect([limited.running, limited.waiting]).toEqual([0, 0]);
  });

  it("refuses a read beyond maxWaiting with ARK_RT_BUSY at once, and frees the slot of a read that failed", async () => {
    const source = heldReader();
    const limited = limitReads(source.reader as never, { concurrency: 1, maxWaiting: 1 });
    const first = limited.readEvents({ roomKey: "a", limit: 1 });
    const second = limited.readEvents({ roomKey: "b", limit: 1 });
    const err = await limited.readEvents({ roomKey: "c", limit: 1 }).catch((e: unknown) => e);
    expect(isArkError(err, "ARK_RT_BUSY")).toBe(true);
    expect((err as { details: unknown }).details).toEqual({ limit: 1 });
    source.held[0]!.finish();
    await first;
    await tick();
    source.held[1]!.finish();
    await second;
    const failing = limitReads({ readEvents: () => Promise.reject(new Error("store down")) } as never, { concurrency: 1, maxWaiting: 0 });
    await expect(failing.readEvents({ limit: 1 })).rejects.toThrow("store down");
    await expect(failing.readEvents({ limit: 1 })).rejects.toThrow("store down");
    expect(failing.running).toBe(0);
  });
});
