/** Rows and count of one statement. */
export interface QueryResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

/** Anything that runs SQL: the store itself or an open transaction. Same SQL text on every driver. */
export interface Queryable {
  /** Runs one statement with `$1..$n` parameters. jsonb parameters must be passed JSON.stringify-ed. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

/** An open transaction; `transaction` inside it opens a savepoint. */
export interface Transaction extends Queryable {
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
}

/** Result of a store health check. */
export interface StoreHealth {
  readonly ok: boolean;
  readonly driver: StoreDriverName;
  readonly latencyMs: number;
  readonly detail?: string;
}

/** The two drivers behind the one port. */
export type StoreDriverName = "postgres" | "pglite";

/** The store port: everything ARK remembers goes through it. */
export interface Store extends Queryable {
  readonly driver: StoreDriverName;
  /** Runs `fn` in a transaction (BEGIN/COMMIT, ROLLBACK on throw). Nested calls on `tx` use savepoints. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** LISTEN on a channel; returns an unsubscribe function. */
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  /** NOTIFY a channel (delivered after the surrounding transaction commits, as PostgreSQL does). */
  notify(channel: string, payload: string): Promise<void>;
  health(): Promise<StoreHealth>;
  /** Closes connections; idempotent. */
  close(): Promise<void>;
}
