import { ArkError } from "../errors/index.js";
import type { QueryResult, Transaction } from "./store-port.js";
import type { PreparedQueryable } from "./prepared-query.js";
import type { StoreSession } from "./store-session.js";

/** Runs one statement on one held connection (as prepared statement `name` when given); errors are already ArkErrors. */
export type RawQuery = <R = Record<string, unknown>>(sql: string, params?: readonly unknown[], name?: string) => Promise<QueryResult<R>>;

/** Hooks a driver passes to learn that its connection may be left in a bad state. */
export interface TransactionHooks {
  /** ROLLBACK itself failed (connection lost): the connection must not be reused. */
  onRollbackFailed?(err: unknown): void;
}

/** A transaction or savepoint on one held connection; unusable once its callback has returned. */
class ConnectionTransaction implements Transaction, PreparedQueryable {
  private finished = false;

  constructor(
    private readonly raw: RawQuery,
    private readonly savepoints: { next: number },
    private readonly hooks: TransactionHooks,
  ) {}

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    if (this.finished) return Promise.reject(finishedError());
    return this.raw<R>(sql, params);
  }

  queryPrepared<R = Record<string, unknown>>(name: string, sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    if (this.finished) return Promise.reject(finishedError());
    return this.raw<R>(sql, params, name);
  }

  /** A nested transaction: SAVEPOINT, RELEASE on success, ROLLBACK TO SAVEPOINT on throw (only the inner part). */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    if (this.finished) throw finishedError();
    const name = `ark_sp_${++this.savepoints.next}`;
    await this.raw(`SAVEPOINT ${name}`);
    const inner = new ConnectionTransaction(this.raw, this.savepoints, this.hooks);
    try {
      const result = await fn(inner);
      inner.finish();
      await this.raw(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      inner.finish();
      await rollbackQuietly(this.raw, `ROLLBACK TO SAVEPOINT ${name}`, this.hooks);
      throw err;
    }
  }

  finish(): void {
    this.finished = true;
  }
}

function finishedError(): ArkError {
  return new ArkError(
    "ARK_STORE_TRANSACTION_FINISHED",
    "This transaction (or session) already ended; a query on its object ran after its callback returned.",
  );
}

async function rollbackQuietly(raw: RawQuery, sql: string, hooks: TransactionHooks): Promise<void> {
  try {
    await raw(sql);
  } catch (err) {
    // The caller's own error is the one worth throwing; the driver only needs to know the connection is suspect.
    hooks.onRollbackFailed?.(err);
  }
}

/**
 * The statements of one connection, one at a time in call order, whatever the caller awaits: a caller may issue the
 * next statement before the previous one answered (the flow engine writes large batches in parts so), and it is sent
 * the moment the previous reply is in — before that reply reaches the caller — so the database works on it while the
 * caller handles the reply. Neither driver may be given a second statement while one runs (pg deprecates queueing
 * them; PGlite would mix up their replies).
 */
export function oneAtATime(raw: RawQuery): RawQuery {
  const waiting: (() => void)[] = [];
  let busy = false;
  const startNext = (): void => {
    const start = waiting.shift();
    if (start) start();
    else busy = false;
  };
  return <R>(sql: string, params?: readonly unknown[], name?: string) =>
    new Promise<QueryResult<R>>((resolve, reject) => {
      const start = (): void => {
        raw<R>(sql, params, name).then(
          (result) => {
            startNext();
            resolve(result);
          },
          (err: unknown) => {
            startNext();
            reject(err);
          },
        );
      };
      if (busy) waiting.push(start);
      else {
        busy = true;
        start();
      }
    });
}

/** Runs `fn` between BEGIN and COMMIT on one held connection; ROLLBACK when `fn` (or COMMIT) throws. */
export async function runTransaction<T>(connection: RawQuery, fn: (tx: Transaction) => Promise<T>, hooks: TransactionHooks = {}): Promise<T> {
  const raw = oneAtATime(connection);
  await raw("BEGIN");
  const tx = new ConnectionTransaction(raw, { next: 0 }, hooks);
  try {
    const result = await fn(tx);
    tx.finish();
    await raw("COMMIT");
    return result;
  } catch (err) {
    tx.finish();
    await rollbackQuietly(raw, "ROLLBACK", hooks);
    throw err;
  }
}

/** A session on one held connection; `finish()` makes it refuse further use once the connection is handed back. */
export function connectionSession(raw: RawQuery, hooks: TransactionHooks = {}): { session: StoreSession & PreparedQueryable; finish(): void } {
  let finished = false;
  const serial = oneAtATime(raw);
  const guarded: RawQuery = (sql, params, name) => (finished ? Promise.reject(finishedError()) : serial(sql, params, name));
  return {
    session: {
      query: (sql, params) => guarded(sql, params),
      queryPrepared: (name, sql, params) => guarded(sql, params, name),
      transaction: (fn) => runTransaction(guarded, fn, hooks),
    },
    finish: () => {
      finished = true;
    },
  };
}
