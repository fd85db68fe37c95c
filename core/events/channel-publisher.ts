import type { Logger } from "pino";
import type { EventChannelContribution, EventEnvelope } from "../plugin-api/contributions.js";

/** Limits of one channel's delivery queue. */
export interface ChannelPublisherOptions {
  /** How long one publish() may take before the publisher gives up on it and moves to the next event. */
  readonly timeoutMs: number;
  /** Most events waiting for this channel; beyond that new ones are skipped (they stay in the log for replay). */
  readonly maxBacklog: number;
  readonly logger?: Logger;
}

/** How often a full backlog is logged again while it stays full. */
const DROP_LOG_EVERY = 1000;

class PublishTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`publish() did not settle within ${timeoutMs} ms`);
  }
}

/**
 * Feeds one channel, one event at a time in delivery order. A channel that throws is logged; one that hangs is
 * abandoned after the timeout (its promise is left to settle on its own). Either way the next event goes on, and other
 * channels, each with its own publisher, never wait for this one.
 */
export class ChannelPublisher {
  private tail: Promise<void> = Promise.resolve();
  private backlog = 0;
  private dropped = 0;

  constructor(
    readonly channel: EventChannelContribution,
    private readonly pluginId: string | undefined,
    private readonly options: ChannelPublisherOptions,
  ) {}

  /** Queues an event; returns at once. */
  enqueue(event: EventEnvelope): void {
    if (this.backlog >= this.options.maxBacklog) {
      if (this.dropped++ % DROP_LOG_EVERY === 0) {
        this.options.logger?.error(
          { channel: this.channel.id, plugin: this.pluginId, backlog: this.backlog, skipped: this.dropped, stream: event.sequence_stream, sequence: event.sequence },
          "event channel is too far behind; skipping events for it (they remain in the event log for replay)",
        );
      }
      return;
    }
    this.backlog += 1;
    this.tail = this.tail.then(async () => {
      try {
        await this.publishOne(event);
      } finally {
        this.backlog -= 1;
      }
    });
  }

  /** Resolves when every queued event has been published, has failed or has timed out. */
  idle(): Promise<void> {
    return this.tail;
  }

  private async publishOne(event: EventEnvelope): Promise<void> {
    const { timeoutMs, logger } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PublishTimeout(timeoutMs)), timeoutMs);
      timer.unref?.();
    });
    try {
      await Promise.race([Promise.resolve().then(() => this.channel.publish(event)), deadline]);
    } catch (err) {
      logger?.error(
        { err, channel: this.channel.id, plugin: this.pluginId, event_id: event.event_id, stream: event.sequence_stream, sequence: event.sequence },
        err instanceof PublishTimeout
          ? "event channel timed out; moving on (the event remains in the event log for replay)"
          : "event channel failed to publish; moving on (the event remains in the event log for replay)",
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
