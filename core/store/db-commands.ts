import type { Logger } from "pino";
import type { Owned, SchemaMigrationContribution } from "../plugin-api/contributions.js";
import { collectMigrations } from "./migration-source.js";
import { applyMigrations, migrationStatus, type MigrationProgress, type MigrationReport, type MigrationStatusEntry } from "./migrator.js";
import { openStore } from "./open-store.js";
import { redactPostgresUrl } from "./postgres-url.js";
import { resolveStoreConfig, type StoreConfig } from "./store-config-schema.js";
import type { StoreDriverName, StoreHealth } from "./store-port.js";

/** What `ark db migrate` / `ark db status` need: the `store:` section and the loaded plugins' migrations. */
export interface DbCommandOptions {
  readonly storeConfig: StoreConfig;
  /** Usually `registries.schemaMigrations.entries()` of a kernel that registered (not necessarily booted) plugins. */
  readonly pluginMigrations?: readonly Owned<SchemaMigrationContribution>[];
  readonly env?: Record<string, string | undefined>;
  readonly logger?: Logger;
  /** The loaded config file: a relative `store.dataDir` is relative to its folder (null/unset: the cwd). */
  readonly configFile?: string | null;
}

/** Which database a command talked to, printable (no password). */
export interface DbTarget {
  readonly driver: StoreDriverName;
  /** Redacted URL, the absolute PGlite data dir, or "in-memory". */
  readonly location: string;
}

/** Result of `ark db status`. */
export interface DbStatus {
  readonly target: DbTarget;
  readonly health: StoreHealth;
  readonly migrations: MigrationStatusEntry[];
  readonly pending: number;
  readonly changed: number;
}

function describeTarget(options: DbCommandOptions): DbTarget {
  const config = resolveStoreConfig(options.storeConfig, options.env ?? process.env, options.configFile ?? null);
  if (config.driver === "postgres") return { driver: "postgres", location: redactPostgresUrl(config.url ?? "") };
  return { driver: "pglite", location: config.dataDir ?? "in-memory" };
}

/** `ark db migrate`: applies pending core and plugin migrations, then closes the store. */
export async function runDbMigrate(
  options: DbCommandOptions & { onProgress?(progress: MigrationProgress): void },
): Promise<MigrationReport & { target: DbTarget }> {
  const target = describeTarget(options);
  const migrations = await collectMigrations(options.pluginMigrations ?? []);
  const store = await openStore(options.storeConfig, { env: options.env ?? process.env, logger: options.logger, configFile: options.configFile ?? null });
  try {
    const report = await applyMigrations(store, migrations, { onProgress: options.onProgress });
    return { ...report, target };
  } finally {
    await store.close();
  }
}

/** `ark db status`: health and where every migration stands; changes nothing. */
export async function readDbStatus(options: DbCommandOptions): Promise<DbStatus> {
  const target = describeTarget(options);
  const migrations = await collectMigrations(options.pluginMigrations ?? []);
  const store = await openStore(options.storeConfig, { env: options.env ?? process.env, logger: options.logger, configFile: options.configFile ?? null });
  try {
    const [health, entries] = [await store.health(), await migrationStatus(store, migrations)];
    return {
      target,
      health,
      migrations: entries,
      pending: entries.filter((e) => e.state === "pending").length,
      changed: entries.filter((e) => e.state === "changed").length,
    };
  } finally {
    await store.close();
  }
}
