import type { Logger } from "pino";
import type { EventEnvelope } from "../../core/plugin-api/index.js";
import type { EventLogReader } from "./replay-reader.js";

/** What the sequencer needs around it. */
export interface LiveSequencerDeps {
  readonly reader: EventLogReader;
  /** Hands one event, in stream order, to the local sockets. */
  deliver(event: EventEnvelope): void;
  /** Whether anyone here could want a missed event (no sockets: a gap is skipped instead of read). */
  hasListeners(): boolean;
  /** A gap that could not be read (too large, or the read failed): the clients should replay. */
  onLostGap(stream: string, after: number, until: number): void;
  readonly logger?: Logger;
  /** Most events read to fill one gap. */
  readonly maxFill: number;
  /** Events waiting to be sequenced before new ones are dropped (later events then fill the gap from the log). */
  readonly maxQueue?: number;
  /** Streams remembered at once. */
  readonly maxStreams?: number;
}

const PAGE = 1000;
const DEFAULT_MAX_QUEUE = 100_000;
const DEFAULT_MAX_STREAMS = 10_000;
const DROP_LOG_EVERY = 1000;

/**
 * Puts the live events this kernel hears — its own commits, peers' events over Redis, other kernels' commits heard
 * through the database — into one exactly-once, per-stream ordered flow. A duplicate is dropped; an event that skips
 * sequences (a peer's event lost while Redis was down, or arriving out of order) first has the gap read from the log.
 * A stream seen for the first time starts at its first event: older ones are for replay.
 */
export class LiveSequencer {
  private readonly last = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private dropped = 0;

  constructor(private readonly deps: LiveSequencerDeps) {}

  /** Queues an event; returns at once. */
  accept(event: EventEnvelope): void {
    if (this.pending >= (this.deps.maxQueue ?? DEFAULT_MAX_QUEUE)) {
      if (this.dropped++ % DROP_LOG_EVERY === 0) {
        this.deps.logger?.warn({ stream: event.sequence_stream, sequence: event.sequence, dropped: this.dropped }, "realtime delivery is too far behind; skipping live events (later events fill the gap from the event log)");
      }
      return;
    }
    this.pending += 1;
    this.chain = this.chain
      .then(() => this.process(event))
      .catch((err: unknown) => this.deps.logger?.error({ err, event_id: event.event_id }, "realtime delivery step failed"))
      .finally(() => {
        this.pending -= 1;
      });
  }

  /** Resolves when everything accepted so far was delivered. */
  idle(): Promise<void> {
    return this.chain;
  }

  private async process(event: EventEnvelope): Promise<void> {
    const stream = event.sequence_stream;
    const last = this.last.get(stream);
    if (last !== undefined && event.sequence <= last) return;
    if (last !== undefined && event.sequence > last + 1 && this.deps.hasListeners()) await this.fill(stream, last, event.sequence - 1);
    const now = this.last.get(stream);
    if (now !== undefined && event.sequence <= now) return;
    this.remember(stream, event.sequence);
    this.deps.deliver(event);
  }

  /** Delivers (after, until] of a stream from the log, at most maxFill events; what remains is reported lost. */
  private async fill(stream: string, after: number, until: number): Promise<void> {
    let cursor = after;
    let read = 0;
    try {
      while (cursor < until && read < this.deps.maxFill) {
        const limit = Math.min(PAGE, this.deps.maxFill - read);
        const page = await this.deps.reader.readEvents({ stream, afterSequence: cursor, untilSequence: until, limit });
        if (page.length === 0) break;
        for (const event of page) {
          if (event.sequence <= cursor) continue;
          cursor = event.sequence;
          this.remember(stream, cursor);
          this.deps.deliver(event);
        }
        read += page.length;
      }
    } catch (err) {
      this.deps.logger?.error({ err, stream, after: cursor, until }, "could not read the event log to fill a realtime gap; clients are told to replay");
    }
    if (cursor < until) {
      this.remember(stream, until);
      this.deps.onLostGap(stream, cursor, until);
    }
  }

  private remember(stream: string, sequence: number): void {
    this.last.delete(stream);
    this.last.set(stream, sequence);
    if (this.last.size > (this.deps.maxStreams ?? DEFAULT_MAX_STREAMS)) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
  }
}
