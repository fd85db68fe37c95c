/** SQL over `ark_settings` / `ark_settings_history` (migration 0002). Same text on PostgreSQL and PGlite. */
import { createHash } from "node:crypto";
import type { Queryable } from "../store/store-port.js";

/** One stored setting. */
export interface SettingRow {
  readonly key: string;
  readonly value: string;
  readonly isSecret: boolean;
  readonly fingerprint: string | null;
  readonly updatedAt: string;
}

/** One history row as stored. */
export interface SettingsHistoryRow {
  readonly version: number;
  readonly actor: string;
  readonly changedAt: string;
  readonly changes: Record<string, { from: string | null; to: string | null }>;
  /** Present only when the change carried a note (column added by migration 0005). */
  readonly note?: string;
}

function isoString(value: unknown): string {
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

/** Every stored row of a namespace, by key. */
export async function readSettingRows(db: Queryable, namespace: string): Promise<Map<string, SettingRow>> {
  const result = await db.query<{ key: string; value: string; is_secret: boolean; fingerprint: string | null; updated_at: unknown }>(
    "SELECT key, value, is_secret, fingerprint, updated_at FROM ark_settings WHERE namespace = $1",
    [namespace],
  );
  return new Map(
    result.rows.map((row) => [
      row.key,
      { key: row.key, value: row.value, isSecret: row.is_secret, fingerprint: row.fingerprint, updatedAt: isoString(row.updated_at) },
    ]),
  );
}

/** Inserts or replaces one setting. */
export async function upsertSetting(
  db: Queryable,
  namespace: string,
  row: { key: string; value: string; isSecret: boolean; fingerprint: string | null; updatedAt: Date; actor: string },
): Promise<void> {
  await db.query(
    `INSERT INTO ark_settings (namespace, key, value, is_secret, fingerprint, updated_at, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7)
     ON CONFLICT (namespace, key) DO UPDATE
       SET value = EXCLUDED.value, is_secret = EXCLUDED.is_secret, fingerprint = EXCLUDED.fingerprint,
           updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
    [namespace, row.key, row.value, row.isSecret, row.fingerprint, row.updatedAt.toISOString(), row.actor],
  );
}

/** Removes one setting (it falls back to its default). */
export async function deleteSetting(db: Queryable, namespace: string, key: string): Promise<void> {
  await db.query("DELETE FROM ark_settings WHERE namespace = $1 AND key = $2", [namespace, key]);
}

/** Appends a change row; returns its version. */
export async function insertSettingsHistory(
  db: Queryable,
  namespace: string,
  entry: { actor: string; changedAt: Date; changes: SettingsHistoryRow["changes"]; note?: string },
): Promise<number> {
  const result = await db.query<{ version: string | number }>(
    `INSERT INTO ark_settings_history (namespace, actor, changed_at, changes${entry.note ? ", note" : ""})
     VALUES ($1, $2, $3::timestamptz, $4::jsonb${entry.note ? ", $5" : ""}) RETURNING version`,
    [namespace, entry.actor, entry.changedAt.toISOString(), JSON.stringify(entry.changes), ...(entry.note ? [entry.note] : [])],
  );
  return Number(result.rows[0]!.version);
}

/** The newest `limit` change rows of a namespace, newest first. */
export async function readSettingsHistory(db: Queryable, namespace: string, limit: number): Promise<SettingsHistoryRow[]> {
  const result = await db.query<{ version: string | number; actor: string; changed_at: unknown; changes: unknown; note?: string | null }>(
    `SELECT * FROM ark_settings_history
     WHERE namespace = $1 ORDER BY version DESC LIMIT $2`,
    [namespace, limit],
  );
  return result.rows.map((row) => ({
    version: Number(row.version),
    actor: row.actor,
    changedAt: isoString(row.changed_at),
    changes: (typeof row.changes === "string" ? JSON.parse(row.changes) : row.changes) as SettingsHistoryRow["changes"],
    ...(typeof row.note === "string" ? { note: row.note } : {}),
  }));
}

/**
 * Serialises updates of one namespace until the surrounding transaction ends, so each change row's `from` values are
 * what the previous update left.
 */
export async function lockSettingsNamespace(tx: Queryable, namespace: string): Promise<void> {
  const digest = createHash("sha256").update(`ark_settings:${namespace}`).digest();
  await tx.query("SELECT pg_advisory_xact_lock($1::bigint)", [digest.readBigInt64BE(0).toString()]);
}
