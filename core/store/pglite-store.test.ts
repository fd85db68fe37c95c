import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArkError } from "../errors/index.js";
import { readDbStatus, runDbMigrate } from "./db-commands.js";
import { openStore } from "./open-store.js";
import { PGLITE_TEMPLATE_ENV, PgliteStore } from "./pglite-store.js";
import { queryPrepared } from "./prepared-query.js";
import { acquireDataDirLock } from "./pglite-data-dir-lock.js";

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ark-pglite-"));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<ArkError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ArkError);
    return err as ArkError;
  }
  throw new Error("expected a failure");
}

/** Runs `body` with no template dump named, so a new data dir goes through a real initdb as on a user's machine. */
async function withoutTemplate<T>(body: () => Promise<T>): Promise<T> {
  const saved = process.env[PGLITE_TEMPLATE_ENV];
  delete process.env[PGLITE_TEMPLATE_ENV];
  try {
    return await body();
  } finally {
    if (saved !== undefined) process.env[PGLITE_TEMPLATE_ENV] = saved;
  }
}

describe("pglite on disk", () => {
  it("migrates a data dir with `db migrate`, reports it with `db status`, keeps data across reopen, and locks the dir", () => withoutTemplate(async () => {
    const dataDir = join(root, "data");
    const storeConfig = { driver: "pglite" as const, dataDir };
    const progress: string[] = [];
    const report = await runDbMigrate({
      storeConfig, env: {},
      pluginMigrations: [{ pluginId: "tools-memory", value: { id: "0001_memories", sql: "CREATE TABLE memories (body text)" } }],
      onProgress: (p) => progress.push(`${p.state}:${p.id}`),
    });
    expect(report.target).toEqual({ driver: "pglite", location: dataDir });
    expect(report.applied.map((a) => a.id)).toContain("tools-memory/0001_memories");
    expect(progress).toContain("applied:core/0001_idempotency_ledger");

    const status = await readDbStatus({ storeConfig, env: {} });
    expect(status.health).toMatchObject({ ok: true, driver: "pglite" });
    expect(status.pending).toBe(0);
    expect(status.migrations.find((m) => m.id === "tools-memory/0001_memories")?.state).toBe("orphaned");

    const store = await openStore(storeConfig);
    try {
      await store.query("INSERT INTO memories VALUES ($1)", ["kept on disk"]);
      const busy = await failure(openStore(storeConfig));
      expect(busy.code).toBe("ARK_STORE_DATA_DIR_IN_USE");
      expect(busy.message).toContain(dataDir);
    } finally {
      await store.close();
    }
    const reopened = await openStore(storeConfig);
    try {
      expect((await reopened.query("SELECT body FROM memories")).rows).toEqual([{ body: "kept on disk" }]);
    } finally {
      await reopened.close();
    }
  }));

  it("starts a data dir that holds no cluster yet from the ARK_PGLITE_TEMPLATE dump, and never loads it over a cluster", async () => {
    // The suite's global setup names a dump with the core migrations applied.
    expect(process.env[PGLITE_TEMPLATE_ENV]).toBeTruthy();
    const dataDir = join(root, "from-template");
    const applied = "SELECT count(*)::int AS n FROM ark_schema_migrations";
    const store = await openStore({ driver: "pglite", dataDir });
    try {
      expect((await store.query<{ n: number }>(applied)).rows[0]!.n).toBeGreaterThan(0);
      await store.query("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('written after the template')");
    } finally {
      await store.close();
    }
    const reopened = await openStore({ driver: "pglite", dataDir });
    try {
      expect((await reopened.query("SELECT note FROM kept")).rows).toEqual([{ note: "written after the template" }]);
    } finally {
      await reopened.close();
    }
  });

  it("refuses a data dir that is a file, or lies under one, with ARK_STORE_DATA_DIR_INVALID naming the path", async () => {
    const file = join(root, "not-a-dir");
    await writeFile(file, "x");
    const under = await failure(openStore({ driver: "pglite", dataDir: join(file, "data") }));
    expect(under.code).toBe("ARK_STORE_DATA_DIR_INVALID");
    expect(under.message).toBe(`The PGlite data dir ${join(file, "data")} (store.dataDir) is not usable: ${file} is a file, not a folder, so the data dir cannot be created under it.`);
    const itself = await failure(openStore({ driver: "pglite", dataDir: file }));
    expect(itself.code).toBe("ARK_STORE_DATA_DIR_INVALID");
    expect(itself.message).toBe(`The PGlite data dir ${file} (store.dataDir) is not usable: it is a file, not a folder.`);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});

describe("data dir lock", () => {
  it("takes over a lock left by a process that no longer exists, and releases only its own", async () => {
    const dataDir = join(root, "stale");
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    await writeFile(`${dataDir}.lock`, `${dead}\n`);
    const lock = await acquireDataDirLock(dataDir);
    expect((await readFile(lock.path, "utf8")).trim()).toBe(String(process.pid));
    expect((await failure(acquireDataDirLock(dataDir))).code).toBe("ARK_STORE_DATA_DIR_IN_USE");
    await lock.release();
    await lock.release();
    const again = await acquireDataDirLock(dataDir);
    await again.release();
  });
});

/** The type bytes of the frontend messages in one protocol buffer (each: a type byte, then an int32 length). */
function frontendMessages(buffer: Uint8Array): string[] {
  const view = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const types: string[] = [];
  for (let at = 0; at < view.length; at += 1 + view.readInt32BE(at + 1)) types.push(String.fromCharCode(view[at]!));
  return types;
}

describe("pglite prepared statements", () => {
  it("sends Parse and Describe on a statement's first run only, and Describe again until one run got that far", async () => {
    const store = await openStore({ driver: "pglite", dataDir: "memory://" });
    try {
      const { db } = store as PgliteStore;
      const sent: string[][] = [];
      const original = db.execProtocolStream.bind(db);
      db.execProtocolStream = (message, options) => {
        sent.push(frontendMessages(message));
        return original(message, options);
      };
      const sql = "SELECT $1::int + 1 AS n";
      await failure(queryPrepared(store, "t_plus", sql, ["x"]));
      expect((await queryPrepared(store, "t_plus", sql, [1])).rows).toEqual([{ n: 2 }]);
      expect((await queryPrepared(store, "t_plus", sql, [2])).rows).toEqual([{ n: 3 }]);
      expect((await queryPrepared(store, "t_none", "SELECT 1 WHERE $1::int < 0", [1])).rows).toEqual([]);
      expect((await queryPrepared(store, "t_none", "SELECT 1 WHERE $1::int < 0", [-1])).rowCount).toBe(1);
      // A DEALLOCATE behind the store's back fails the next run once; the one after prepares the statement again.
      await store.query("DEALLOCATE ALL");
      const gone = await failure(queryPrepared(store, "t_plus", sql, [3]));
      expect(gone.details.sqlstate).toBe("26000");
      expect((await queryPrepared(store, "t_plus", sql, [4])).rows).toEqual([{ n: 5 }]);
      expect(sent.slice(5).filter((types) => types.includes("B"))).toEqual([["B", "E", "S"], ["P", "B", "D", "E", "S"]]);
      expect(sent.slice(0, 5)).toEqual([
        ["P", "B", "D", "E", "S"], // Bind fails: no row description yet
        ["B", "D", "E", "S"],
        ["B", "E", "S"],
        ["P", "B", "D", "E", "S"],
        ["B", "E", "S"],
      ]);
    } finally {
      await store.close();
    }
  });
});
