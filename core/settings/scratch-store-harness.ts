// TEMPORARY stand-in for test/support/store-harness.ts while the store engineer writes it. Delete when it exists.
import { afterAll, beforeAll, describe } from "vitest";
import { applyMigrations } from "../store/migrator.js";
import { loadCoreMigrations } from "../store/migration-source.js";
import { PgliteStore } from "../store/pglite-store.js";
import { PostgresStore } from "../store/postgres-store.js";
import type { Store } from "../store/store-port.js";

export function describeStore(name: string, body: (getStore: () => Store) => void): void {
  describe(`${name} [pglite]`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await PgliteStore.open({ dataDir: null });
      await applyMigrations(store, await loadCoreMigrations());
    });
    afterAll(async () => store?.close());
    body(() => store);
  });
  const url = process.env.ARK_TEST_DATABASE_URL;
  describe.skipIf(!url)(`${name} [postgres]`, () => {
    let store: Store;
    const schema = `scratch_${process.pid}_${Date.now()}`;
    beforeAll(async () => {
      const admin = await PostgresStore.open({ url: url!, poolMax: 1, statementTimeoutMs: 10000, connectTimeoutMs: 5000, applicationName: "scratch" });
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.close();
      const sep = url!.includes("?") ? "&" : "?";
      store = await PostgresStore.open({ url: `${url}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`, poolMax: 5, statementTimeoutMs: 10000, connectTimeoutMs: 5000, applicationName: "scratch" });
      await applyMigrations(store, await loadCoreMigrations());
    });
    afterAll(async () => {
      await store?.query(`DROP SCHEMA ${schema} CASCADE`);
      await store?.close();
    });
    body(() => store);
  });
}
