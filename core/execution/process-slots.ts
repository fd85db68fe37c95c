/**
 * A FIFO concurrency limit for the process dispatcher: at most `limit` executor processes at once, later dispatches
 * wait in arrival order. Aborting a waiting dispatch removes it from the queue (it never spawns).
 */

/** A counting semaphore with a FIFO queue. */
export class ProcessSlots {
  private running = 0;
  private readonly queue: { grant: () => void; signal: AbortSignal; onAbort: () => void }[] = [];

  constructor(private readonly limit: () => number) {}

  /** Executor processes running now. */
  get active(): number {
    return this.running;
  }

  /** Dispatches waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves true once a slot is held (call release() after), or false when the signal aborted first. */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.running < Math.max(1, this.limit()) && this.queue.length === 0) {
      this.running += 1;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const entry = {
        signal,
        grant: () => {
          signal.removeEventListener("abort", entry.onAbort);
          resolve(true);
        },
        onAbort: () => {
          const index = this.queue.indexOf(entry);
          if (index >= 0) this.queue.splice(index, 1);
          resolve(false);
        },
      };
      signal.addEventListener("abort", entry.onAbort, { once: true });
      this.queue.push(entry);
    });
  }

  /** Frees a slot and hands it to the oldest waiter. */
  release(): void {
    this.running = Math.max(0, this.running - 1);
    while (this.running < Math.max(1, this.limit()) && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.running += 1;
      next.grant();
    }
  }
}
