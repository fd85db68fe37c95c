/**
 * Store test harness: runs one suite on PGlite (always) and on PostgreSQL (when ARK_TEST_DATABASE_URL is set), each
 * test in a fresh schema. One PGlite instance is shared per test file (a cold start costs seconds; it is loaded from
 * a cached dump of a fresh instance instead); PostgreSQL tests get their own pool pinned to their schema.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, afterEach, beforeEach, describe, it } from "vitest";
import { loadCoreMigrations, type MigrationSource } from "../../core/store/migration-source.js";
import { applyMigrations } from "../../core/store/migrator.js";
import { openStore } from "../../core/store/open-store.js";
import { PgliteStore } from "../../core/store/pglite-store.js";
import type { StoreDriverName } from "../../core/store/store-port.js";
import type { SessionStore } from "../../core/store/store-session.js";
import { pgliteTypeParsers } from "../../core/store/type-parity.js";

/** The PostgreSQL server store tests run against, if any. */
export const TEST_DATABASE_URL: string | undefined = process.env.ARK_TEST_DATABASE_URL?.trim() || undefined;

const IN_CI = !!process.env.CI && !["false", "0"].includes(process.env.CI.toLowerCase());

/** Options of describeStore / openIsolatedStore. */
export interface StoreHarnessOptions {
  /**
   * Apply these migrations to each fresh schema: `"core"` = all of core's SQL files, a function picks from them (so a
   * suite needs only the tables it tests), or an explicit list. Default: none.
   */
  readonly migrate?: "core" | readonly MigrationSource[] | ((core: readonly MigrationSource[]) => readonly MigrationSource[]);
  /** Pool size of the PostgreSQL store (concurrency tests want more than the default 4). */
  readonly poolMax?: number;
}

/** A store confined to its own fresh schema; dispose() closes it and drops the schema. */
export interface IsolatedStore {
  readonly store: SessionStore;
  readonly driver: StoreDriverName;
  readonly schema: string;
  dispose(): Promise<void>;
}

function freshSchemaName(): string {
  return `ark_t_${process.pid}_${randomBytes(4).toString("hex")}`;
}

/** A PostgreSQL URL whose connections start with `search_path` set to `schema`. */
export function urlWithSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  const existing = parsed.searchParams.get("options");
  parsed.searchParams.set("options", `${existing ? `${existing} ` : ""}-c search_path=${schema}`);
  return parsed.toString();
}

// ---- PGlite: one instance per test file, created from a cached dump of a fresh instance --------------------------

let sharedPglite: Promise<PGlite> | undefined;

function pgliteVersion(): string {
  // The package's `exports` hide package.json; find it beside the resolved entry point (dist/ → package root).
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const manifest = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")) as { version: string };
  return manifest.version;
}

async function createPglite(): Promise<PGlite> {
  const dumpPath = join(tmpdir(), `ark-test-pglite-${pgliteVersion()}.tar`);
  if (existsSync(dumpPath)) {
    try {
      return await PGlite.create({ loadDataDir: new Blob([await readFile(dumpPath)]), parsers: pgliteTypeParsers });
    } catch {
      // A truncated or foreign dump: fall through and rebuild it.
    }
  }
  const db = await PGlite.create({ parsers: pgliteTypeParsers });
  const dump = await db.dumpDataDir("none");
  const temporary = `${dumpPath}.${process.pid}.tmp`;
  await writeFile(temporary, Buffer.from(await dump.arrayBuffer()));
  await rename(temporary, dumpPath); // atomic: parallel workers never read a half-written dump
  return db;
}

/** The PGlite instance shared by this test file (closed when the file's last describeStore block ends). */
export function sharedTestPglite(): Promise<PGlite> {
  sharedPglite ??= createPglite();
  return sharedPglite;
}

async function isolatedPglite(): Promise<IsolatedStore> {
  const db = await sharedTestPglite();
  const admin = new PgliteStore(db);
  const schema = freshSchemaName();
  await admin.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
  const store = new PgliteStore(db);
  return {
    store, driver: "pglite", schema,
    async dispose() {
      await store.close();
      await admin.query(`RESET search_path; DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    },
  };
}

// ---- PostgreSQL: a schema per test, a pool pinned to it -----------------------------------------------------------

async function isolatedPostgres(url: string, poolMax: number): Promise<IsolatedStore> {
  const schema = freshSchemaName();
  const admin = await openStore({ driver: "postgres", url, poolMax: 1, connectTimeoutMs: 5000 });
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    const store = await openStore({ driver: "postgres", url: urlWithSearchPath(url, schema), poolMax, connectTimeoutMs: 5000 });
    return {
      store, driver: "postgres", schema,
      async dispose() {
        await store.close();
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.close();
      },
    };
  } catch (err) {
    await admin.close();
    throw err;
  }
}

/**
 * A raw store in a fresh, empty schema (migrated when `options.migrate` says so); call dispose() when done.
 * For PostgreSQL it needs ARK_TEST_DATABASE_URL.
 */
export async function openIsolatedStore(driver: StoreDriverName, options: StoreHarnessOptions = {}): Promise<IsolatedStore> {
  let isolated: IsolatedStore;
  if (driver === "pglite") {
    isolated = await isolatedPglite();
  } else {
    if (!TEST_DATABASE_URL) throw new Error("openIsolatedStore('postgres') needs ARK_TEST_DATABASE_URL (e.g. postgres://root@127.0.0.1:5432/test).");
    isolated = await isolatedPostgres(TEST_DATABASE_URL, options.poolMax ?? 4);
  }
  if (options.migrate) {
    const { migrate } = options;
    const migrations = migrate === "core" ? await loadCoreMigrations() : typeof migrate === "function" ? migrate(await loadCoreMigrations()) : migrate;
    try {
      await applyMigrations(isolated.store, migrations);
    } catch (err) {
      await isolated.dispose();
      throw err;
    }
  }
  return isolated;
}

/** Registers beforeEach/afterEach giving each test of the current describe block its own isolated store. */
export function useIsolatedStore(driver: StoreDriverName, options: StoreHarnessOptions = {}): () => SessionStore {
  let current: IsolatedStore | undefined;
  beforeEach(async () => {
    current = await openIsolatedStore(driver, options);
  });
  afterEach(async () => {
    const done = current;
    current = undefined;
    await done?.dispose();
  });
  return () => {
    if (!current) throw new Error("The store is only available inside a test (beforeEach has not run).");
    return current.store;
  };
}

/** Closes the shared PGlite of this test file (describeStore does it itself; call it after using openIsolatedStore alone). */
export async function closeSharedTestPglite(): Promise<void> {
  const pending = sharedPglite;
  sharedPglite = undefined;
  if (pending) await (await pending).close();
}

let openBlocks = 0;

/**
 * Runs `suite` on PGlite and on PostgreSQL; block names end in `[pglite]` / `[postgres]`. Without
 * ARK_TEST_DATABASE_URL the PostgreSQL half is registered as skipped (its name says why) — except under CI=true,
 * where that is a failing test: CI must run both halves.
 */
export function describeStore(
  name: string,
  suite: (getStore: () => SessionStore, driver: StoreDriverName) => void,
  options: StoreHarnessOptions = {},
): void {
  openBlocks += 1;
  describe(`${name} [pglite]`, () => {
    suite(useIsolatedStore("pglite", options), "pglite");
    afterAll(async () => {
      openBlocks -= 1;
      if (openBlocks === 0) await closeSharedTestPglite();
    });
  });
  if (TEST_DATABASE_URL) {
    describe(`${name} [postgres]`, () => suite(useIsolatedStore("postgres", options), "postgres"));
  } else if (IN_CI) {
    describe(`${name} [postgres]`, () => {
      it("runs on PostgreSQL", () => {
        throw new Error("CI is set but ARK_TEST_DATABASE_URL is not: the PostgreSQL half of the store suite must run in CI. Set ARK_TEST_DATABASE_URL=postgres://user@host:5432/db.");
      });
    });
  } else {
    describe.skip(`${name} [postgres] (skipped: set ARK_TEST_DATABASE_URL=postgres://user@host:5432/db to run it)`, () =>
      suite(() => {
        throw new Error("skipped");
      }, "postgres"));
  }
}
