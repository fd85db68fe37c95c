import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import { describeStore } from "../../test/support/store-harness.js";
import { isArkError } from "../errors/index.js";
import { queryPrepared } from "./prepared-query.js";
import type { Store } from "./store-port.js";
import { caughtArkError } from "../../test/support/ark-error.js";


function channelName(): string {
  return `ark_test_${randomBytes(4).toString("hex")}`;
}

/** Resolves with the next `count` payloads delivered to a fresh listener on `channel`. */
async function collect(store: Store, channel: string, count: number): Promise<{ payloads: Promise<string[]>; stop(): Promise<void> }> {
  const received: string[] = [];
  let resolve!: (value: string[]) => void;
  const payloads = new Promise<string[]>((r) => (resolve = r));
  const stop = await store.listen(channel, (payload) => {
    received.push(payload);
    if (received.length === count) resolve([...received]);
  });
  return { payloads, stop };
}

async function createItems(store: Store): Promise<void> {
  await store.query("CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE, doc jsonb)");
}

async function names(store: Store): Promise<string[]> {
  const { rows } = await store.query<{ name: string }>("SELECT name FROM items ORDER BY id");
  return rows.map((r) => r.name);
}

describeStore("store port", (getStore, driver) => {
  it("runs parameterised queries and reports rowCount", async () => {
    const store = getStore();
    expect(store.driver).toBe(driver);
    const sum = await store.query<{ sum: number }>("SELECT $1::int + $2::int AS sum", [2, 3]);
    expect(sum.rows).toEqual([{ sum: 5 }]);
    await createItems(store);
    const inserted = await store.query("INSERT INTO items (name) VALUES ($1), ($2) RETURNING id", ["a", "b"]);
    expect(inserted.rowCount).toBe(2);
    expect((await store.query("UPDATE items SET name = name || '!' WHERE name = $1", ["zzz"])).rowCount).toBe(0);
    expect((await store.query("SELECT * FROM items")).rowCount).toBe(2);
  });

  it("round-trips jsonb passed JSON.stringify-ed, and rejects a bare JS array the same way on both drivers", async () => {
    const store = getStore();
    await createItems(store);
    const doc = { tags: ["x", "y"], nested: { n: 1, ok: true }, none: null };
    await store.query("INSERT INTO items (name, doc) VALUES ($1, $2::jsonb)", ["a", JSON.stringify(doc)]);
    const { rows } = await store.query<{ doc: unknown }>("SELECT doc FROM items WHERE name = $1", ["a"]);
    expect(rows[0]!.doc).toEqual(doc);
    const err = await caughtArkError(store.query("INSERT INTO items (name, doc) VALUES ($1, $2::jsonb)", ["b", ["x", "y"]]));
    expect(err.code).toBe("ARK_STORE_QUERY_FAILED");
    expect(err.details.sqlstate).toBe("22P02");
  });

  it("returns the same value shapes on both drivers (int8, date and interval as strings)", async () => {
    const { rows } = await getStore().query(
      "SELECT 9007199254740993::bigint AS big, count(*) AS n, '2024-02-29'::date AS day, interval '90 minutes' AS span, " +
        "'2024-01-01T00:00:00Z'::timestamptz AS at, ARRAY[1, 2]::int8[] AS bigs, 1.5::numeric AS num",
    );
    expect(rows[0]).toEqual({
      big: "9007199254740993", n: "1", day: "2024-02-29", span: "01:30:00",
      at: new Date("2024-01-01T00:00:00Z"), bigs: ["1", "2"], num: "1.5",
    });
  });

  it("runs named prepared statements like query: same rows, errors, transactions", async () => {
    const store = getStore();
    await createItems(store);
    const insert = "INSERT INTO items (name, doc) VALUES ($1, $2::jsonb) RETURNING id, name, doc";
    const first = await queryPrepared(store, "t_insert", insert, ["a", JSON.stringify({ n: 1 })]);
    expect(first).toMatchObject({ rowCount: 1, rows: [{ name: "a", doc: { n: 1 } }] });
    expect((await queryPrepared(store, "t_insert", insert, ["b", null])).rows[0]).toMatchObject({ name: "b", doc: null });
    const duplicate = await caughtArkError(queryPrepared(store, "t_insert", insert, ["a", null]));
    expect(duplicate).toMatchObject({ code: "ARK_STORE_QUERY_FAILED", details: { sqlstate: "23505" } });
    await store.transaction(async (tx) => {
      await queryPrepared(tx, "t_insert", insert, ["in-tx", null]);
      throw new Error("rollback");
    }).catch(() => undefined);
    await queryPrepared(store, "t_insert", insert, ["c", null]);
    const count = "SELECT count(*) AS n, $1::text AS tag, $2::date AS day FROM items";
    expect((await queryPrepared(store, "t_count", count, ["x", "2024-02-29"])).rows).toEqual([{ n: "3", tag: "x", day: "2024-02-29" }]);
    expect(await names(store)).toEqual(["a", "b", "c"]);
  });

  it("keeps a prepared statement's columns and value types on every run, and refuses it once its table's columns change", async () => {
    const store = getStore();
    await createItems(store);
    await store.query("INSERT INTO items (name, doc) VALUES ('a', '{\"n\": 1}'), ('b', NULL)");
    const select = "SELECT *, $2::timestamptz AS at, $3::int8 AS big FROM items WHERE name = $1";
    // A first run that fails at Bind (a bad parameter) must not leave the statement without its columns.
    const badParam = await caughtArkError(queryPrepared(store, "t_items", select, ["a", "not a time", 1]));
    expect(badParam.details.sqlstate).toBe("22007");
    for (const [name, doc] of [["a", { n: 1 }], ["b", null], ["a", { n: 1 }]] as const) {
      const { rows } = await queryPrepared(store, "t_items", select, [name, "2024-01-01T00:00:00Z", 9007199254740993n]);
      expect(rows).toEqual([{ id: expect.any(Number), name, doc, at: new Date("2024-01-01T00:00:00Z"), big: "9007199254740993" }]);
    }
    expect((await queryPrepared(store, "t_items", select, ["zzz", null, null])).rows).toEqual([]);
    await store.query("ALTER TABLE items ADD COLUMN extra int DEFAULT 7");
    const changed = await caughtArkError(queryPrepared(store, "t_items", select, ["a", null, null]));
    expect(changed).toMatchObject({ code: "ARK_STORE_QUERY_FAILED", details: { sqlstate: "0A000" } });
    expect(changed.message).toContain("cached plan must not change result type");
  });

  it("prepares a statement again after DEALLOCATE or DISCARD ALL dropped it from the connection (one failed run)", async () => {
    const store = getStore() as import("./store-session.js").SessionStore;
    const sql = "SELECT $1::int * 2 AS n";
    const runs = await store.withSession(async (session) => {
      const seen: unknown[] = [(await queryPrepared(session, "t_dropped", sql, [1])).rows];
      for (const reset of ["DEALLOCATE ALL", "DEALLOCATE t_dropped", "DISCARD ALL"]) {
        await session.query(reset);
        // The run right after fails before executing anything (26000); the statement never ran twice.
        const gone = await caughtArkError(queryPrepared(session, "t_dropped", sql, [2]));
        expect(gone).toMatchObject({ code: "ARK_STORE_QUERY_FAILED", details: { sqlstate: "26000" } });
        seen.push((await queryPrepared(session, "t_dropped", sql, [3])).rows, (await queryPrepared(session, "t_dropped", sql, [4])).rows);
      }
      return seen;
    });
    expect(runs).toEqual([[{ n: 2 }], ...Array.from({ length: 3 }, () => [[{ n: 6 }], [{ n: 8 }]]).flat()]);
  });

  it("runs several statements without parameters and returns the last one's rows", async () => {
    const store = getStore();
    const result = await store.query("CREATE TABLE t (n int); INSERT INTO t VALUES (1), (2); SELECT sum(n)::int AS total FROM t");
    expect(result.rows).toEqual([{ total: 3 }]);
  });

  it("maps failures to ARK_STORE_QUERY_FAILED with the SQLSTATE and the driver error as cause", async () => {
    const store = getStore();
    const missing = await caughtArkError(store.query("SELECT * FROM no_such_table WHERE id = $1", [1]));
    expect(missing.code).toBe("ARK_STORE_QUERY_FAILED");
    expect(missing.details.sqlstate).toBe("42P01");
    expect(missing.message).toContain("no_such_table");
    expect(missing.cause).toBeInstanceOf(Error);
    await createItems(store);
    await store.query("INSERT INTO items (name) VALUES ('dup')");
    const duplicate = await caughtArkError(store.query("INSERT INTO items (name) VALUES ($1)", ["dup"]));
    expect(duplicate.details).toMatchObject({ sqlstate: "23505", constraint: "items_name_key" });
    expect(duplicate.message).not.toContain("'dup'");
  });

  it("maps a value the column cannot hold to ARK_STORE_VALUE_INVALID (400), saying what is wrong, on both drivers", async () => {
    const store = getStore();
    await createItems(store);
    await store.query("CREATE TABLE sized (id bigint, code varchar(3), at timestamptz)");
    // Thunks: each statement runs only when its turn comes (a pending rejection would be unhandled meanwhile).
    const cases: [() => Promise<unknown>, string, string][] = [
      [() => store.query("INSERT INTO items (name) VALUES ($1)", ["a\u0000b"]), "22021", "NUL character"],
      [() => store.query("INSERT INTO items (name, doc) VALUES ($1, $2::jsonb)", ["j", JSON.stringify({ out: "a\u0000b" })]), "22P05", "NUL character"],
      [() => store.query("INSERT INTO sized (id) VALUES ($1)", ["100000000000000000000"]), "22003", "out of range"],
      [() => store.query("INSERT INTO sized (code) VALUES ($1)", ["toolong"]), "22001", "longer than its column"],
      [() => store.query("INSERT INTO sized (at) VALUES ($1)", ["not a date"]), "22007", "date or time"],
      [() => store.query("SELECT * FROM items OFFSET $1", [-1]), "2201X", "OFFSET"],
    ];
    for (const [query, sqlstate, says] of cases) {
      const err = await caughtArkError(query());
      expect(err.code, sqlstate).toBe("ARK_STORE_VALUE_INVALID");
      expect(err.status).toBe(400);
      expect(err.details.sqlstate).toBe(sqlstate);
      expect(err.message).toContain(says);
    }
    // Nothing was written, and the store still answers.
    expect(await names(store)).toEqual([]);
    expect((await store.query("SELECT count(*)::int AS n FROM sized")).rows).toEqual([{ n: 0 }]);
  });

  it("commits a transaction, and rolls it back (rethrowing the same error) when the callback throws", async () => {
    const store = getStore();
    await createItems(store);
    const value = await store.transaction(async (tx) => {
      await tx.query("INSERT INTO items (name) VALUES ('kept')");
      return 42;
    });
    expect(value).toBe(42);
    const boom = new Error("boom");
    await expect(
      store.transaction(async (tx) => {
        await tx.query("INSERT INTO items (name) VALUES ('dropped')");
        throw boom;
      }),
    ).rejects.toBe(boom);
    const failing = await caughtArkError(store.transaction(async (tx) => {
      await tx.query("INSERT INTO items (name) VALUES ('also dropped')");
      await tx.query("INSERT INTO items (name) VALUES ('kept')");
    }));
    expect(failing.details.sqlstate).toBe("23505");
    expect(await names(store)).toEqual(["kept"]);
  });

  it("nests transactions as savepoints: a failing inner part rolls back alone", async () => {
    const store = getStore();
    await createItems(store);
    await store.transaction(async (tx) => {
      await tx.query("INSERT INTO items (name) VALUES ('outer')");
      await expect(
        tx.transaction(async (inner) => {
          await inner.query("INSERT INTO items (name) VALUES ('inner-dropped')");
          await inner.transaction(async (deepest) => deepest.query("INSERT INTO items (name) VALUES ('deepest-dropped')"));
          throw new Error("inner fails");
        }),
      ).rejects.toThrow("inner fails");
      await tx.transaction(async (inner) => {
        await inner.query("INSERT INTO items (name) VALUES ('inner-kept')");
        await expect(inner.transaction((deepest) => deepest.query("INSERT INTO items (name) VALUES ('inner-kept')"))).rejects.toThrow();
        await inner.query("INSERT INTO items (name) VALUES ('after-deepest')");
      });
    });
    expect(await names(store)).toEqual(["outer", "inner-kept", "after-deepest"]);
  });

  it("runs statements a transaction issues without waiting one at a time, in call order, each reply to its caller", async () => {
    const store = getStore();
    await createItems(store);
    const { replies, failure, after } = await store.transaction(async (tx) => {
      const inserts = Array.from({ length: 12 }, (_, i) =>
        queryPrepared<{ id: number; n: number }>(tx, "store_test_insert", "INSERT INTO items (name) VALUES ($1) RETURNING id, (SELECT count(*)::int FROM items) AS n", [`item-${i}`]),
      );
      const replies = await Promise.all(inserts);
      // A failing statement in the middle: it rejects alone; the ones issued before it answered normally.
      const failure = await caughtArkError(
        tx.transaction(async (sp) => {
          const before = sp.query<{ n: number }>("SELECT count(*)::int AS n FROM items");
          const bad = sp.query("SELECT 1 / 0");
          await expect(before).resolves.toMatchObject({ rows: [{ n: 12 }] });
          await bad;
        }),
      );
      const after = await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM items");
      return { replies, failure, after: after.rows[0]!.n };
    });
    // Each insert saw the ones before it: they ran in call order, and every caller got its own row back.
    expect(replies.map((r) => r.rows[0]!.n)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(new Set(replies.map((r) => r.rows[0]!.id)).size).toBe(12);
    expect(failure.details.sqlstate).toBe("22012");
    expect(after).toBe(12);
  });

  it("refuses a transaction object used after its callback returned", async () => {
    const store = getStore();
    let leaked: { query(sql: string): Promise<unknown> } | undefined;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    expect((await caughtArkError(leaked!.query("SELECT 1"))).code).toBe("ARK_STORE_TRANSACTION_FINISHED");
  });

  it("serialises concurrent read-modify-write transactions without losing an update", async () => {
    const store = getStore();
    await store.query("CREATE TABLE counter (n int NOT NULL); INSERT INTO counter VALUES (0)");
    await Promise.all(
      Array.from({ length: 10 }, () =>
        store.transaction(async (tx) => {
          const { rows } = await tx.query<{ n: number }>("SELECT n FROM counter FOR UPDATE");
          await new Promise((resolve) => setImmediate(resolve));
          await tx.query("UPDATE counter SET n = $1", [rows[0]!.n + 1]);
        }),
      ),
    );
    expect((await store.query("SELECT n FROM counter")).rows).toEqual([{ n: 10 }]);
  });

  it("delivers NOTIFY to listeners, only after commit, never from a rolled-back transaction", async () => {
    const store = getStore();
    const channel = channelName();
    const listener = await collect(store, channel, 2);
    await store.transaction(async (tx) => {
      await tx.query("SELECT pg_notify($1, $2)", [channel, "rolled-back"]);
      throw new Error("rollback");
    }).catch(() => undefined);
    await store.transaction(async (tx) => {
      await tx.query("SELECT pg_notify($1, $2)", [channel, "committed"]);
    });
    await store.notify(channel, "direct");
    expect(await listener.payloads).toEqual(["committed", "direct"]);
    await listener.stop();
    await listener.stop();
  });

  it("stops delivering to an unsubscribed handler and rejects bad channel names", async () => {
    const store = getStore();
    const [first, second] = [channelName(), channelName()];
    const heard: string[] = [];
    const stopFirst = await store.listen(first, (p) => heard.push(p));
    const secondListener = await collect(store, second, 1);
    await stopFirst();
    await store.notify(first, "after-unsubscribe");
    await store.notify(second, "marker");
    expect(await secondListener.payloads).toEqual(["marker"]);
    expect(heard).toEqual([]);
    expect((await caughtArkError(store.listen("Bad-Channel", () => undefined))).code).toBe("ARK_INVALID_ARGUMENT");
    expect((await caughtArkError(store.notify("x; DROP TABLE y", "p"))).code).toBe("ARK_INVALID_ARGUMENT");
  });

  it("keeps session state for the length of withSession", async () => {
    const store = getStore() as import("./store-session.js").SessionStore;
    const unlocked = await store.withSession(async (session) => {
      await session.query("SELECT pg_advisory_lock(777001)");
      const committed = await session.transaction(async (tx) => (await tx.query<{ one: number }>("SELECT 1 AS one")).rows[0]!.one);
      expect(committed).toBe(1);
      return (await session.query<{ ok: boolean }>("SELECT pg_advisory_unlock(777001) AS ok")).rows[0]!.ok;
    });
    expect(unlocked).toBe(true);
  });

  it("reports health, closes idempotently, and refuses every call after close", async () => {
    const store = getStore();
    const health = await store.health();
    expect(health).toMatchObject({ ok: true, driver });
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    await Promise.all([store.close(), store.close()]);
    await store.close();
    expect(await store.health()).toMatchObject({ ok: false, driver });
    for (const call of [
      () => store.query("SELECT 1"),
      () => store.transaction(async () => undefined),
      () => store.listen("ark_closed", () => undefined),
      () => store.notify("ark_closed", "x"),
    ]) {
      expect((await caughtArkError(call())).code).toBe("ARK_STORE_CLOSED");
    }
  });

  if (driver === "pglite") {
    it("makes a query issued during a transaction wait for it (one connection)", async () => {
      const store = getStore();
      await createItems(store);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let inserted!: () => void;
      const insertedSignal = new Promise<void>((r) => (inserted = r));
      const tx = store.transaction(async (t) => {
        await t.query("INSERT INTO items (name) VALUES ('in-tx')");
        inserted();
        await gate;
      });
      await insertedSignal;
      const outside = store.query<{ n: string }>("SELECT count(*) AS n FROM items");
      release();
      await tx;
      expect((await outside).rows).toEqual([{ n: "1" }]);
    });

    it("fails fast, instead of deadlocking, when the store is used inside its own transaction", async () => {
      const store = getStore();
      const err = await caughtArkError(store.transaction(async () => store.query("SELECT 1")));
      expect(err.code).toBe("ARK_STORE_REENTRANT");
      expect(isArkError(err, "ARK_STORE_REENTRANT")).toBe(true);
      expect((await store.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    });
  }
});
