import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { ArkError, isArkError } from "../errors/index.js";
import { queryPrepared } from "../store/prepared-query.js";
import type { Queryable } from "../store/store-port.js";
import type { IdempotencyClaim, IdempotencyLedger } from "./idempotency-port.js";

/** Default lifetime of a claim and of the result recorded for it. */
export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
const MAX_TTL_SECONDS = 10 * 365 * 24 * 60 * 60;
const MAX_SCOPE_BYTES = 256;
const MAX_KEY_BYTES = 1024;
const PURGE_BATCH = 5000;

/** The claim's answer: one json array, [claimed, claim_token, state, result, claimed_at, expires_at]. */
type LedgerRow = { claim: [boolean, string, "pending" | "completed", unknown, string, string] };

/**
 * One statement, one round trip, run as a named prepared statement (parsed and planned once per connection).
 * `live` reads the row; a live row is the answer and nothing is written (no transaction id, no WAL flush). Otherwise
 * `ins` inserts a new key, or on conflict locks the row and "updates" it: an expired row is taken over (fresh token,
 * result cleared); a live one, which only a concurrent winner can have committed meanwhile, is written back unchanged
 * so RETURNING yields it as that winner committed it. `claimed` is true exactly when the row carries this caller's
 * token. Exactly one row comes back: `live` has at most one, and `ins` runs only when `live` has none. The row is one
 * json array rather than six columns: on PGlite, decoding six typed columns costs more than the whole index lookup.
 */
const CLAIM_SQL = `
WITH live AS (
  SELECT json_build_array(false, l.claim_token, l.state, l.result, l.claimed_at, l.expires_at) AS claim
  FROM ark_idempotency_ledger AS l
  WHERE l.scope = $1 AND l.key = $2 AND l.expires_at > now()
), ins AS (
  INSERT INTO ark_idempotency_ledger AS l (scope, key, state, result, claim_token, claimed_at, completed_at, expires_at)
  SELECT $1, $2, 'pending', NULL, $4::uuid, now(), NULL, now() + make_interval(secs => $3::float8)
  WHERE NOT EXISTS (SELECT 1 FROM live)
  ON CONFLICT (scope, key) DO UPDATE SET
    state = CASE WHEN l.expires_at <= now() THEN 'pending' ELSE l.state END,
    result = CASE WHEN l.expires_at <= now() THEN NULL ELSE l.result END,
    claim_token = CASE WHEN l.expires_at <= now() THEN EXCLUDED.claim_token ELSE l.claim_token END,
    claimed_at = CASE WHEN l.expires_at <= now() THEN EXCLUDED.claimed_at ELSE l.claimed_at END,
    completed_at = CASE WHEN l.expires_at <= now() THEN NULL ELSE l.completed_at END,
    expires_at = CASE WHEN l.expires_at <= now() THEN EXCLUDED.expires_at ELSE l.expires_at END
  RETURNING json_build_array(l.claim_token = $4::uuid, l.claim_token, l.state, l.result, l.claimed_at, l.expires_at) AS claim
)
SELECT claim FROM live UNION ALL SELECT claim FROM ins`;

/**
 * Completion: the claim's second and last statement, prepared like the claim. `$5` (the claim token) is null for
 * callers that do not pass one; with it, a row another caller took over after this claim's lease is not touched.
 */
const COMPLETE_SQL = `
UPDATE ark_idempotency_ledger SET state = 'completed', result = $3::jsonb, completed_at = now(),
  expires_at = CASE WHEN $4::float8 IS NULL THEN expires_at ELSE now() + make_interval(secs => $4::float8) END
WHERE scope = $1 AND key = $2 AND ($5::uuid IS NULL OR claim_token = $5::uuid)`;

/** Release of a pending claim (a failed call), token-guarded like completion. */
const RELEASE_SQL = `
DELETE FROM ark_idempotency_ledger WHERE scope = $1 AND key = $2 AND state = 'pending' AND ($3::uuid IS NULL OR claim_token = $3::uuid)`;

function invalid(message: string, details: Record<string, unknown>): ArkError {
  return new ArkError("ARK_IDEMPOTENCY_INVALID", message, { details });
}

function checkName(what: "scope" | "key", value: unknown, maxBytes: number): string {
  if (typeof value !== "string" || value.length === 0) {
    throw invalid(`Idempotency ${what} must be a non-empty string (got ${value === "" ? "an empty string" : typeof value}).`, { [what]: value });
  }
  if (value.includes("\u0000")) throw invalid(`Idempotency ${what} must not contain NUL characters.`, {});
  if (Buffer.byteLength(value) > maxBytes) {
    throw invalid(`Idempotency ${what} is ${Buffer.byteLength(value)} bytes; at most ${maxBytes} are allowed (hash long keys).`, {});
  }
  return value;
}

function checkTtl(ttl: unknown): number {
  if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl <= 0 || ttl > MAX_TTL_SECONDS) {
    throw invalid(`Idempotency ttlSeconds must be a number of seconds above 0 and at most ${MAX_TTL_SECONDS} (got ${String(ttl)}).`, { ttlSeconds: ttl });
  }
  return ttl;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkToken(token: unknown): string | null {
  if (token === undefined) return null;
  if (typeof token !== "string" || !UUID.test(token)) throw invalid("Idempotency claim token must be the uuid claim() returned.", {});
  return token;
}

/** SQLSTATE of an undefined table: the core migrations were not applied to this schema. */
const UNDEFINED_TABLE = "42P01";

/** A clearer error than "relation does not exist" when the ledger's migration is missing from this schema. */
function missingSchema(err: unknown): ArkError | undefined {
  if (!isArkError(err) || err.details.sqlstate !== UNDEFINED_TABLE) return undefined;
  return new ArkError(
    "ARK_STORE_QUERY_FAILED",
    "The idempotency ledger's table is missing from this database schema: apply the core schema migrations " +
      "(`ark db migrate`; 0001_idempotency_ledger).",
    { details: { sqlstate: err.details.sqlstate }, cause: err },
  );
}

function serialiseResult(result: unknown): string | null {
  try {
    return JSON.stringify(result) ?? null;
  } catch (err) {
    throw invalid(`Idempotency result cannot be stored as JSON: ${(err as Error).message}.`, {});
  }
}

/** The idempotency ledger on the `ark_idempotency_ledger` table (core migration 0001). */
export class StoreIdempotencyLedger implements IdempotencyLedger {
  private readonly defaultTtlSeconds: number;

  constructor(private readonly db: Queryable, options: { defaultTtlSeconds?: number } = {}) {
    this.defaultTtlSeconds = checkTtl(options.defaultTtlSeconds ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS);
  }

  async claim(scope: string, key: string, options: { ttlSeconds?: number } = {}): Promise<IdempotencyClaim> {
    checkName("scope", scope, MAX_SCOPE_BYTES);
    checkName("key", key, MAX_KEY_BYTES);
    const ttl = checkTtl(options.ttlSeconds ?? this.defaultTtlSeconds);
    const { rows } = await queryPrepared<LedgerRow>(this.db, "ark_idempotency_claim_v4", CLAIM_SQL, [scope, key, ttl, randomUUID()]).catch((err: unknown) => {
      throw missingSchema(err) ?? err;
    });
    const claim = rows[0]?.claim;
    if (!claim) throw new ArkError("ARK_INTERNAL", `Idempotency claim for ${scope}/${key} returned no row.`, { details: { scope, key } });
    const [claimed, token, state, result, claimedAt, expiresAt] = claim;
    if (claimed) return { status: "claimed", scope, key, expiresAt: new Date(expiresAt), token };
    return { status: "existing", scope, key, state, result, claimedAt: new Date(claimedAt), expiresAt: new Date(expiresAt) };
  }

  /**
   * Records the result. The row keeps its expiry (a retry within the ttl gets this result), unless `ttlSeconds` gives
   * a new one from now: a short claim lease while the work runs, the long replay window once it has a result.
   */
  async complete(scope: string, key: string, result: unknown, options: { ttlSeconds?: number; token?: string } = {}): Promise<void> {
    checkName("scope", scope, MAX_SCOPE_BYTES);
    checkName("key", key, MAX_KEY_BYTES);
    const ttl = options.ttlSeconds === undefined ? null : checkTtl(options.ttlSeconds);
    const token = checkToken(options.token);
    const { rowCount } = await queryPrepared(this.db, "ark_idempotency_complete_v1", COMPLETE_SQL, [scope, key, serialiseResult(result), ttl, token]);
    if (rowCount === 0 && token !== null) {
      throw invalid(`The idempotency claim for scope "${scope}", key "${key}" was taken over by another caller after its lease (or purged); its result was not recorded.`, { scope, key, reason: "claim_lost" });
    }
    if (rowCount === 0) {
      throw invalid(`No idempotency claim for scope "${scope}", key "${key}" to complete: claim it first (or it expired and was purged).`, { scope, key });
    }
  }

  /** Drops a pending claim; a completed one stays (its result is the answer to retries). */
  async release(scope: string, key: string, options: { token?: string } = {}): Promise<void> {
    checkName("scope", scope, MAX_SCOPE_BYTES);
    checkName("key", key, MAX_KEY_BYTES);
    await queryPrepared(this.db, "ark_idempotency_release_v1", RELEASE_SQL, [scope, key, checkToken(options.token)]);
  }

  /**
   * Deletes expired rows in batches (so a large backlog never hits the statement timeout). The outer `expires_at`
   * test is what spares a row a concurrent claim took over: after waiting for that claim's commit, PostgreSQL
   * re-checks the DELETE's own conditions on the new row version, but not the batch subquery's older snapshot.
   */
  async purgeExpired(): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await this.db.query(
        `DELETE FROM ark_idempotency_ledger WHERE expires_at <= now() AND (scope, key) IN (
           SELECT scope, key FROM ark_idempotency_ledger WHERE expires_at <= now() LIMIT ${PURGE_BATCH})`,
      );
      total += rowCount;
      if (rowCount < PURGE_BATCH) return total;
    }
  }
}

/** Runs purgeExpired every `intervalMs` (timer unref'd: it never keeps the process alive). Returns a stop function. */
export function startIdempotencyPurger(ledger: IdempotencyLedger, options: { intervalMs: number; logger?: Logger }): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    ledger
      .purgeExpired()
      .then((purged) => {
        if (purged > 0) options.logger?.debug({ purged }, "purged expired idempotency claims");
      })
      .catch((err: unknown) => options.logger?.warn({ err }, "idempotency purge failed; will retry"))
      .finally(() => {
        running = false;
      });
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
