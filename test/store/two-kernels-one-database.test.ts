import { describe, expect, it } from "vitest";
import { definePlugin } from "../../core/plugin-api/index.js";
import { startTestKernel } from "../../core/testing/index.js";
import { openIsolatedStore, TEST_DATABASE_URL, urlWithSearchPath } from "../support/store-harness.js";

const IN_CI = !!process.env.CI && !["false", "0"].includes(process.env.CI.toLowerCase());

// A plugin migration that fails if it runs twice (no IF NOT EXISTS), so a double apply cannot hide.
const notes = definePlugin({
  id: "notes",
  version: "1.0.0",
  kernel: "^1.0.0",
  requires: ["store"],
  register(r) {
    r.schemaMigration({ id: "0001_notes", sql: "CREATE TABLE notes (id serial primary key, body text not null)" });
    r.schemaMigration({ id: "0002_seed", sql: "INSERT INTO notes (body) VALUES ('seeded once')" });
  },
});

describe.skipIf(!TEST_DATABASE_URL && !IN_CI)("two kernels booting at once against one PostgreSQL database", () => {
  it("apply each migration exactly once and both boot", async () => {
    expect(TEST_DATABASE_URL, "CI must set ARK_TEST_DATABASE_URL").toBeDefined();
    const schema = await openIsolatedStore("postgres");
    try {
      const url = urlWithSearchPath(TEST_DATABASE_URL!, schema.schema);
      const boot = () => startTestKernel({ plugins: [notes], config: { store: { driver: "postgres", url } } });
      const [a, b] = await Promise.all([boot(), boot()]);
      try {
        const applied = await schema.store.query<{ id: string; n: string }>(
          "SELECT id, count(*)::text AS n FROM ark_schema_migrations GROUP BY id ORDER BY id",
        );
        expect(applied.rows.every((row) => row.n === "1")).toBe(true);
        expect(applied.rows.map((row) => row.id)).toEqual(expect.arrayContaining(["core/0001_idempotency_ledger", "notes/0001_notes", "notes/0002_seed"]));
        const seeded = await schema.store.query<{ n: string }>("SELECT count(*)::text AS n FROM notes");
        expect(seeded.rows[0]!.n).toBe("1");
        expect(a.report.ok && b.report.ok).toBe(true);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    } finally {
      await schema.dispose();
    }
  });
});
