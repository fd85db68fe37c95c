import { ArkError, errorMessage, isArkError } from "../errors/index.js";
import { migrationChecksum, type MigrationSource } from "./migration-source.js";
import type { Queryable, Store } from "./store-port.js";
import { supportsSessions, type StoreSession } from "./store-session.js";

/** A step of applyMigrations, for progress output. */
export interface MigrationProgress {
  readonly id: string;
  readonly state: "applying" | "applied";
  /** 1-based position among the pending migrations. */
  readonly index: number;
  readonly pendingCount: number;
  readonly durationMs?: number;
}

/** What applyMigrations did. */
export interface MigrationReport {
  readonly applied: ReadonlyArray<{ readonly id: string; readonly durationMs: number }>;
  /** Ids that were already applied (checksums verified). */
  readonly alreadyApplied: readonly string[];
  readonly durationMs: number;
}

/** One line of `ark db status`. `orphaned`: applied in the database but no longer shipped (plugin removed?). */
export interface MigrationStatusEntry {
  readonly id: string;
  readonly state: "applied" | "pending" | "changed" | "orphaned";
  readonly appliedAt: Date | null;
}

interface AppliedRow {
  id: string;
  checksum: string;
  applied_at: Date;
}

const TABLE = "ark_schema_migrations";
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${TABLE} (
  id text PRIMARY KEY,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  duration_ms integer NOT NULL
)`;
/** Advisory lock key: a fixed class ("ARK") and the schema, so kernels sharing a schema serialise and others do not. */
const LOCK_KEY = `${0x41524b}, hashtext(coalesce(current_schema(), ''))`;

function assertUniqueIds(migrations: readonly MigrationSource[]): void {
  const seen = new Set<string>();
  const dupes = migrations.filter((m) => (seen.has(m.id) ? true : (seen.add(m.id), false))).map((m) => m.id);
  if (dupes.length > 0) {
    throw new ArkError("ARK_MIGRATION_INVALID", `Schema migration ids listed twice: ${dupes.join(", ")}.`, { details: { ids: dupes } });
  }
}

async function readApplied(db: Queryable): Promise<Map<string, AppliedRow>> {
  const exists = await db.query<{ present: boolean }>(`SELECT to_regclass('${TABLE}') IS NOT NULL AS present`);
  if (!exists.rows[0]?.present) return new Map();
  const { rows } = await db.query<AppliedRow>(`SELECT id, checksum, applied_at FROM ${TABLE}`);
  return new Map(rows.map((r) => [r.id, r]));
}

/** Every applied migration whose SQL changed, in one error (boot must stop: the schema is not what the code expects). */
function assertChecksums(migrations: readonly MigrationSource[], applied: Map<string, AppliedRow>): void {
  const changed = migrations.filter((m) => {
    const row = applied.get(m.id);
    return row !== undefined && row.checksum !== migrationChecksum(m.sql);
  });
  if (changed.length === 0) return;
  const lines = changed.map((m) => `${m.id} (applied ${applied.get(m.id)!.applied_at.toISOString()})`);
  throw new ArkError(
    "ARK_MIGRATION_CHECKSUM_MISMATCH",
    `Applied schema migration${changed.length > 1 ? "s were" : " was"} edited afterwards: ${lines.join(", ")}. ` +
      "Restore the original SQL and put the change in a new, higher-numbered migration.",
    {
      details: {
        migrations: changed.map((m) => ({ id: m.id, appliedChecksum: applied.get(m.id)!.checksum, currentChecksum: migrationChecksum(m.sql) })),
      },
    },
  );
}

/**
 * Holds the migration lock for `body`. On a store that lends one connection, a session advisory lock on that
 * connection; otherwise `perTransactionLock` tells the body to take a transaction-scoped lock in each transaction.
 */
async function withMigrationLock<T>(store: Store, body: (db: StoreSession, perTransactionLock: boolean) => Promise<T>): Promise<T> {
  if (!supportsSessions(store)) return body(store, true);
  return store.withSession(async (session) => {
    try {
      await session.query(`SELECT pg_advisory_lock(${LOCK_KEY})`);
    } catch (err) {
      if (!isArkError(err, "ARK_STORE_TIMEOUT")) throw err;
      throw new ArkError("ARK_MIGRATION_FAILED", "Timed out waiting for the schema migration lock; another ARK process is migrating this database.", {
        details: { lock: "pg_advisory_lock" }, cause: err,
      });
    }
    let result: T;
    try {
      result = await body(session, false);
    } catch (err) {
      // If this fails the connection is gone, and the server released the lock with it.
      await session.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`).catch(() => undefined);
      throw err;
    }
    await session.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`);
    return result;
  });
}

async function applyOne(db: StoreSession, migration: MigrationSource, perTransactionLock: boolean): Promise<number | null> {
  try {
    return await db.transaction(async (tx) => {
      if (perTransactionLock) {
        await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
        const again = await tx.query(`SELECT 1 FROM ${TABLE} WHERE id = $1`, [migration.id]);
        if (again.rowCount > 0) return null;
      }
      const started = performance.now();
      await tx.query(migration.sql);
      const durationMs = Math.round(performance.now() - started);
      await tx.query(`INSERT INTO ${TABLE} (id, checksum, applied_at, duration_ms) VALUES ($1, $2, now(), $3)`, [
        migration.id, migrationChecksum(migration.sql), durationMs,
      ]);
      return durationMs;
    });
  } catch (err) {
    throw new ArkError("ARK_MIGRATION_FAILED", `Schema migration ${migration.id} failed and was rolled back: ${errorMessage(err)}`, {
      details: { id: migration.id, sqlstate: isArkError(err) ? err.details.sqlstate : undefined },
      cause: err,
    });
  }
}

/**
 * Applies pending migrations in the order given, each in its own transaction, under an advisory lock, so kernels
 * booting at once apply each migration exactly once. An applied migration whose SQL changed stops everything
 * (ARK_MIGRATION_CHECKSUM_MISMATCH) before anything runs; a failing one is rolled back (ARK_MIGRATION_FAILED).
 */
export async function applyMigrations(
  store: Store,
  migrations: readonly MigrationSource[],
  options: { onProgress?(progress: MigrationProgress): void } = {},
): Promise<MigrationReport> {
  assertUniqueIds(migrations);
  const started = performance.now();
  return withMigrationLock(store, async (db, perTransactionLock) => {
    if (perTransactionLock) {
      await db.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
        await tx.query(CREATE_TABLE);
      });
    } else {
      await db.query(CREATE_TABLE);
    }
    const applied = await readApplied(db);
    assertChecksums(migrations, applied);
    const pending = migrations.filter((m) => !applied.has(m.id));
    const done: { id: string; durationMs: number }[] = [];
    for (const [i, migration] of pending.entries()) {
      const position = { id: migration.id, index: i + 1, pendingCount: pending.length };
      options.onProgress?.({ ...position, state: "applying" });
      const durationMs = await applyOne(db, migration, perTransactionLock);
      if (durationMs === null) continue;
      done.push({ id: migration.id, durationMs });
      options.onProgress?.({ ...position, state: "applied", durationMs });
    }
    return {
      applied: done,
      alreadyApplied: migrations.filter((m) => applied.has(m.id)).map((m) => m.id),
      durationMs: Math.round(performance.now() - started),
    };
  });
}

/** Where each migration stands in this database (read-only; takes no lock). */
export async function migrationStatus(store: Store, migrations: readonly MigrationSource[]): Promise<MigrationStatusEntry[]> {
  const applied = await readApplied(store);
  const shipped = new Set(migrations.map((m) => m.id));
  const entries: MigrationStatusEntry[] = migrations.map((m) => {
    const row = applied.get(m.id);
    if (!row) return { id: m.id, state: "pending", appliedAt: null };
    return { id: m.id, state: row.checksum === migrationChecksum(m.sql) ? "applied" : "changed", appliedAt: row.applied_at };
  });
  const orphaned = [...applied.values()].filter((r) => !shipped.has(r.id)).sort((a, b) => a.id.localeCompare(b.id));
  return [...entries, ...orphaned.map((r) => ({ id: r.id, state: "orphaned" as const, appliedAt: r.applied_at }))];
}
