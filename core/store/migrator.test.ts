import { expect, it } from "vitest";
import { describeStore, TEST_DATABASE_URL, urlWithSearchPath } from "../../test/support/store-harness.js";
import { ArkError } from "../errors/index.js";
import { applyMigrations, migrationStatus, type MigrationProgress } from "./migrator.js";
import type { MigrationSource } from "./migration-source.js";
import { openStore } from "./open-store.js";
import type { Store } from "./store-port.js";

const base: MigrationSource[] = [
  { id: "core/0001_widgets", sql: "CREATE TABLE widgets (id serial PRIMARY KEY, name text NOT NULL);" },
  { id: "core/0002_widget_color", sql: "ALTER TABLE widgets ADD COLUMN color text; CREATE INDEX widgets_color ON widgets (color);" },
  { id: "tools-memory/0001_memories", sql: "CREATE TABLE memories (id serial PRIMARY KEY, body text);" },
];

async function failure(promise: Promise<unknown>): Promise<ArkError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ArkError);
    return err as ArkError;
  }
  throw new Error("expected a failure");
}

async function appliedIds(store: Store): Promise<string[]> {
  const { rows } = await store.query<{ id: string }>("SELECT id FROM ark_schema_migrations ORDER BY applied_at, id");
  return rows.map((r) => r.id);
}

async function tableExists(store: Store, name: string): Promise<boolean> {
  const { rows } = await store.query<{ present: boolean }>("SELECT to_regclass($1) IS NOT NULL AS present", [name]);
  return rows[0]!.present;
}

describeStore("schema migrations", (getStore, driver) => {
  it("applies pending migrations in order, once, recording checksum and duration", async () => {
    const store = getStore();
    const progress: MigrationProgress[] = [];
    const report = await applyMigrations(store, base, { onProgress: (p) => progress.push(p) });
    expect(report.applied.map((a) => a.id)).toEqual(base.map((m) => m.id));
    expect(report.alreadyApplied).toEqual([]);
    expect(progress.map((p) => `${p.state}:${p.id}:${p.index}/${p.pendingCount}`)).toEqual([
      "applying:core/0001_widgets:1/3", "applied:core/0001_widgets:1/3",
      "applying:core/0002_widget_color:2/3", "applied:core/0002_widget_color:2/3",
      "applying:tools-memory/0001_memories:3/3", "applied:tools-memory/0001_memories:3/3",
    ]);
    const { rows } = await store.query<{ id: string; checksum: string; duration_ms: number }>(
      "SELECT id, checksum, duration_ms FROM ark_schema_migrations ORDER BY id",
    );
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.duration_ms).toBeGreaterThanOrEqual(0);
    }
    await store.query("INSERT INTO widgets (name, color) VALUES ('w', 'red')");

    const again = await applyMigrations(store, base);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual(base.map((m) => m.id));

    const extended = await applyMigrations(store, [...base, { id: "core/0003_more", sql: "ALTER TABLE widgets ADD COLUMN size int" }]);
    expect(extended.applied.map((a) => a.id)).toEqual(["core/0003_more"]);
  });

  it("stops with ARK_MIGRATION_CHECKSUM_MISMATCH naming an applied migration whose SQL changed, applying nothing", async () => {
    const store = getStore();
    await applyMigrations(store, base);
    const tampered = base.map((m) => (m.id === "core/0002_widget_color" ? { ...m, sql: `${m.sql}\nALTER TABLE widgets ADD COLUMN evil int;` } : m));
    const next = { id: "core/0003_next", sql: "CREATE TABLE next_table (id int)" };
    const err = await failure(applyMigrations(store, [...tampered, next]));
    expect(err.code).toBe("ARK_MIGRATION_CHECKSUM_MISMATCH");
    expect(err.message).toContain("core/0002_widget_color");
    expect(err.details.migrations).toEqual([expect.objectContaining({ id: "core/0002_widget_color" })]);
    expect(await tableExists(store, "next_table")).toBe(false);
    // Only line endings differ: not an edit.
    const crlf = base.map((m) => ({ ...m, sql: m.sql.replace(/\n/g, "\r\n") }));
    await expect(applyMigrations(store, crlf)).resolves.toMatchObject({ applied: [] });
  });

  it("rolls back a failing migration, keeps the earlier ones, and throws ARK_MIGRATION_FAILED naming it", async () => {
    const store = getStore();
    const broken: MigrationSource = { id: "core/0002_broken", sql: "CREATE TABLE half_done (id int); SELECT * FROM no_such_table;" };
    const err = await failure(applyMigrations(store, [base[0]!, broken, base[2]!]));
    expect(err.code).toBe("ARK_MIGRATION_FAILED");
    expect(err.message).toContain("core/0002_broken");
    expect(err.details).toMatchObject({ id: "core/0002_broken", sqlstate: "42P01" });
    expect((err.cause as ArkError).code).toBe("ARK_STORE_QUERY_FAILED");
    expect(await tableExists(store, "half_done")).toBe(false);
    expect(await tableExists(store, "memories")).toBe(false);
    expect(await appliedIds(store)).toEqual(["core/0001_widgets"]);
    // After fixing the SQL the rest applies.
    const fixed = { ...broken, sql: "CREATE TABLE half_done (id int);" };
    const report = await applyMigrations(store, [base[0]!, fixed, base[2]!]);
    expect(report.applied.map((a) => a.id)).toEqual(["core/0002_broken", "tools-memory/0001_memories"]);
  });

  it("rejects a list that names one migration twice", async () => {
    const err = await failure(applyMigrations(getStore(), [base[0]!, base[0]!]));
    expect(err.code).toBe("ARK_MIGRATION_INVALID");
    expect(err.message).toContain("core/0001_widgets");
  });

  it("reports status: applied, pending, changed, and orphaned rows", async () => {
    const store = getStore();
    expect(await migrationStatus(store, base)).toEqual(base.map((m) => ({ id: m.id, state: "pending", appliedAt: null })));
    await applyMigrations(store, base.slice(0, 2));
    await store.query("INSERT INTO ark_schema_migrations (id, checksum, duration_ms) VALUES ('gone-plugin/0001_x', 'abc', 1)");
    const status = await migrationStatus(store, [base[0]!, { ...base[1]!, sql: "-- edited" }, base[2]!]);
    expect(status.map((s) => [s.id, s.state])).toEqual([
      ["core/0001_widgets", "applied"],
      ["core/0002_widget_color", "changed"],
      ["tools-memory/0001_memories", "pending"],
      ["gone-plugin/0001_x", "orphaned"],
    ]);
    expect(status[0]!.appliedAt).toBeInstanceOf(Date);
  });

  it("applies each migration once when two appliers run at the same time (session lock)", async () => {
    const store = getStore();
    await store.query("CREATE TABLE apply_log (id text NOT NULL)");
    const logged: MigrationSource[] = ["0001_a", "0002_b", "0003_c"].map((name) => ({
      id: `core/${name}`,
      sql: `SELECT pg_sleep(0.05); INSERT INTO apply_log VALUES ('${name}');`,
    }));
    const second = driver === "postgres" ? await secondPostgresStore(store) : store;
    try {
      const reports = await Promise.all([applyMigrations(store, logged), applyMigrations(second, logged)]);
      expect(reports.flatMap((r) => r.applied.map((a) => a.id)).sort()).toEqual(logged.map((m) => m.id));
      const { rows } = await store.query<{ id: string }>("SELECT id FROM apply_log ORDER BY id");
      expect(rows.map((r) => r.id)).toEqual(["0001_a", "0002_b", "0003_c"]);
    } finally {
      if (second !== store) await second.close();
    }
  });

  it("applies each migration once with a plain Store (per-transaction lock) too", async () => {
    const store = getStore();
    const plain = (s: Store): Store => ({
      driver: s.driver, query: (q, p) => s.query(q, p), transaction: (fn) => s.transaction(fn),
      listen: (c, h) => s.listen(c, h), notify: (c, p) => s.notify(c, p), health: () => s.health(), close: () => s.close(),
    });
    await store.query("CREATE TABLE apply_log (id text NOT NULL)");
    const logged: MigrationSource[] = ["0001_a", "0002_b"].map((name) => ({ id: `core/${name}`, sql: `INSERT INTO apply_log VALUES ('${name}')` }));
    const second = driver === "postgres" ? await secondPostgresStore(store) : store;
    try {
      const reports = await Promise.all([applyMigrations(plain(store), logged), applyMigrations(plain(second), logged)]);
      expect(reports.flatMap((r) => r.applied.map((a) => a.id)).sort()).toEqual(logged.map((m) => m.id));
      expect((await store.query("SELECT id FROM apply_log")).rowCount).toBe(2);
    } finally {
      if (second !== store) await second.close();
    }
  });
});

/** Another pool on the same schema as `store` (a second "kernel" booting against the same database). */
async function secondPostgresStore(store: Store): Promise<Store> {
  const { rows } = await store.query<{ schema: string }>("SELECT current_schema() AS schema");
  return openStore({ driver: "postgres", url: urlWithSearchPath(TEST_DATABASE_URL!, rows[0]!.schema), poolMax: 2 });
}
