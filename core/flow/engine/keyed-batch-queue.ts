/**
 * Group commit per key: items submitted for one key are handled one batch at a time, and everything submitted while a
 * batch is being handled forms the next batch. Used to persist the results of one run together (they would queue on
 * the run's row lock anyway, so one transaction for all of them saves the waits and the per-transaction work) and to
 * record results in the ledger together.
 */

interface Waiting<I, R> {
  readonly item: I;
  readonly resolve: (result: R) => void;
  readonly reject: (err: unknown) => void;
}

/** Batches submitted items per key; `handle` gets each batch in submission order and answers one result per item. */
export class KeyedBatchQueue<I, R> {
  private readonly queues = new Map<string, Waiting<I, R>[]>();

  constructor(private readonly handle: (key: string, items: readonly I[]) => Promise<readonly R[]>) {}

  /** Resolves with the item's result once the batch it joined was handled (rejects when the handler threw). */
  submit(key: string, item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queue = this.queues.get(key);
      if (queue) {
        queue.push({ item, resolve, reject });
        return;
      }
      this.queues.set(key, [{ item, resolve, reject }]);
      // Start at the next turn, so that items finishing together (a fan-out's branches) start in one batch.
      setImmediate(() => void this.drain(key));
    });
  }

  private async drain(key: string): Promise<void> {
    for (;;) {
      const batch = this.queues.get(key)!;
      if (batch.length === 0) {
        this.queues.delete(key);
        return;
      }
      this.queues.set(key, []);
      try {
        const results = await this.handle(key, batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(results[i]!));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
  }
}
