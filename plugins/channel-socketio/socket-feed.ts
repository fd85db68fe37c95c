import type { EventEnvelope } from "../../core/plugin-api/index.js";
import type { StreamCursors } from "./protocol.js";

/** What a feed needs of its Socket.IO socket. */
export interface FeedSocket {
  /** Rooms the socket is in right now (Socket.IO also lists the socket's own id; it never matches a room key). */
  readonly rooms: ReadonlySet<string>;
  emit(event: string, payload: unknown): unknown;
}

/** Limits of one feed. */
export interface SocketFeedOptions {
  /** Events that may wait behind a running replay before the socket counts as too slow. */
  readonly maxBacklog: number;
  /** Streams whose last sent sequence is remembered (least recently used ones are forgotten). */
  readonly maxStreams?: number;
  /** Events remembered as sent, so a replay does not send them again. */
  readonly maxRecent?: number;
  /** Called once when the backlog overflows; the feed is closed by then (the caller disconnects the socket). */
  onBacklogExceeded(): void;
}

type Step = { readonly event: EventEnvelope } | { readonly job: () => Promise<void>; readonly cancel: () => void };

const DEFAULT_MAX_STREAMS = 10_000;
const DEFAULT_MAX_RECENT = 10_000;

function keyOf(event: EventEnvelope): string {
  return `${event.sequence}@${event.sequence_stream}`;
}

/**
 * Everything one socket is sent, in order: live events and replays. Live events of a stream go out in increasing
 * sequence, each once (the last sent sequence per stream is the watermark). A replay runs as a step of the same
 * queue, so live events that arrive while it reads the log wait behind it and are then sent only when newer than
 * what the replay sent: no duplicates and no gap at the seam. A replay sends what the client asked for except events
 * this socket was recently sent (so history older than the watermark, asked for explicitly, is still delivered).
 */
export class SocketFeed {
  private readonly lastSent = new Map<string, number>();
  private readonly recentlySent = new Set<string>();
  private readonly queue: Step[] = [];
  private running = false;
  private closed = false;
  private jobs = 0;

  constructor(
    private readonly socket: FeedSocket,
    private readonly options: SocketFeedOptions,
  ) {}

  /** A live event, in stream order for this kernel. Sent at once unless a replay is running. */
  offer(event: EventEnvelope): void {
    if (this.closed) return;
    if (!this.running && this.queue.length === 0) {
      this.sendIfNew(event);
      return;
    }
    if (this.overflows()) return;
    this.queue.push({ event });
    void this.pump();
  }

  /** Runs `job` (a replay) after what is queued; live events offered meanwhile are sent after it. */
  run<T>(job: () => Promise<T>): Promise<T> {
    if (this.closed || this.overflows()) return Promise.reject(new Error("the socket is gone"));
    this.jobs += 1;
    const done = () => {
      this.jobs -= 1;
    };
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ job: () => job().then(resolve, reject).finally(done), cancel: () => (done(), reject(new Error("the socket is gone"))) });
      void this.pump();
    });
  }

  /** Records that the client already has these sequences (its replay cursors): nothing at or below them is sent. */
  seed(cursors: StreamCursors): void {
    for (const [stream, sequence] of Object.entries(cursors)) {
      if (sequence > (this.lastSent.get(stream) ?? 0)) this.remember(stream, sequence);
    }
  }

  /** Sends a live event when it is for one of the socket's rooms and newer than its stream's watermark; true if sent. */
  sendIfNew(event: EventEnvelope): boolean {
    if (this.closed || !this.isForSocket(event)) return false;
    const last = this.lastSent.get(event.sequence_stream);
    if (last !== undefined && event.sequence <= last) return false;
    this.send(event);
    return true;
  }

  /** Sends a replayed event unless this socket was recently sent it; true if sent. */
  sendReplayed(event: EventEnvelope): boolean {
    if (this.closed || !this.isForSocket(event) || this.recentlySent.has(keyOf(event))) return false;
    this.send(event);
    return true;
  }

  /** The last sequence sent per stream (what a catch-up continues from). */
  cursors(): Record<string, number> {
    return Object.fromEntries(this.lastSent);
  }

  /** Stops sending; queued events are dropped and queued jobs rejected without running. */
  close(): void {
    this.closed = true;
    for (const step of this.queue.splice(0)) if ("cancel" in step) step.cancel();
  }

  /** Jobs (replays) queued or running. */
  get pendingJobs(): number {
    return this.jobs;
  }

  /** Steps waiting (live events held behind a replay, and replays). */
  get backlog(): number {
    return this.queue.length;
  }

  /** True (and the feed closed, the owner told) when one more step would exceed the backlog. */
  private overflows(): boolean {
    if (this.queue.length < this.options.maxBacklog) return false;
    this.close();
    this.options.onBacklogExceeded();
    return true;
  }

  private isForSocket(event: EventEnvelope): boolean {
    const rooms = event.room_keys;
    return rooms.length === 0 || rooms.some((room) => this.socket.rooms.has(room));
  }

  private send(event: EventEnvelope): void {
    if (event.sequence > (this.lastSent.get(event.sequence_stream) ?? 0)) this.remember(event.sequence_stream, event.sequence);
    const key = keyOf(event);
    this.recentlySent.add(key);
    if (this.recentlySent.size > (this.options.maxRecent ?? DEFAULT_MAX_RECENT)) {
      const oldest = this.recentlySent.values().next().value;
      if (oldest !== undefined) this.recentlySent.delete(oldest);
    }
    this.socket.emit(event.event_type, event);
  }

  private remember(stream: string, sequence: number): void {
    this.lastSent.delete(stream);
    this.lastSent.set(stream, sequence);
    if (this.lastSent.size > (this.options.maxStreams ?? DEFAULT_MAX_STREAMS)) {
      const oldest = this.lastSent.keys().next().value;
      if (oldest !== undefined) this.lastSent.delete(oldest);
    }
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let step = this.queue.shift(); step && !this.closed; step = this.queue.shift()) {
        if ("event" in step) this.sendIfNew(step.event);
        else await step.job();
      }
    } finally {
      this.running = false;
    }
  }
}
