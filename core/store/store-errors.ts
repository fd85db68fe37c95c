import { ArkError, errorMessage } from "../errors/index.js";
import type { PostgresTarget } from "./postgres-url.js";

/** Socket-level failures: the server cannot be reached at all. */
const NETWORK_ERRNOS = new Set([
  "ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNRESET", "EAI_AGAIN", "EPIPE",
]);

/** SQLSTATEs a server answers at connect time, with what the operator should check. */
const CONNECT_SQLSTATE_ADVICE: Readonly<Record<string, string>> = {
  "28P01": "check the user name and password in store.url / ARK_DATABASE_URL",
  "28000": "check that this user exists and may connect to this database (pg_hba.conf)",
  "3D000": "check the database name in the URL, or create the database (createdb)",
  "57P03": "the server is starting up or shutting down; wait and retry",
  "53300": "the server has too many connections; lower store.poolMax or raise max_connections",
  "08001": "check the host and port",
  "08006": "check the host and port, and that the server is running",
  "57P01": "the server was shut down by an administrator; check that it is running",
};

const CONNECTION_LOST_MESSAGES = [
  "connection terminated",
  "timeout exceeded when trying to connect",
  "connection timeout",
  "connection ended",
  "client has encountered a connection error",
];

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** True when `err` means the database could not be reached (or the connection dropped), not that a statement failed. */
export function isConnectionError(err: unknown): boolean {
  const code = errorCode(err);
  if (code && (NETWORK_ERRNOS.has(code) || code in CONNECT_SQLSTATE_ADVICE)) return true;
  if (err instanceof AggregateError) return err.errors.some(isConnectionError);
  const message = errorMessage(err).toLowerCase();
  return CONNECTION_LOST_MESSAGES.some((m) => message.includes(m));
}

/** ARK_STORE_UNREACHABLE naming host:port/database and what to check. */
export function unreachableError(err: unknown, target: PostgresTarget, connectTimeoutMs: number): ArkError {
  const code = errorCode(err);
  const where = `${target.host}:${target.port}/${target.database}`;
  const advice = (code && CONNECT_SQLSTATE_ADVICE[code]) ??
    `check that PostgreSQL is running and accepts TCP connections on ${target.host}:${target.port}, ` +
      "that the host name resolves, and that store.url / ARK_DATABASE_URL is right";
  return new ArkError(
    "ARK_STORE_UNREACHABLE",
    `Cannot connect to PostgreSQL at ${where} as ${target.user} (${errorMessage(err) || code || "no answer"}; ` +
      `connect timeout ${connectTimeoutMs} ms): ${advice}.`,
    { details: { host: target.host, port: target.port, database: target.database, user: target.user, code, connectTimeoutMs }, cause: err },
  );
}

/** The first ~200 characters of a statement, for messages (parameters are never included: they may be secrets). */
export function sqlExcerpt(sql: string): string {
  const flat = sql.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

/** SQLSTATE of running a prepared statement the server does not know (DEALLOCATE or DISCARD ALL ran on that connection). */
export const UNDEFINED_PREPARED_STATEMENT = "26000";

/**
 * Data exceptions (SQLSTATE class 22) a value itself causes, with what is wrong with it: the statement is sound, the
 * value does not fit the column. They come from input no validation caught, so they are the caller's to fix.
 */
const VALUE_SQLSTATES: Readonly<Record<string, string>> = {
  "22001": "a text is longer than its column allows",
  "22003": "a number is out of range for its column",
  "22007": "a date or time is not in a valid format",
  "22008": "a date or time is out of range",
  "22021": "a text contains a NUL character (U+0000), which PostgreSQL cannot store",
  "22P05": "a JSON value contains a NUL character (\\u0000), which PostgreSQL cannot store",
  "2201W": "a LIMIT must not be negative",
  "2201X": "an OFFSET must not be negative",
};

/** Maps a failed statement to ARK_STORE_TIMEOUT, ARK_STORE_VALUE_INVALID or ARK_STORE_QUERY_FAILED (SQLSTATE in details, cause kept). */
export function queryError(err: unknown, sql: string, statementTimeoutMs?: number): ArkError {
  if (err instanceof ArkError) return err;
  const sqlstate = errorCode(err);
  const message = errorMessage(err);
  const excerpt = sqlExcerpt(sql);
  if (sqlstate === "57014" && /statement timeout/i.test(message)) {
    return new ArkError(
      "ARK_STORE_TIMEOUT",
      `Statement cancelled after the ${statementTimeoutMs ?? "configured"} ms statement timeout: ${excerpt}`,
      { details: { sqlstate, statementTimeoutMs, sql: excerpt }, cause: err },
    );
  }
  const pgFields = err as { detail?: string; hint?: string; constraint?: string; table?: string; column?: string };
  const valueProblem = sqlstate ? VALUE_SQLSTATES[sqlstate] : undefined;
  if (valueProblem) {
    return new ArkError("ARK_STORE_VALUE_INVALID", `A value cannot be stored: ${valueProblem} (${sqlstate}: ${message}).`, {
      details: { sqlstate, sql: excerpt, ...(pgFields.column ? { column: pgFields.column } : {}) },
      cause: err,
    });
  }
  return new ArkError("ARK_STORE_QUERY_FAILED", `Query failed (${sqlstate ?? "no SQLSTATE"}): ${message} — in: ${excerpt}`, {
    details: {
      sqlstate,
      sql: excerpt,
      ...(pgFields.detail ? { detail: pgFields.detail } : {}),
      ...(pgFields.hint ? { hint: pgFields.hint } : {}),
      ...(pgFields.constraint ? { constraint: pgFields.constraint } : {}),
      ...(pgFields.table ? { table: pgFields.table } : {}),
      ...(pgFields.column ? { column: pgFields.column } : {}),
    },
    cause: err,
  });
}

/** pg-pool's message when a caller waited connectTimeoutMs for a pooled connection (every one busy). */
export function isPoolExhausted(err: unknown): boolean {
  return errorMessage(err).toLowerCase().includes("timeout exceeded when trying to connect");
}

/** ARK_STORE_TIMEOUT for a caller that found every pooled connection busy for connectTimeoutMs. */
export function poolExhaustedError(err: unknown, poolMax: number, connectTimeoutMs: number): ArkError {
  return new ArkError(
    "ARK_STORE_TIMEOUT",
    `No free database connection within ${connectTimeoutMs} ms: all ${poolMax} pooled connections stayed busy. ` +
      "Raise store.poolMax, or look for long transactions (pg_stat_activity).",
    { details: { poolMax, connectTimeoutMs }, cause: err },
  );
}

/** ARK_STORE_CLOSED for a call after close(). */
export function closedError(driver: string): ArkError {
  return new ArkError("ARK_STORE_CLOSED", `The ${driver} store is closed; no more queries can run on it.`, { details: { driver } });
}
