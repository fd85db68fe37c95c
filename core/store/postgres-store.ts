import pg from "pg";
import type { Logger } from "pino";
import { errorMessage, isArkError } from "../errors/index.js";
import { assertChannelName } from "./channel-name.js";
import { connectionSession, runTransaction, type RawQuery } from "./connection-transaction.js";
import { PostgresListener } from "./postgres-listener.js";
import type { PreparedQueryable } from "./prepared-query.js";
import { describePostgresUrl, redactPostgresUrl, type PostgresTarget } from "./postgres-url.js";
import {
  closedError, isConnectionError, isPoolExhausted, poolExhaustedError, queryError, UNDEFINED_PREPARED_STATEMENT, unreachableError,
} from "./store-errors.js";
import type { QueryResult, StoreHealth, Transaction } from "./store-port.js";
import type { SessionStore, StoreSession } from "./store-session.js";
import { pgTypeParsers } from "./type-parity.js";

/** How to reach a PostgreSQL server. */
export interface PostgresStoreOptions {
  readonly url: string;
  readonly poolMax: number;
  readonly statementTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly applicationName: string;
  readonly logger?: Logger;
}

function toQueryResult<R>(result: pg.QueryResult | pg.QueryResult[]): QueryResult<R> {
  // Several statements without parameters answer one result each; like PGlite's exec, keep the last.
  const last = Array.isArray(result) ? result.at(-1) : result;
  if (!last) return { rows: [], rowCount: 0 };
  return { rows: last.rows as R[], rowCount: last.rowCount ?? last.rows.length };
}

/** The part of a `pg` connection that remembers which named statements the server has parsed. */
interface PreparedStatementCache {
  readonly connection?: { parsedStatements?: Record<string, string>; submittedNamedStatements?: Record<string, string> };
}

/**
 * Makes `client` prepare statement `name` again on its next run. `pg` remembers every statement it parsed and never
 * learns that DEALLOCATE or DISCARD ALL (a pooler's reset query, say) dropped it, so without this every later run of
 * that statement on that connection would fail with 26000.
 */
function forgetPreparedStatement(client: pg.PoolClient, name: string): void {
  const { connection } = client as unknown as PreparedStatementCache;
  if (connection?.parsedStatements) delete connection.parsedStatements[name];
  if (connection?.submittedNamedStatements) delete connection.submittedNamedStatements[name];
}

/** A pooled client checked out by the store, and how to hand it back. */
interface HeldClient {
  readonly client: pg.PoolClient;
  /** Makes release() destroy the client instead of returning it to the pool. */
  markBroken(): void;
  release(): void;
}

/** The server driver: a `pg` Pool, plus one dedicated client for LISTEN. */
export class PostgresStore implements SessionStore, PreparedQueryable {
  readonly driver = "postgres" as const;
  readonly target: PostgresTarget;
  private readonly pool: pg.Pool;
  private readonly listener: PostgresListener;
  private closing: Promise<void> | undefined;

  /** Opens the pool and checks one connection, so an unreachable server fails here (within connectTimeoutMs). */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      const client = await store.connect();
      client.release();
    } catch (err) {
      await store.close();
      throw err;
    }
    options.logger?.info({ driver: "postgres", url: redactPostgresUrl(options.url), poolMax: options.poolMax }, "store opened");
    return store;
  }

  private constructor(private readonly options: PostgresStoreOptions) {
    this.target = describePostgresUrl(options.url);
    const clientConfig: pg.ClientConfig = {
      connectionString: options.url,
      connectionTimeoutMillis: options.connectTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
      application_name: options.applicationName,
      types: pgTypeParsers as pg.CustomTypesConfig,
    };
    this.pool = new pg.Pool({ ...clientConfig, max: options.poolMax });
    // An idle client that loses its server emits here; without a listener Node would crash the process.
    this.pool.on("error", (err) => options.logger?.warn({ err }, "idle database connection failed; the pool replaces it"));
    this.listener = new PostgresListener(clientConfig, (err) => this.unreachable(err), options.logger);
  }

  private unreachable(err: unknown): Error {
    return unreachableError(err, this.target, this.options.connectTimeoutMs);
  }

  private mapError(err: unknown, sql: string): Error {
    if (isPoolExhausted(err)) return poolExhaustedError(err, this.options.poolMax, this.options.connectTimeoutMs);
    return isConnectionError(err) ? this.unreachable(err) : queryError(err, sql, this.options.statementTimeoutMs);
  }

  private async connect(): Promise<pg.PoolClient> {
    if (this.closing) throw closedError("postgres");
    try {
      return await this.pool.connect();
    } catch (err) {
      throw isPoolExhausted(err) ? poolExhaustedError(err, this.options.poolMax, this.options.connectTimeoutMs) : this.unreachable(err);
    }
  }

  private rawOn(client: pg.PoolClient): RawQuery {
    return async <R>(sql: string, params?: readonly unknown[], name?: string) => {
      try {
        const values = params as unknown[] | undefined;
        return toQueryResult<R>(await (name ? client.query({ name, text: sql, values }) : client.query(sql, values)));
      } catch (err) {
        throw name ? this.preparedError(err, sql, client, name) : this.mapError(err, sql);
      }
    };
  }

  async query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    if (this.closing) throw closedError("postgres");
    try {
      return toQueryResult<R>(await this.pool.query(sql, params as unknown[] | undefined));
    } catch (err) {
      throw this.mapError(err, sql);
    }
  }

  /** Holds a client for the call (as pool.query would) so that a statement the server dropped can be forgotten on it. */
  async queryPrepared<R = Record<string, unknown>>(name: string, sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    const held = await this.checkout();
    try {
      return toQueryResult<R>(await held.client.query({ name, text: sql, values: params as unknown[] }));
    } catch (err) {
      if (isConnectionError(err)) held.markBroken();
      throw this.preparedError(err, sql, held.client, name);
    } finally {
      held.release();
    }
  }

  private preparedError(err: unknown, sql: string, client: pg.PoolClient, name: string): Error {
    const error = this.mapError(err, sql);
    if (isArkError(error) && error.details.sqlstate === UNDEFINED_PREPARED_STATEMENT) forgetPreparedStatement(client, name);
    return error;
  }

  /**
   * Checks a client out of the pool for one call, transaction or session. While it is held, an `error` the client
   * emits (its server ended the connection between two statements: a killed backend, idle_in_transaction_session_timeout)
   * marks it broken instead of going unhandled and ending the process; a broken client is destroyed on release.
   */
  private async checkout(): Promise<HeldClient> {
    const client = await this.connect();
    let broken = false;
    const onError = (err: Error): void => {
      broken = true;
      this.options.logger?.warn({ err }, "a database connection in use failed; the pool replaces it");
    };
    client.on("error", onError);
    return {
      client,
      markBroken: () => {
        broken = true;
      },
      release: () => {
        client.removeListener("error", onError);
        client.release(broken);
      },
    };
  }

  /** Runs `fn` with one pooled client held; a client whose connection broke is destroyed, not reused. */
  private async withClient<T>(fn: (raw: RawQuery, markBroken: () => void) => Promise<T>): Promise<T> {
    const held = await this.checkout();
    try {
      return await fn(this.rawOn(held.client), held.markBroken);
    } catch (err) {
      if (isConnectionError(err) || isArkError(err, "ARK_STORE_UNREACHABLE")) held.markBroken();
      throw err;
    } finally {
      held.release();
    }
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.withClient((raw, markBroken) => runTransaction(raw, fn, { onRollbackFailed: markBroken }));
  }

  withSession<T>(fn: (session: StoreSession) => Promise<T>): Promise<T> {
    return this.withClient(async (raw, markBroken) => {
      const { session, finish } = connectionSession(raw, { onRollbackFailed: markBroken });
      try {
        return await fn(session);
      } finally {
        finish();
      }
    });
  }

  async listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>> {
    assertChannelName(channel);
    if (this.closing) throw closedError("postgres");
    return this.listener.listen(channel, handler);
  }

  async notify(channel: string, payload: string): Promise<void> {
    assertChannelName(channel);
    await this.query("SELECT pg_notify($1, $2)", [channel, payload]);
  }

  async health(): Promise<StoreHealth> {
    const where = `${this.target.host}:${this.target.port}/${this.target.database}`;
    if (this.closing) return { ok: false, driver: "postgres", latencyMs: 0, detail: `${where}: closed` };
    const started = performance.now();
    try {
      await this.query("SELECT 1");
      const { totalCount, idleCount, waitingCount } = this.pool;
      return {
        ok: true, driver: "postgres", latencyMs: performance.now() - started,
        detail: `${where} (pool: ${totalCount} open, ${idleCount} idle, ${waitingCount} waiting)`,
      };
    } catch (err) {
      return { ok: false, driver: "postgres", latencyMs: performance.now() - started, detail: `${where}: ${errorMessage(err)}` };
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.listener.close();
      await this.pool.end();
      this.options.logger?.info({ driver: "postgres" }, "store closed");
    })();
    return this.closing;
  }
}
