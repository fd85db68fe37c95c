import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { openIsolatedStore, TEST_DATABASE_URL, urlWithSearchPath } from "../../test/support/store-harness.js";
import { ArkError } from "../errors/index.js";
import type { Owned, SchemaMigrationContribution } from "../plugin-api/contributions.js";
import { coreServices } from "../plugin-api/core-services.js";
import type { PluginContext, Registrar, ServiceFactory } from "../plugin-api/plugin.js";
import type { ServiceRef } from "../plugin-api/service-ref.js";
import type { NodeExecutorSettingsService } from "../settings/node-executor-settings-port.js";
import type { IdempotencyLedger } from "../tooling/idempotency-port.js";
import type { StoreConfig } from "./store-config-schema.js";
import { createStoreModule, storeModule } from "./store-module.js";
import type { Store } from "./store-port.js";

/** Drives the module the way the kernel does: register, init, build services, stop. */
function harness(config: StoreConfig, pluginMigrations: Owned<SchemaMigrationContribution>[], env: Record<string, string> = {}) {
  const module = createStoreModule({ env });
  const factories = new Map<string, ServiceFactory<unknown, StoreConfig>>();
  module.register!({
    provide: <T>(ref: ServiceRef<T>, factory: ServiceFactory<T, StoreConfig>) => factories.set(ref.id, factory as ServiceFactory<unknown, StoreConfig>),
  } as unknown as Registrar<StoreConfig>);
  const registries = { schemaMigrations: { entries: () => pluginMigrations } };
  const ctx: PluginContext<StoreConfig> = {
    pluginId: "store",
    config: Object.freeze(config),
    logger: pino({ level: "silent" }),
    get: <T>(ref: ServiceRef<T>): T => {
      if (ref.id === coreServices.registries.id) return registries as T;
      if (ref.id === coreServices.kernel.id) return { configFile: null } as T;
      throw new Error(`unexpected ref ${ref.id}`);
    },
    shutdownSignal: new AbortController().signal,
  };
  const service = <T>(ref: ServiceRef<T>): T => factories.get(ref.id)!(ctx, "consumer") as T;
  return { module, ctx, factories, service };
}

const memoryMigration: Owned<SchemaMigrationContribution> = {
  pluginId: "tools-memory",
  value: { id: "0001_memories", sql: "CREATE TABLE memories (id serial PRIMARY KEY, body text NOT NULL)" },
};

describe("store module", () => {
  it("declares itself as a lazy built-in providing the store, the idempotency ledger and the settings", () => {
    expect(storeModule).toMatchObject({ id: "store", version: "1.0.0", kernel: "^1.0.0", lazy: true });
    expect(storeModule.provides).toEqual([coreServices.store, coreServices.idempotency, coreServices.settings]);
    expect(storeModule.configSchema).toBeDefined();
  });

  it("opens an in-memory PGlite, applies core and plugin migrations, provides working services and stops cleanly", async () => {
    const { module, ctx, factories, service } = harness({ driver: "pglite", dataDir: "memory://" }, [memoryMigration]);
    expect([...factories.keys()]).toEqual([coreServices.store.id, coreServices.idempotency.id, coreServices.settings.id]);
    expect(() => service(coreServices.store)).toThrow(ArkError);
    await module.init!(ctx);
    const store = service<Store>(coreServices.store);
    const ledger = service<IdempotencyLedger>(coreServices.idempotency);
    expect(store.driver).toBe("pglite");
    const { rows } = await store.query<{ id: string }>("SELECT id FROM ark_schema_migrations ORDER BY id");
    expect(rows.map((r) => r.id)).toEqual(expect.arrayContaining(["core/0001_idempotency_ledger", "tools-memory/0001_memories"]));
    await store.query("INSERT INTO memories (body) VALUES ('remember')");
    expect((await ledger.claim("module", "k")).status).toBe("claimed");
    const settings = service<NodeExecutorSettingsService>(coreServices.settings);
    expect((await settings.read()).k8s_namespace).toBe("default");
    await module.stop!(ctx);
    expect((await store.health()).ok).toBe(false);
    await module.stop!(ctx);
    expect(() => service(coreServices.store)).toThrow(/before the store module's init ran, or after it stopped/);
  });

  it.skipIf(!TEST_DATABASE_URL)("uses ARK_DATABASE_URL over the config; a failing plugin migration fails init and closes the store", async () => {
    const schema = await openIsolatedStore("postgres");
    const applicationName = `ark-module-test-${process.pid}`;
    try {
      const env = { ARK_DATABASE_URL: urlWithSearchPath(TEST_DATABASE_URL!, schema.schema) };
      const config: StoreConfig = { driver: "pglite", dataDir: "memory://", applicationName };
      const broken: Owned<SchemaMigrationContribution> = { pluginId: "bad", value: { id: "0001_broken", sql: "SELECT * FROM missing_table" } };
      const failing = harness(config, [broken], env);
      const err = await Promise.resolve(failing.module.init!(failing.ctx)).then(() => undefined, (e: unknown) => e as ArkError);
      expect(err?.code).toBe("ARK_MIGRATION_FAILED");
      expect(err?.message).toContain("bad/0001_broken");
      const applied = (await schema.store.query<{ id: string }>("SELECT id FROM ark_schema_migrations")).rows.map((r) => r.id);
      expect(applied).toContain("core/0001_idempotency_ledger");
      expect(applied).not.toContain("bad/0001_broken");
      const openConnections = async (): Promise<number> =>
        (await schema.store.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1", [applicationName])).rowCount;
      while ((await openConnections()) > 0) await new Promise((resolve) => setTimeout(resolve, 20));

      const working = harness(config, [memoryMigration], env);
      await working.module.init!(working.ctx);
      expect(working.service<Store>(coreServices.store).driver).toBe("postgres");
      await working.module.stop!(working.ctx);
    } finally {
      await schema.dispose();
    }
  });
});
