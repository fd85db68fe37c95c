import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { ContractRegistry } from "../contracts/contract-registry-port.js";
import { ArkError } from "../errors/index.js";
import type { EventChannelContribution, EventEnvelope, Owned } from "../plugin-api/contributions.js";
import type { Queryable, Store, Transaction } from "../store/store-port.js";
import { EmitScope, TrackedTransaction, verifyPending } from "./bus-transaction.js";
import { ChannelPublisher } from "./channel-publisher.js";
import { DeliverySequencer, type EventOrigin } from "./delivery-sequencer.js";
import { serialisedDraft, type EventInput } from "./event-envelope.js";
import { compileEventFilter, type EventFilter } from "./event-filter.js";
import { appendDrafts, type SerialisedDraft } from "./event-batch-append.js";
import { appendDraft, readEvents, readStreamRange, type EventLogQuery } from "./event-log.js";
import { EVENTS_NOTIFY_CHANNEL, parseEventNotice } from "./event-notice.js";

/**
 * Appends an event in the current bus transaction; resolves to its envelope (published only after commit).
 * `emit.queue(input)` checks the event at once (a bad one throws) but appends it later, together with every other
 * queued event in one statement: before the transaction commits, before the next `emit`, or before a savepoint starts
 * or is released (a savepoint that rolls back drops what was queued inside it). The log order is the call order
 * either way; queueing only saves round trips, for writers that do not need the envelope back.
 */
export interface EmitFn {
  (input: EventInput): Promise<EventEnvelope>;
  queue(input: EventInput): void;
  /**
   * Appends what is queued now, in one statement, without waiting for it: a writer of a large batch lets the database
   * append one part's events while it prepares the next. The transaction still waits for it (and fails with it) before
   * it commits.
   */
  flush(): void;
}

/** What a local subscriber learns besides the envelope. */
export interface EventDelivery {
  /** `local`: this bus committed it; `remote`: another bus did (heard through LISTEN/NOTIFY or a gap read). */
  readonly origin: EventOrigin;
}

/** A local subscriber; a throw or a rejected promise is logged and never reaches the emitter. */
export type EventHandler = (event: EventEnvelope, delivery: EventDelivery) => void | Promise<void>;

/**
 * Which events a channel is given: `local` (default) only those this kernel committed — right for a channel whose
 * transport already spans kernels (Socket.IO with the Redis adapter, webhooks); `all` also those other kernels
 * committed — right for a channel that only reaches this kernel's clients.
 */
export type ChannelReach = "local" | "all";

/** An event channel as the bus reads it: the contribution, optionally saying which events it wants. */
export type BusChannel = EventChannelContribution & { readonly receives?: ChannelReach };

/** Where the bus finds its channels: the kernel's eventChannels registry, or a plain list (tests, scripts). */
export type ChannelSource = { entries(): readonly Owned<EventChannelContribution>[] } | readonly EventChannelContribution[];

/** How to build an EventBus. */
export interface EventBusOptions {
  readonly store: Store;
  readonly channels?: ChannelSource;
  readonly contracts?: ContractRegistry;
  readonly logger?: Logger;
  /** Per-channel deadline for one publish() (default 5000 ms). */
  readonly channelTimeoutMs?: number;
  /** Per-channel queue length before events are skipped for it (default 10000). */
  readonly channelBacklog?: number;
  /** Largest serialised envelope accepted (default 1 MiB). */
  readonly maxEnvelopeBytes?: number;
  /** LISTEN/NOTIFY channel (default `ark_events`). */
  readonly notifyChannel?: string;
  /** Clock for `emitted_at`. */
  readonly now?: () => Date;
}

/**
 * The EventBus port: events are appended to the log inside a transaction and delivered — to local subscribers and to
 * the channels — only after that transaction commits, per stream in sequence order, each once. Events other buses
 * commit reach this one through LISTEN/NOTIFY once `listen()` ran.
 */
export class EventBus {
  /** This bus's id, stored as the origin of what it appends. */
  readonly id = randomUUID();
  private readonly sequencer: DeliverySequencer;
  private readonly subscribers = new Set<{ matches: (e: EventEnvelope, o: EventOrigin) => boolean; handler: EventHandler }>();
  private readonly publishers = new Map<EventChannelContribution, ChannelPublisher>();
  private readonly handlerWork = new Set<Promise<void>>();
  private deliveryQueue: Promise<void> = Promise.resolve();
  private readonly noticed = new Map<string, number>();
  private drainScheduled = false;
  private listening: { schema: string; unlisten: () => Promise<void> } | null = null;
  private listenStarting: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: EventBusOptions) {
    this.sequencer = new DeliverySequencer({
      busId: this.id,
      readRange: (stream, after, until) => readStreamRange(options.store, stream, after, until),
      deliver: (event, origin) => this.deliver(event, origin),
      logger: options.logger,
    });
  }

  /**
   * Runs `fn` in a store transaction; `emit` (or `bus.emit(tx, ...)`) appends events to the log within it. After
   * COMMIT the events are delivered in emit order; on rollback they never are. Resolves with `fn`'s result once
   * committed (delivery runs on, see flush()).
   */
  async transaction<T>(fn: (tx: Transaction, emit: EmitFn) => Promise<T>): Promise<T> {
    if (this.closed) throw new ArkError("ARK_KERNEL_STATE", "The event bus is closed; no new event transactions can start.");
    const scope = new EmitScope((tx, drafts) => this.appendBatch(tx, drafts));
    const result = await this.options.store.transaction(async (inner) => {
      const tx = new TrackedTransaction(inner, scope);
      try {
        const emit = Object.assign((input: EventInput) => this.emit(tx, input), {
          queue: (input: EventInput) => this.queue(tx, input),
          flush: () => scope.flushDetached(tx),
        });
        const value = await fn(tx, emit);
        await scope.settle(tx);
        await verifyPending(inner, scope);
        return value;
      } finally {
        scope.open = false;
      }
    });
    for (const envelope of scope.pending) this.enqueue(() => this.sequencer.acceptLocal(envelope));
    return result;
  }

  /** Appends an event in a transaction opened by this bus's `transaction()`; anything else is ARK_EVENT_NOT_IN_TRANSACTION. */
  emit(tx: Transaction, input: EventInput): Promise<EventEnvelope> {
    try {
      const scope = this.scopeOf(tx, input);
      const draft = serialisedDraft(input, this.options);
      const options = { origin: this.id, notifyChannel: this.options.notifyChannel };
      // Queued events were emitted first: they go first, and one statement at a time (PGlite takes no concurrent ones).
      const flushed = scope.flushQueued(tx);
      const append = (flushed ? flushed.then(() => appendDraft(tx, draft, options)) : appendDraft(tx, draft, options)).then((envelope) => {
        this.sequencer.noteAllocation(envelope.sequence_stream, envelope.sequence);
        return envelope;
      });
      return scope.track(append);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Queues an event in a transaction opened by this bus's `transaction()` (see EmitFn); a bad event throws here. */
  queue(tx: Transaction, input: EventInput): void {
    const scope = this.scopeOf(tx, input);
    scope.queued.push(serialisedDraft(input, this.options));
  }

  private scopeOf(tx: Transaction, input: EventInput): EmitScope {
    if (!(tx instanceof TrackedTransaction) || !tx.scope.open) {
      throw new ArkError("ARK_EVENT_NOT_IN_TRANSACTION", "Events can only be emitted inside bus.transaction(), before its callback returns.", {
        details: { event_type: input?.eventType },
      });
    }
    return tx.scope;
  }

  private async appendBatch(tx: Queryable, drafts: readonly SerialisedDraft[]): Promise<EventEnvelope[]> {
    const envelopes = await appendDrafts(tx, drafts, { origin: this.id, notifyChannel: this.options.notifyChannel });
    for (const envelope of envelopes) this.sequencer.noteAllocation(envelope.sequence_stream, envelope.sequence);
    return envelopes;
  }

  /** Adds a local subscriber (orchestrator, `ark run --watch`); returns the function that removes it. */
  subscribe(filter: EventFilter | null, handler: EventHandler): () => void {
    const entry = { matches: compileEventFilter(filter), handler };
    this.subscribers.add(entry);
    return () => {
      this.subscribers.delete(entry);
    };
  }

  /** Reads the event log (replay and backfill); see EventLogQuery. */
  readEvents(query: EventLogQuery): Promise<EventEnvelope[]> {
    return readEvents(this.options.store, query);
  }

  /** Starts hearing other buses' commits (LISTEN); idempotent. Events committed before it are for replay. */
  listen(): Promise<void> {
    if (this.closed) return Promise.reject(new ArkError("ARK_KERNEL_STATE", "The event bus is closed; it cannot start listening."));
    if (this.listening) return Promise.resolve();
    this.listenStarting ??= this.startListening().finally(() => {
      this.listenStarting = null;
    });
    return this.listenStarting;
  }

  /** True while LISTEN is active. */
  get isListening(): boolean {
    return this.listening !== null;
  }

  /** Resolves once everything committed so far has been delivered to subscribers and offered to every channel. */
  async flush(): Promise<void> {
    for (;;) {
      const queued = this.deliveryQueue;
      await queued;
      await Promise.all([...this.handlerWork, ...[...this.publishers.values()].map((p) => p.idle())]);
      if (this.deliveryQueue === queued && !this.drainScheduled) return;
    }
  }

  /** Stops listening, refuses new transactions and waits for pending deliveries; idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await this.listenStarting?.catch(() => undefined);
    const held = this.listening;
    this.listening = null;
    await held?.unlisten().catch((err: unknown) => this.options.logger?.warn({ err }, "UNLISTEN failed while closing the event bus"));
    await this.flush();
  }

  private async startListening(): Promise<void> {
    const { store } = this.options;
    const { rows } = await store.query<{ schema: string | null }>("SELECT current_schema() AS schema");
    const schema = rows[0]?.schema ?? "";
    const unlisten = await store.listen(this.options.notifyChannel ?? EVENTS_NOTIFY_CHANNEL, (payload) => this.onNotification(schema, payload));
    if (this.closed) {
      await unlisten();
      return;
    }
    this.listening = { schema, unlisten };
  }

  /** Coalesces notices per stream (the highest sequence wins; the gap read fetches the rest) and drains them in order. */
  private onNotification(schema: string, payload: string): void {
    const notice = parseEventNotice(payload);
    if (!notice || notice.schema !== schema || notice.origin === this.id || this.closed) return;
    const known = this.noticed.get(notice.stream);
    if (known === undefined || notice.sequence > known) this.noticed.set(notice.stream, notice.sequence);
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    this.enqueue(async () => {
      this.drainScheduled = false;
      const batch = [...this.noticed];
      this.noticed.clear();
      for (const [stream, sequence] of batch) await this.sequencer.acceptNotice(stream, sequence);
    });
  }

  /** Runs delivery steps one at a time, in arrival order; a failing step is logged and the queue goes on. */
  private enqueue(step: () => Promise<void>): void {
    this.deliveryQueue = this.deliveryQueue.then(step).catch((err: unknown) => this.options.logger?.error({ err }, "event delivery step failed"));
  }

  private deliver(event: EventEnvelope, origin: EventOrigin): void {
    for (const { matches, handler } of this.subscribers) this.callSubscriber(event, origin, matches, handler);
    for (const { channel, pluginId } of this.channelEntries()) {
      const reach = (channel as BusChannel).receives ?? "local";
      if (origin === "remote" && reach !== "all") continue;
      this.publisherFor(channel, pluginId).enqueue(event);
    }
  }

  private callSubscriber(event: EventEnvelope, origin: EventOrigin, matches: (e: EventEnvelope, o: EventOrigin) => boolean, handler: EventHandler): void {
    try {
      if (!matches(event, origin)) return;
      const outcome = handler(event, { origin });
      if (outcome && typeof (outcome as Promise<void>).then === "function") {
        const work: Promise<void> = Promise.resolve(outcome)
          .catch((err: unknown) => this.logSubscriberError(err, event))
          .finally(() => this.handlerWork.delete(work));
        this.handlerWork.add(work);
      }
    } catch (err) {
      this.logSubscriberError(err, event);
    }
  }

  private logSubscriberError(err: unknown, event: EventEnvelope): void {
    this.options.logger?.error({ err, event_id: event.event_id, event_type: event.event_type }, "event subscriber failed");
  }

  private channelEntries(): readonly { channel: EventChannelContribution; pluginId: string | undefined }[] {
    const source = this.options.channels;
    if (!source) return [];
    if (Array.isArray(source)) return (source as readonly EventChannelContribution[]).map((channel) => ({ channel, pluginId: undefined }));
    return (source as { entries(): readonly Owned<EventChannelContribution>[] }).entries().map((o) => ({ channel: o.value, pluginId: o.pluginId }));
  }

  private publisherFor(channel: EventChannelContribution, pluginId: string | undefined): ChannelPublisher {
    let publisher = this.publishers.get(channel);
    if (!publisher) {
      publisher = new ChannelPublisher(channel, pluginId, {
        timeoutMs: this.options.channelTimeoutMs ?? 5000,
        maxBacklog: this.options.channelBacklog ?? 10_000,
        logger: this.options.logger,
      });
      this.publishers.set(channel, publisher);
    }
    return publisher;
  }
}
