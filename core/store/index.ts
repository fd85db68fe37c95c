/**
 * The store: one port (`Store`), two drivers (PostgreSQL through `pg`, PGlite embedded), schema migrations, and the
 * built-in `store` kernel module. Other core folders import from here, not from the files behind it.
 */
export type { Queryable, QueryResult, Store, StoreDriverName, StoreHealth, Transaction } from "./store-port.js";
export type { SessionStore, StoreSession } from "./store-session.js";
export { supportsSessions } from "./store-session.js";
export type { PreparedQueryable } from "./prepared-query.js";
export { queryPrepared } from "./prepared-query.js";
export { openStore, type OpenStoreOptions } from "./open-store.js";
export { IN_MEMORY_DATA_DIR, resolveStoreConfig, storeSectionSchema, type ResolvedStoreConfig, type StoreConfig } from "./store-config-schema.js";
export { PgliteStore } from "./pglite-store.js";
export { PostgresStore, type PostgresStoreOptions } from "./postgres-store.js";
export { describePostgresUrl, redactPostgresUrl, type PostgresTarget } from "./postgres-url.js";
export {
  CORE_MIGRATIONS_DIR, collectMigrations, loadCoreMigrations, migrationChecksum, pluginMigrationSources, type MigrationSource,
} from "./migration-source.js";
export { applyMigrations, migrationStatus, type MigrationProgress, type MigrationReport, type MigrationStatusEntry } from "./migrator.js";
export { readDbStatus, runDbMigrate, type DbCommandOptions, type DbStatus, type DbTarget } from "./db-commands.js";
export { createStoreModule, IDEMPOTENCY_PURGE_INTERVAL_MS, storeModule, type StoreModuleOptions } from "./store-module.js";
