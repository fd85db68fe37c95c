import type { Queryable, Store, Transaction } from "./store-port.js";

/** One held connection outside any transaction: session state (advisory locks, SET) lasts between its statements. */
export interface StoreSession extends Queryable {
  /** BEGIN/COMMIT on this same connection; nested calls on `tx` use savepoints. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
}

/** A store that can lend one connection for a while (both built-in drivers can); used by the migrator's lock. */
export interface SessionStore extends Store {
  /** Runs `fn` with one connection to itself; on PGlite nothing else runs meanwhile. */
  withSession<T>(fn: (session: StoreSession) => Promise<T>): Promise<T>;
}

/** True when the store can lend a single connection (see SessionStore). */
export function supportsSessions(store: Store): store is SessionStore {
  return typeof (store as Partial<SessionStore>).withSession === "function";
}
