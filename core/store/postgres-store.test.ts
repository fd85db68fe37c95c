import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASE_URL } from "../../test/support/store-harness.js";
import { ArkError } from "../errors/index.js";
import { openStore } from "./open-store.js";
import { queryPrepared } from "./prepared-query.js";
import type { SessionStore } from "./store-session.js";

async function openFailure(promise: Promise<unknown>): Promise<ArkError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ArkError);
    return err as ArkError;
  }
  throw new Error("expected openStore to fail");
}

describe("postgres driver: unreachable servers (no database needed)", () => {
  it("fails with ARK_STORE_UNREACHABLE naming host:port when nothing listens", async () => {
    const err = await openFailure(openStore({ driver: "postgres", url: "postgres://ark:s3cret-pw@127.0.0.1:1/arkdb", connectTimeoutMs: 2000 }));
    expect(err.code).toBe("ARK_STORE_UNREACHABLE");
    expect(err.message).toContain("127.0.0.1:1/arkdb");
    expect(err.message).toMatch(/check that PostgreSQL is running/);
    expect(err.message).not.toContain("s3cret-pw");
    expect(err.details).toMatchObject({ host: "127.0.0.1", port: 1, database: "arkdb", user: "ark" });
    expect(err.cause).toBeDefined();
  });

  describe("a server that accepts TCP connections but never answers", () => {
    let server: Server;
    const sockets = new Set<Socket>();
    let port = 0;
    beforeAll(async () => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    it("gives up after connectTimeoutMs with ARK_STORE_UNREACHABLE instead of hanging", async () => {
      const err = await openFailure(openStore({ driver: "postgres", url: `postgres://ark@127.0.0.1:${port}/db`, connectTimeoutMs: 300 }));
      expect(err.code).toBe("ARK_STORE_UNREACHABLE");
      expect(err.message).toContain(`127.0.0.1:${port}/db`);
      expect(err.details.connectTimeoutMs).toBe(300);
    });
  });

  it("lets ARK_DATABASE_URL override a pglite config (forcing postgres)", async () => {
    const err = await openFailure(openStore({ driver: "pglite", dataDir: "memory://" }, { env: { ARK_DATABASE_URL: "postgres://127.0.0.1:1/from_env" } }));
    expect(err.code).toBe("ARK_STORE_UNREACHABLE");
    expect(err.message).toContain("127.0.0.1:1/from_env");
  });

  it("rejects postgres without a url as a config problem", async () => {
    const err = await openFailure(openStore({ driver: "postgres" }));
    expect(err.code).toBe("ARK_CONFIG_INVALID");
    expect(err.message).toContain("store: driver \"postgres\" needs a url");
  });
});

describe.skipIf(!TEST_DATABASE_URL)("postgres driver against a real server", () => {
  const url = TEST_DATABASE_URL ?? "";

  it("cancels a statement that runs past statementTimeoutMs with ARK_STORE_TIMEOUT", async () => {
    const store = await openStore({ driver: "postgres", url, statementTimeoutMs: 150, poolMax: 1 });
    try {
      const err = await openFailure(store.query("SELECT pg_sleep(5)"));
      expect(err.code).toBe("ARK_STORE_TIMEOUT");
      expect(err.details).toMatchObject({ sqlstate: "57014", statementTimeoutMs: 150 });
      expect((await store.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await store.close();
    }
  });

  it("reports a pool whose connections all stay busy as ARK_STORE_TIMEOUT, not as an unreachable server", async () => {
    const store = await openStore({ driver: "postgres", url, poolMax: 1, connectTimeoutMs: 200 });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const inside = new Promise<void>((r) => (started = r));
    const busy = store.transaction(async () => {
      started();
      await held;
    });
    try {
      await inside;
      const err = await openFailure(store.query("SELECT 1"));
      expect(err.code).toBe("ARK_STORE_TIMEOUT");
      expect(err.message).toContain("all 1 pooled connections stayed busy");
    } finally {
      release();
      await busy;
      await store.close();
    }
  });

  it("names a missing database and how to fix it", async () => {
    const missing = new URL(url);
    missing.pathname = "/ark_no_such_database";
    const err = await openFailure(openStore({ driver: "postgres", url: missing.toString() }));
    expect(err.code).toBe("ARK_STORE_UNREACHABLE");
    expect(err.message).toContain("ark_no_such_database");
    expect(err.message).toContain("createdb");
    expect(err.details.code).toBe("3D000");
  });

  it("prepares a pooled statement again after a reset query dropped it, and keeps the pool's connection", async () => {
    const store = await openStore({ driver: "postgres", url, poolMax: 1 });
    try {
      const backend = async (): Promise<number> => (await store.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
      const pid = await backend();
      const sql = "SELECT $1::int + 1 AS n";
      expect((await queryPrepared(store, "t_pool_reset", sql, [1])).rows).toEqual([{ n: 2 }]);
      await store.query("DISCARD ALL");
      expect((await openFailure(queryPrepared(store, "t_pool_reset", sql, [2]))).details.sqlstate).toBe("26000");
      expect((await queryPrepared(store, "t_pool_reset", sql, [3])).rows).toEqual([{ n: 4 }]);
      expect((await queryPrepared(store, "t_pool_reset", sql, [4])).rows).toEqual([{ n: 5 }]);
      expect(await backend()).toBe(pid);
    } finally {
      await store.close();
    }
  });

  it("keeps running when the server ends a connection a caller holds between statements, and replaces it", async () => {
    const store = await openStore({ driver: "postgres", url, poolMax: 1 });
    const admin = await openStore({ driver: "postgres", url, poolMax: 1 });
    try {
      const late = await (store as SessionStore).withSession(async (session) => {
        const { pid } = (await session.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!;
        await admin.query("SELECT pg_terminate_backend($1)", [pid]);
        // The server's FATAL message arrives while no statement runs on the held connection.
        await new Promise((resolve) => setTimeout(resolve, 200));
        return openFailure(session.query("SELECT 1"));
      });
      expect(late.code).toBe("ARK_STORE_UNREACHABLE");
      const inTransaction = await (store as SessionStore).withSession(async (session) =>
        openFailure(session.transaction(async (tx) => {
          const { pid } = (await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!;
          await admin.query("SELECT pg_terminate_backend($1)", [pid]);
          await new Promise((resolve) => setTimeout(resolve, 200));
        })),
      );
      expect(inTransaction.code).toBe("ARK_STORE_UNREACHABLE");
      expect((await store.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
      expect((await queryPrepared(store, "t_after_kill", "SELECT $1::int AS n", [7])).rows).toEqual([{ n: 7 }]);
    } finally {
      await admin.close();
      await store.close();
    }
  });

  it("sets application_name on its connections", async () => {
    const store = await openStore({ driver: "postgres", url, applicationName: "ark-test-app", poolMax: 1 });
    try {
      const { rows } = await store.query<{ name: string }>("SELECT current_setting('application_name') AS name");
      expect(rows).toEqual([{ name: "ark-test-app" }]);
    } finally {
      await store.close();
    }
  });

  it("re-listens after its LISTEN connection is killed", async () => {
    const applicationName = `ark-listen-test-${process.pid}`;
    const store = await openStore({ driver: "postgres", url, applicationName, poolMax: 2 });
    try {
      const heard: string[] = [];
      let wake!: () => void;
      let next = new Promise<void>((r) => (wake = r));
      await store.listen("ark_test_relisten", (p) => {
        heard.push(p);
        wake();
      });
      await store.notify("ark_test_relisten", "before");
      await next;
      next = new Promise<void>((r) => (wake = r));
      await store.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'",
        [applicationName],
      );
      // Keep notifying until the re-established LISTEN hears one (it reconnects after a short back-off).
      const timer = setInterval(() => void store.notify("ark_test_relisten", "after").catch(() => undefined), 100);
      await next.finally(() => clearInterval(timer));
      expect(heard[0]).toBe("before");
      expect(heard).toContain("after");
    } finally {
      await store.close();
    }
  });
});
