import { AsyncLocalStorage } from "node:async_hooks";
import { existsSync } from "node:fs";
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGlite, parse as pgliteParse, protocol, type Results } from "@electric-sql/pglite";
import pg from "pg";
import type { Logger } from "pino";
import { ArkError, errorMessage, isArkError } from "../errors/index.js";
import { AsyncMutex } from "./async-mutex.js";
import { assertChannelName } from "./channel-name.js";
import { connectionSession, runTransaction, type RawQuery } from "./connection-transaction.js";
import { acquireDataDirLock, type DataDirLock } from "./pglite-data-dir-lock.js";
import type { PreparedQueryable } from "./prepared-query.js";
import { closedError, queryError, UNDEFINED_PREPARED_STATEMENT } from "./store-errors.js";
import type { QueryResult, StoreHealth, Transaction } from "./store-port.js";
import type { SessionStore, StoreSession } from "./store-session.js";
import { pgliteTypeParsers } from "./type-parity.js";

/** Marks the async context of one exclusive section; `active` goes false when the section ends. */
interface ExclusiveSection {
  active: boolean;
}

/** Everything that belongs to one PGlite instance, shared by every store wrapping it. */
interface PgliteConnection {
  readonly db: PGlite;
  /** PGlite is one connection: a transaction must not interleave with anything else. */
  readonly mutex: AsyncMutex;
  readonly section: AsyncLocalStorage<ExclusiveSection>;
  /** Named statements prepared on this connection, name → SQL (a name always carries the same SQL, as with pg). */
  readonly prepared: Map<string, string>;
  /**
   * Each prepared statement's row description (null: it returns no rows), from its first execution. A statement's
   * result type cannot change while it stays prepared (PostgreSQL refuses to execute it instead), so later executions
   * skip Describe and reuse this: on PGlite that is about a fifth of a small prepared statement's cost.
   */
  readonly descriptions: Map<string, RowDescription | null>;
}

/** A message of PGlite's protocol parser (the package does not export the type by name). */
type BackendMessage = Parameters<typeof pgliteParse.parseResults>[0][number];
/** The message describing a result's columns. */
type RowDescription = BackendMessage & { name: "rowDescription" };

const connections = new WeakMap<PGlite, PgliteConnection>();

/** pg's parameter serialisation (exported at runtime as pg.utils, missing from @types/pg). */
const prepareValue = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils.prepareValue;

function connectionFor(db: PGlite): PgliteConnection {
  let connection = connections.get(db);
  if (!connection) {
    connection = { db, mutex: new AsyncMutex(), section: new AsyncLocalStorage(), prepared: new Map(), descriptions: new Map() };
    connections.set(db, connection);
  }
  return connection;
}

function forgetStatement(connection: PgliteConnection, name: string): void {
  connection.prepared.delete(name);
  connection.descriptions.delete(name);
}

/** Keeps the row description (or "no rows") a Describe answered with, when it got that far. */
function rememberDescription(descriptions: Map<string, RowDescription | null>, name: string, messages: readonly BackendMessage[]): void {
  for (const message of messages) {
    if (message.name === "rowDescription") return void descriptions.set(name, message as RowDescription);
    if (message.name === "noData") return void descriptions.set(name, null);
  }
}

function toQueryResult<R>(result: Results<R> | undefined): QueryResult<R> {
  if (!result) return { rows: [], rowCount: 0 };
  return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length };
}

/** Options for a PgliteStore. */
export interface PgliteStoreOptions {
  readonly logger?: Logger;
  /** Whether close() closes the PGlite instance (false for a shared instance the caller owns). */
  readonly ownsDatabase?: boolean;
  readonly lock?: DataDirLock | null;
  /** Where the data lives, for health and messages. */
  readonly label?: string;
}

/**
 * Env variable naming a PGlite data-dir dump (`dumpDataDir`) that new databases start from instead of an empty cluster:
 * every in-memory one, and a data dir that holds no cluster yet. The test suite points it at a dump with the core
 * migrations applied: loading it takes well under half the time of creating a cluster (initdb, about 5 s on a data
 * dir) and skips those migrations too.
 */
export const PGLITE_TEMPLATE_ENV = "ARK_PGLITE_TEMPLATE";

/** The template dump named by ARK_PGLITE_TEMPLATE, if any; a missing or unreadable file is ignored (a plain initdb). */
async function templateDump(): Promise<Blob | undefined> {
  const file = process.env[PGLITE_TEMPLATE_ENV];
  if (!file) return undefined;
  try {
    return new Blob([await readFile(file)]);
  } catch {
    return undefined;
  }
}

/** True when the folder holds no cluster yet (initdb writes PG_VERSION first). */
function holdsNoCluster(dataDir: string): boolean {
  return !existsSync(join(dataDir, "PG_VERSION"));
}

/**
 * Refuses a data dir that is, or lies under, something other than a folder (a file, say): the operator gets the resolved
 * path and what is wrong with it, instead of an EEXIST/ENOTDIR from mkdir.
 */
async function assertDataDirPath(dataDir: string): Promise<void> {
  // The nearest path that exists, walking up from the data dir, must be a folder (missing ones are created).
  for (let at = dataDir; ; at = dirname(at)) {
    const info = await stat(at).catch(() => null);
    if (info?.isDirectory()) return;
    if (info) {
      const what = at === dataDir ? "it is a file, not a folder" : `${at} is a file, not a folder, so the data dir cannot be created under it`;
      throw new ArkError("ARK_STORE_DATA_DIR_INVALID", `The PGlite data dir ${dataDir} (store.dataDir) is not usable: ${what}.`, {
        details: { driver: "pglite", dataDir, notAFolder: at },
      });
    }
    if (dirname(at) === at) return;
  }
}

/** The embedded driver: PGlite (PostgreSQL in WASM, in-process, one connection). */
export class PgliteStore implements SessionStore, PreparedQueryable {
  readonly driver = "pglite" as const;
  private readonly connection: PgliteConnection;
  private readonly unsubscribers = new Set<() => Promise<void>>();
  private closing: Promise<void> | undefined;

  /**
   * Opens (creating if needed) the data dir, or an in-memory database when `dataDir` is null. A relative `dataDir` is
   * taken against the cwd here: callers resolve config paths first (resolveStoreConfig, against the config file's folder).
   */
  static async open(options: { dataDir: string | null; logger?: Logger }): Promise<PgliteStore> {
    const dataDir = options.dataDir === null ? null : resolve(options.dataDir);
    const { logger } = options;
    let lock: DataDirLock | null = null;
    try {
      if (dataDir !== null) {
        await assertDataDirPath(dataDir);
        lock = await acquireDataDirLock(dataDir);
        await mkdir(dataDir, { recursive: true });
      }
      // pgvector is loaded lazily (only on CREATE EXTENSION), so offering it costs nothing until a plugin uses vectors.
      const template = dataDir === null || holdsNoCluster(dataDir) ? await templateDump() : undefined;
      const db = await PGlite.create({
        dataDir: dataDir ?? undefined, parsers: pgliteTypeParsers, extensions: { vector },
        ...(template ? { loadDataDir: template } : {}),
      });
      const label = dataDir ?? "in-memory";
      logger?.info({ driver: "pglite", dataDir: label }, "store opened");
      return new PgliteStore(db, { logger, ownsDatabase: true, lock, label });
    } catch (err) {
      await lock?.release();
      if (isArkError(err)) throw err;
      throw new ArkError(
        "ARK_STORE_UNREACHABLE",
        `Cannot open the PGlite database ${dataDir === null ? "in memory" : `in ${dataDir}`}: ${errorMessage(err)}. ` +
          "Check that the folder is writable and holds a PGlite data dir (or is empty).",
        { details: { driver: "pglite", dataDir }, cause: err },
      );
    }
  }

  /** Wraps a PGlite instance the caller already opened (created with `pgliteTypeParsers` for type parity). */
  constructor(db: PGlite, private readonly options: PgliteStoreOptions = {}) {
    this.connection = connectionFor(db);
  }

  /** The PGlite instance (for tests and dumps). */
  get db(): PGlite {
    return this.connection.db;
  }

  private readonly raw: RawQuery = async <R>(sql: string, params?: readonly unknown[], name?: string) => {
    const { db } = this.connection;
    if (name !== undefined && params && params.length > 0) return this.rawPrepared<R>(name, sql, params);
    try {
      if (!params || params.length === 0) {
        // Same as pg: no parameters → simple protocol, several statements allowed, the last one's rows returned.
        return toQueryResult((await db.exec(sql)).at(-1) as Results<R> | undefined);
      }
      // pg's own serialisation, so a parameter behaves the same on both drivers (a JS array is a PG array, not JSON).
      return toQueryResult(await db.query<R>(sql, params.map((p) => prepareValue(p))));
    } catch (err) {
      throw queryError(err, sql);
    }
  };

  /**
   * Runs `sql` as named statement `name`: Parse and Describe on its first execution, then Bind/Execute/Sync as one
   * protocol message with the remembered row description, so a repeat costs one call into PGlite and no parse, plan or
   * describe (db.query makes six calls and parses every time).
   */
  private async rawPrepared<R>(name: string, sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    const { db, prepared, descriptions } = this.connection;
    const { serialize } = protocol;
    const known = prepared.get(name);
    if (known !== undefined && known !== sql) {
      throw new ArkError("ARK_INTERNAL", `Prepared statement name "${name}" is used for two different statements.`, { details: { name } });
    }
    const description = known === undefined ? undefined : descriptions.get(name);
    const parts = known === undefined ? [serialize.parse({ name, text: sql })] : [];
    parts.push(serialize.bind({ statement: name, values: params.map((p) => prepareValue(p)) as (string | null)[] }));
    if (description === undefined) parts.push(serialize.describe({ type: "P" }));
    parts.push(serialize.execute({}), serialize.sync());
    const messages = await db.execProtocolStream(Buffer.concat(parts), { throwOnError: false });
    if (messages.some((m) => m.name === "parseComplete")) prepared.set(name, sql);
    if (description === undefined) rememberDescription(descriptions, name, messages);
    const failure = messages.find((m) => m.name === "error");
    if (failure) {
      const error = queryError(failure, sql);
      // Someone ran DEALLOCATE or DISCARD ALL through the store: forget the statement, so the next call prepares it again.
      if (error.details.sqlstate === UNDEFINED_PREPARED_STATEMENT) forgetStatement(this.connection, name);
      throw error;
    }
    const described = description ? [description, ...messages] : messages;
    return toQueryResult(pgliteParse.parseResults(described, db.parsers)[0] as Results<R> | undefined);
  }

  private enter(): void {
    if (this.closing) throw closedError("pglite");
    if (this.connection.section.getStore()?.active) {
      throw new ArkError(
        "ARK_STORE_REENTRANT",
        "A store call was made inside store.transaction() (or a session) on PGlite; use the transaction's `tx` argument instead.",
      );
    }
  }

  /** Runs `fn` with the connection to itself, marking the async context so reentrant calls fail instead of hanging. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const { mutex, section } = this.connection;
    return mutex.runExclusive(async () => {
      const marker: ExclusiveSection = { active: true };
      try {
        return await section.run(marker, fn);
      } finally {
        marker.active = false;
      }
    });
  }

  async query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    this.enter();
    return this.connection.mutex.runExclusive(() => this.raw<R>(sql, params));
  }

  async queryPrepared<R = Record<string, unknown>>(name: string, sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    this.enter();
    return this.connection.mutex.runExclusive(() => this.raw<R>(sql, params, name));
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    this.enter();
    return this.exclusive(() => runTransaction(this.raw, fn));
  }

  async withSession<T>(fn: (session: StoreSession) => Promise<T>): Promise<T> {
    this.enter();
    return this.exclusive(async () => {
      const { session, finish } = connectionSession(this.raw);
      try {
        return await fn(session);
      } finally {
        finish();
      }
    });
  }

  async listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>> {
    assertChannelName(channel);
    this.enter();
    const { section, mutex, db } = this.connection;
    const deliver = (payload: string): void =>
      section.exit(() => {
        try {
          handler(payload);
        } catch (err) {
          this.options.logger?.error({ err, channel }, "LISTEN handler threw");
        }
      });
    const unlisten = await mutex.runExclusive(() => db.listen(channel, deliver));
    let done = false;
    const unsubscribe = async (): Promise<void> => {
      if (done) return;
      done = true;
      this.unsubscribers.delete(unsubscribe);
      if (!db.closed) await mutex.runExclusive(() => unlisten());
    };
    this.unsubscribers.add(unsubscribe);
    return unsubscribe;
  }

  async notify(channel: string, payload: string): Promise<void> {
    assertChannelName(channel);
    await this.query("SELECT pg_notify($1, $2)", [channel, payload]);
  }

  async health(): Promise<StoreHealth> {
    const started = performance.now();
    const detail = this.options.label ?? "pglite";
    if (this.closing) return { ok: false, driver: "pglite", latencyMs: 0, detail: `${detail}: closed` };
    try {
      await this.query("SELECT 1");
      return { ok: true, driver: "pglite", latencyMs: performance.now() - started, detail };
    } catch (err) {
      return { ok: false, driver: "pglite", latencyMs: performance.now() - started, detail: `${detail}: ${errorMessage(err)}` };
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const unsubscribe of [...this.unsubscribers]) await unsubscribe().catch(() => undefined);
      if (this.options.ownsDatabase) {
        await this.connection.mutex.runExclusive(() => this.connection.db.close());
        await this.options.lock?.release();
        this.options.logger?.info({ driver: "pglite" }, "store closed");
      }
    })();
    return this.closing;
  }
}
