import type { Logger } from "pino";
import type { EventEnvelope } from "../plugin-api/contributions.js";
import type { LoggedEvent } from "./event-log.js";

/** Where a delivered event was committed: by this bus, or by another one (another kernel, another process). */
export type EventOrigin = "local" | "remote";

/** What the sequencer needs from its bus. */
export interface SequencerDeps {
  /** Id of the owning bus: logged events carrying it are `local`. */
  readonly busId: string;
  /** Reads the stream's events in (after, until] from the log, in order (at most a page; the sequencer loops). */
  readRange(stream: string, after: number, until: number): Promise<LoggedEvent[]>;
  /** Hands one event, in order, to subscribers and channels. */
  deliver(event: EventEnvelope, origin: EventOrigin): void;
  readonly logger?: Logger;
  /** Streams remembered at once; the least recently active are forgotten beyond it. */
  readonly maxStreams?: number;
}

const DEFAULT_MAX_STREAMS = 10_000;

/**
 * Delivers each stream's events exactly once and in sequence order, whichever way they arrive: from this bus after its
 * commits, or as notifications of other buses' commits. It remembers the last delivered sequence per stream; anything
 * at or below it is a duplicate, anything beyond the next one means a gap, filled by reading the log (a committed
 * sequence N proves 1..N-1 are committed too, since writers of a stream take turns). A stream seen for the first time
 * starts just before the first event this bus allocated or heard of in it: earlier history is for replay, not delivery.
 * Its methods must be called one at a time (the bus runs them on one queue).
 */
export class DeliverySequencer {
  private readonly delivered = new Map<string, number>();
  private readonly startHints = new Map<string, number>();
  private readonly maxStreams: number;

  constructor(private readonly deps: SequencerDeps) {
    this.maxStreams = deps.maxStreams ?? DEFAULT_MAX_STREAMS;
  }

  /** Called when this bus allocates `sequence` in `stream` (inside the transaction, before it commits). */
  noteAllocation(stream: string, sequence: number): void {
    if (this.delivered.has(stream)) return;
    const hint = this.startHints.get(stream);
    if (hint === undefined || sequence - 1 < hint) remember(this.startHints, stream, sequence - 1, this.maxStreams);
  }

  /** An event this bus committed. */
  async acceptLocal(event: EventEnvelope): Promise<void> {
    const stream = event.sequence_stream;
    const last = this.lastDelivered(stream, event.sequence);
    if (event.sequence <= last) return;
    if (event.sequence > last + 1) await this.fill(stream, last, event.sequence - 1);
    if (event.sequence <= this.lastDelivered(stream, event.sequence)) return;
    this.deliver(event, "local");
  }

  /** Another bus (or a direct append) committed `stream` up to `sequence`. */
  async acceptNotice(stream: string, sequence: number): Promise<void> {
    const last = this.lastDelivered(stream, sequence);
    if (sequence <= last) return;
    await this.fill(stream, last, sequence);
  }

  /** The last sequence delivered in a stream, starting a new stream just before `arriving` (or its start hint). */
  private lastDelivered(stream: string, arriving: number): number {
    const known = this.delivered.get(stream);
    if (known !== undefined) return known;
    const hint = this.startHints.get(stream);
    const start = Math.min(hint ?? Number.POSITIVE_INFINITY, arriving - 1);
    this.startHints.delete(stream);
    remember(this.delivered, stream, start, this.maxStreams);
    return start;
  }

  private deliver(event: EventEnvelope, origin: EventOrigin): void {
    remember(this.delivered, event.sequence_stream, event.sequence, this.maxStreams);
    this.deps.deliver(event, origin);
  }

  /** Delivers (after, until] from the log. A failed read is logged; a later notice in the stream retries it. */
  private async fill(stream: string, after: number, until: number): Promise<void> {
    let cursor = after;
    try {
      while (cursor < until) {
        const page = await this.deps.readRange(stream, cursor, until);
        if (page.length === 0) break;
        for (const { envelope, origin } of page) {
          if (envelope.sequence <= cursor) continue;
          this.deliver(envelope, origin === this.deps.busId ? "local" : "remote");
          cursor = envelope.sequence;
        }
      }
      if (cursor < until) {
        this.deps.logger?.warn({ stream, after: cursor, until }, "events announced as committed are missing from the event log; skipping them");
      }
    } catch (err) {
      this.deps.logger?.error({ err, stream, after: cursor, until }, "could not read the event log to fill a delivery gap (the events remain in the log for replay)");
    }
  }
}

/** Sets a key as the most recently used one, forgetting the least recently used beyond `max`. */
function remember(map: Map<string, number>, key: string, value: number, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}
