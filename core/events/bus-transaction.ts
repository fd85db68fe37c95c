import type { EventEnvelope } from "../plugin-api/contributions.js";
import { queryPrepared, type PreparedQueryable } from "../store/prepared-query.js";
import type { Queryable, QueryResult, Transaction } from "../store/store-port.js";
import type { SerialisedDraft } from "./event-batch-append.js";

/** Appends several checked drafts in one statement (the bus's appendDrafts with its origin and channel). */
export type BatchAppender = (tx: Queryable, drafts: readonly SerialisedDraft[]) => Promise<EventEnvelope[]>;

/** The bookkeeping of one EventBus transaction: what it emitted and whether all of it can still be trusted. */
export class EmitScope {
  /** Envelopes appended, in append order; published after commit. */
  readonly pending: EventEnvelope[] = [];
  /** Per stream, the highest sequence appended in this scope (an upper bound once verification dropped some). */
  private readonly highestPending = new Map<string, number>();
  /** Events queued with `emit.queue`, not yet appended: they go to the log together, in one statement. */
  queued: SerialisedDraft[] = [];
  /** Flushes nobody awaits (EmitFn.flush); settle() waits for them and throws the first failure. */
  private readonly detached: Promise<unknown>[] = [];
  /** Appends still running (an emit the caller did not await). */
  readonly inflight = new Set<Promise<unknown>>();
  /** False once the transaction callback returned: later emits are refused. */
  open = true;
  /**
   * Set when some appends may have been undone while the transaction goes on (a savepoint rolled back, or an append
   * failed in the database): before commit, pending envelopes are checked against the log.
   */
  mustVerify = false;

  constructor(private readonly appendBatch: BatchAppender) {}

  /**
   * Appends the queued events now (one statement on `tx`). The statement is issued before this returns, so anything
   * the caller sends on the same transaction afterwards runs after it: the log keeps the order events were emitted in.
   */
  flushQueued(tx: Queryable): Promise<unknown> | null {
    if (this.queued.length === 0) return null;
    const drafts = this.queued;
    this.queued = [];
    return this.trackAll(this.appendBatch(tx, drafts));
  }

  /** flushQueued for a caller that does not wait: settle() waits for it and throws its failure. */
  flushDetached(tx: Queryable): void {
    const flushed = this.flushQueued(tx);
    if (!flushed) return;
    flushed.catch(() => undefined); // handled: settle() awaits it and rethrows
    this.detached.push(flushed);
  }

  /** Tracks an append until it settles; a database failure marks the scope for verification. */
  track(append: Promise<EventEnvelope>): Promise<EventEnvelope> {
    return this.trackAll(append.then((envelope) => [envelope])).then((envelopes) => envelopes[0]!);
  }

  /** track() for a batch of appends made by one statement. */
  private trackAll(append: Promise<EventEnvelope[]>): Promise<EventEnvelope[]> {
    const tracked = append.then(
      (envelopes) => {
        for (const envelope of envelopes) {
          this.supersede(envelope);
          this.pending.push(envelope);
        }
        return envelopes;
      },
      (err: unknown) => {
        this.mustVerify = true;
        throw err;
      },
    );
    const settled = tracked.then(
      () => undefined,
      () => undefined,
    );
    this.inflight.add(settled);
    void settled.then(() => this.inflight.delete(settled));
    return tracked;
  }

  /**
   * A sequence comes back only after the append that held it was rolled back (with a savepoint), and with it every
   * later append to that stream: those pending envelopes are stale.
   */
  private supersede(envelope: EventEnvelope): void {
    const stream = envelope.sequence_stream;
    const highest = this.highestPending.get(stream);
    this.highestPending.set(stream, envelope.sequence);
    // The usual case, a sequence above every pending one of its stream, needs no scan of what is pending.
    if (highest === undefined || envelope.sequence > highest) return;
    const stale = (e: EventEnvelope): boolean => e.sequence_stream === stream && e.sequence >= envelope.sequence;
    const kept = this.pending.filter((e) => !stale(e));
    this.pending.splice(0, this.pending.length, ...kept);
  }

  /** Appends what is still queued and waits for appends the caller did not await, so none straddles the commit. */
  async settle(tx: Queryable): Promise<void> {
    await this.flushQueued(tx);
    await Promise.all(this.detached);
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }
}

/**
 * The transaction object a bus transaction hands out: the store's transaction, plus knowledge of its EmitScope (so
 * `bus.emit(tx, ...)` finds it) and of savepoints that rolled back (their appends are gone from the log).
 */
export class TrackedTransaction implements Transaction, PreparedQueryable {
  constructor(
    private readonly inner: Transaction,
    readonly scope: EmitScope,
  ) {}

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.inner.query<R>(sql, params);
  }

  /** A named prepared statement when the store's transaction has them (both built-in drivers), else a plain query. */
  queryPrepared<R = Record<string, unknown>>(name: string, sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    return queryPrepared<R>(this.inner, name, sql, params);
  }

  /**
   * A savepoint. Events queued before it are appended first (they must survive its rollback); events queued inside it
   * are appended before it is released, or dropped with it when it rolls back.
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    try {
      await this.scope.flushQueued(this.inner);
      return await this.inner.transaction(async (savepoint) => {
        const value = await fn(new TrackedTransaction(savepoint, this.scope));
        await this.scope.flushQueued(savepoint);
        return value;
      });
    } catch (err) {
      this.scope.queued = [];
      this.scope.mustVerify = true;
      throw err;
    }
  }
}

/** Drops pending envelopes whose rows are no longer in the log (rolled back with a savepoint). Runs inside the transaction. */
export async function verifyPending(tx: Transaction, scope: EmitScope): Promise<void> {
  if (!scope.mustVerify || scope.pending.length === 0) return;
  const ids = scope.pending.map((e) => e.event_id);
  const { rows } = await tx.query<{ event_id: string }>(
    "SELECT event_id::text AS event_id FROM ark_event_log WHERE event_id = ANY($1::uuid[])",
    [ids],
  );
  const present = new Set(rows.map((r) => r.event_id));
  const kept = scope.pending.filter((e) => present.has(e.event_id));
  scope.pending.splice(0, scope.pending.length, ...kept);
}
