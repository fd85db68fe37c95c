import type { Queryable, QueryResult } from "./store-port.js";

/**
 * A Queryable that can run a named prepared statement: parsed and planned once per connection instead of on every
 * call (on PostgreSQL that is most of the cost of a complex statement). Both built-in drivers, their transactions and
 * sessions have it; on PGlite it also turns six calls into the WASM backend into one (see PgliteStore.rawPrepared).
 */
export interface PreparedQueryable extends Queryable {
  /** `name` must always come with the same `sql` (pick a name per statement, e.g. `ark_idempotency_claim`). */
  queryPrepared<R = Record<string, unknown>>(name: string, sql: string, params: readonly unknown[]): Promise<QueryResult<R>>;
}

/** Runs `sql` as prepared statement `name` when `db` supports it, else as a plain query. */
export function queryPrepared<R = Record<string, unknown>>(
  db: Queryable,
  name: string,
  sql: string,
  params: readonly unknown[],
): Promise<QueryResult<R>> {
  const prepared = db as Partial<PreparedQueryable>;
  return typeof prepared.queryPrepared === "function" ? prepared.queryPrepared<R>(name, sql, params) : db.query<R>(sql, params);
}
