/**
 * Follows one run's events for `ark run`: live from the in-process event bus, each delivered once and in sequence
 * order; a gap (an event this bus did not deliver) is filled from the event log, and `finish()` reads whatever is
 * left after the run ended. Subscribing starts before the run exists, so its first events cannot be missed.
 */
import type { EventBus } from "../../events/index.js";
import type { EventEnvelope } from "../../plugin-api/contributions.js";

/** Reads a run's events after a sequence, in order (FlowEngine.runEvents). */
export type RunEventReader = (runId: string, afterSequence: number, limit: number) => Promise<EventEnvelope[]>;

const PAGE = 1000;

/** Delivers the events of one run to `onEvent`, each once, in sequence order. */
export class RunEventFollower {
  private runId: string | null = null;
  private last = 0;
  private early: EventEnvelope[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly bus: EventBus,
    private readonly read: RunEventReader,
    private readonly onEvent: (event: EventEnvelope) => void,
  ) {
    this.unsubscribe = bus.subscribe((event) => event.sequence_stream.startsWith("flowchart_run:"), (event) => this.accept(event));
  }

  /** Starts delivering the events of `runId` (including any that arrived before the id was known). */
  follow(runId: string): void {
    this.runId = runId;
    const early = this.early;
    this.early = [];
    for (const event of early) this.accept(event);
  }

  /** Delivers everything the run logged after what was delivered so far, then stops listening. Rethrows a read failure. */
  async finish(): Promise<void> {
    await this.chain;
    await this.bus.flush();
    await this.chain;
    this.unsubscribe();
    await this.catchUp(Number.POSITIVE_INFINITY);
    if (this.failure) throw this.failure;
  }

  /** Stops listening without delivering more. */
  close(): void {
    this.unsubscribe();
  }

  private accept(event: EventEnvelope): void {
    if (this.runId === null) {
      this.early.push(event);
      return;
    }
    if (event.sequence_stream !== `flowchart_run:${this.runId}`) return;
    this.chain = this.chain.then(() => this.deliver(event)).catch((err: unknown) => void (this.failure ??= err));
  }

  private async deliver(event: EventEnvelope): Promise<void> {
    if (event.sequence > this.last + 1) await this.catchUp(event.sequence - 1);
    if (event.sequence !== this.last + 1) return;
    this.last = event.sequence;
    this.onEvent(event);
  }

  /** Reads the log after the last delivered sequence, up to `until`. */
  private async catchUp(until: number): Promise<void> {
    if (this.runId === null) return;
    for (;;) {
      const page = await this.read(this.runId, this.last, PAGE);
      const before = this.last;
      for (const event of page) {
        if (event.sequence > until) return;
        if (event.sequence !== this.last + 1) continue;
        this.last = event.sequence;
        this.onEvent(event);
      }
      // The log has no gaps; stopping when a page brought nothing new keeps a damaged log from looping forever.
      if (page.length < PAGE || this.last === before) return;
    }
  }
}
