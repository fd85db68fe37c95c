import { ArkError } from "../errors/index.js";
import { coreServices } from "../plugin-api/core-services.js";
import { definePlugin, type PluginDefinition } from "../plugin-api/plugin.js";
import type { NodeExecutorSettingsService } from "../settings/node-executor-settings-port.js";
import { createNodeExecutorSettingsService } from "../settings/node-executor-settings-service.js";
import { StoreIdempotencyLedger, startIdempotencyPurger } from "../tooling/idempotency-ledger.js";
import { collectMigrations } from "./migration-source.js";
import { applyMigrations } from "./migrator.js";
import { openStore } from "./open-store.js";
import { checkStoreConfig } from "./store-config-check.js";
import { storeSectionSchema, type StoreConfig } from "./store-config-schema.js";
import type { SessionStore } from "./store-session.js";

/** How often the module deletes expired idempotency claims. */
export const IDEMPOTENCY_PURGE_INTERVAL_MS = 10 * 60 * 1000;

/** What the store module holds between init and stop; every service it provides is built from this. */
interface StoreModuleState {
  readonly store: SessionStore;
  readonly ledger: StoreIdempotencyLedger;
  readonly settings: NodeExecutorSettingsService;
  readonly stopPurger: () => void;
}

/** Options for a store module instance (tests pass their own env). */
export interface StoreModuleOptions {
  /** Where ARK_DATABASE_URL is read from; defaults to process.env. */
  readonly env?: Record<string, string | undefined>;
  readonly purgeIntervalMs?: number;
}

/**
 * The built-in `store` module: opens the store from the top-level `store:` section (a relative PGlite `dataDir` is
 * relative to the config file's folder), applies core and plugin schema
 * migrations, and provides the store, the idempotency ledger and the node-executor settings. Each call makes an independent instance (one per
 * kernel), so several kernels in one process do not share a store.
 */
export function createStoreModule(options: StoreModuleOptions = {}): PluginDefinition<StoreConfig> {
  let state: StoreModuleState | null = null;
  const current = (): StoreModuleState => {
    if (!state) throw new ArkError("ARK_KERNEL_STATE", "A store service was requested before the store module's init ran, or after it stopped.");
    return state;
  };

  return definePlugin<StoreConfig>({
    id: "store",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "PostgreSQL (or embedded PGlite) store, schema migrations and the idempotency ledger.",
    lazy: true,
    provides: [coreServices.store, coreServices.idempotency, coreServices.settings],
    configSchema: storeSectionSchema,
    checkConfig: (section) => checkStoreConfig(section, options.env ?? process.env),
    register(r) {
      r.provide(coreServices.store, () => current().store);
      r.provide(coreServices.idempotency, () => current().ledger);
      r.provide(coreServices.settings, () => current().settings);
    },
    async init(ctx) {
      const { configFile } = ctx.get(coreServices.kernel);
      const store = await openStore(ctx.config, { env: options.env ?? process.env, logger: ctx.logger, configFile });
      try {
        const migrations = await collectMigrations(ctx.get(coreServices.registries).schemaMigrations.entries());
        const report = await applyMigrations(store, migrations, {
          onProgress: (p) => {
            if (p.state === "applied") ctx.logger.info({ migration: p.id, durationMs: p.durationMs }, "schema migration applied");
          },
        });
        ctx.logger.info({ applied: report.applied.length, alreadyApplied: report.alreadyApplied.length, durationMs: report.durationMs }, "schema up to date");
      } catch (err) {
        await store.close();
        throw err;
      }
      const ledger = new StoreIdempotencyLedger(store);
      const stopPurger = startIdempotencyPurger(ledger, { intervalMs: options.purgeIntervalMs ?? IDEMPOTENCY_PURGE_INTERVAL_MS, logger: ctx.logger });
      const settings = createNodeExecutorSettingsService(store, { env: options.env ?? process.env });
      state = { store, ledger, settings, stopPurger };
    },
    async stop() {
      const held = state;
      state = null;
      if (!held) return;
      held.stopPurger();
      await held.store.close();
    },
  });
}

/** The store module the kernel boots by default. Prefer createStoreModule() per kernel when a process runs several. */
export const storeModule = createStoreModule();
