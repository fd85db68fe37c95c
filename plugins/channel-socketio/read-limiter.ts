import { ArkError } from "../../core/plugin-api/index.js";
import type { EventLogReader } from "./replay-reader.js";

/** Reads that may wait for a turn by default: a burst beyond it is refused rather than queued. */
export const MAX_WAITING_READS = 1000;

/** Limits of the server-wide read queue. */
export interface ReadLimits {
  /** Event log reads (replays and GET /api/events pages) running at once. */
  readonly concurrency: number;
  /** Reads that may wait for a turn; one more is refused with ARK_RT_BUSY. */
  readonly maxWaiting: number;
}

/**
 * An EventLogReader that runs at most `concurrency` reads at once, the others in arrival order. A read of a full
 * page builds up to thousands of envelopes on the event loop; hundreds of them at once (one socket's burst of
 * rt.replay, a flood of GET /api/events) starved every other request for tens of seconds. In turns, each waits
 * for a few reads at most, and a burst beyond `maxWaiting` is refused at once instead of queued without end.
 */
export function limitReads(reader: EventLogReader, limits: ReadLimits): EventLogReader & { readonly waiting: number; readonly running: number } {
  const queue: Array<() => void> = [];
  let running = 0;
  const release = (): void => {
    const next = queue.shift();
    if (next) next();
    else running -= 1;
  };
  const acquire = async (): Promise<void> => {
    if (running < limits.concurrency) {
      running += 1;
      return;
    }
    if (queue.length >= limits.maxWaiting) {
      throw new ArkError("ARK_RT_BUSY", `The event log has ${queue.length} reads waiting; try again shortly.`, { details: { limit: limits.maxWaiting } });
    }
    // The slot passes straight from release() to the next waiter: `running` stays the same.
    await new Promise<void>((resolve) => queue.push(resolve));
  };
  return {
    async readEvents(query) {
      await acquire();
      try {
        return await reader.readEvents(query);
      } finally {
        release();
      }
    },
    get waiting() {
      return queue.length;
    },
    get running() {
      return running;
    },
  };
}
