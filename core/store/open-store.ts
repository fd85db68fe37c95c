import type { Logger } from "pino";
import { PgliteStore } from "./pglite-store.js";
import { PostgresStore } from "./postgres-store.js";
import { resolveStoreConfig, type StoreConfig } from "./store-config-schema.js";
import type { SessionStore } from "./store-session.js";

/** Options of openStore. */
export interface OpenStoreOptions {
  /** Environment to read ARK_DATABASE_URL from (pass process.env in production; tests pass their own). */
  readonly env?: Record<string, string | undefined>;
  readonly logger?: Logger;
  /** The config file the section came from: a relative `dataDir` is relative to its folder (null/unset: the cwd). */
  readonly configFile?: string | null;
}

/**
 * Opens the store the config asks for: PGlite (data dir or in-memory) or a PostgreSQL pool. `ARK_DATABASE_URL` in
 * `env` overrides the file and forces postgres. An unreachable server fails with ARK_STORE_UNREACHABLE within
 * `connectTimeoutMs`. A relative PGlite `dataDir` is relative to the folder of `options.configFile` (else the cwd).
 */
export async function openStore(config: StoreConfig, options: OpenStoreOptions = {}): Promise<SessionStore> {
  const resolved = resolveStoreConfig(config, options.env ?? {}, options.configFile ?? null);
  if (resolved.driver === "pglite") {
    return PgliteStore.open({ dataDir: resolved.dataDir, logger: options.logger });
  }
  return PostgresStore.open({
    url: resolved.url as string,
    poolMax: resolved.poolMax,
    statementTimeoutMs: resolved.statementTimeoutMs,
    connectTimeoutMs: resolved.connectTimeoutMs,
    applicationName: resolved.applicationName,
    logger: options.logger,
  });
}
