import { expect, it } from "vitest";
import { describeStore } from "../../test/support/store-harness.js";
import { ArkError } from "../errors/index.js";
import type { MigrationSource } from "../store/migration-source.js";
import type { Store } from "../store/store-port.js";
import { StoreIdempotencyLedger, startIdempotencyPurger } from "./idempotency-ledger.js";

async function failure(promise: Promise<unknown>): Promise<ArkError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ArkError);
    return err as ArkError;
  }
  throw new Error("expected a failure");
}

async function expire(store: Store, scope: string, key: string): Promise<void> {
  await store.query("UPDATE ark_idempotency_ledger SET expires_at = now() - interval '1 second' WHERE scope = $1 AND key = $2", [scope, key]);
}

async function rowCount(store: Store): Promise<number> {
  return (await store.query("SELECT 1 FROM ark_idempotency_ledger")).rowCount;
}

/** The ledger's table (0001). */
function ledgerMigrations(core: readonly MigrationSource[]): MigrationSource[] {
  return core.filter((m) => m.id === "core/0001_idempotency_ledger");
}

/** The row's xmin: it changes whenever a statement writes a new version of the row. */
async function rowVersion(store: Store, scope: string, key: string): Promise<string> {
  const { rows } = await store.query<{ v: string }>("SELECT xmin::text AS v FROM ark_idempotency_ledger WHERE scope = $1 AND key = $2", [scope, key]);
  return rows[0]!.v;
}

/** Claims inside a transaction and reports whether that transaction got a transaction id (i.e. wrote anything). */
async function xidAfterClaim(store: Store, scope: string, key: string): Promise<string | null> {
  return store.transaction(async (tx) => {
    await new StoreIdempotencyLedger(tx).claim(scope, key);
    return (await tx.query<{ xid: string | null }>("SELECT pg_current_xact_id_if_assigned()::text AS xid")).rows[0]!.xid;
  });
}

/** Waits until some other backend is blocked by backend `pid` (bounded, so a broken setup fails instead of hanging). */
async function untilSomeoneWaitsOn(store: Store, pid: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await store.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))", [pid]);
    if (rows[0]!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no backend ever waited on backend ${pid}`);
}

describeStore(
  "idempotency ledger",
  (getStore, driver) => {
    const ledger = (): StoreIdempotencyLedger => new StoreIdempotencyLedger(getStore());

    it("claims a new key, then answers repeats with the pending claim", async () => {
      const l = ledger();
      const first = await l.claim("tool:memory.add", "run:1:node:2:execution:0", { ttlSeconds: 60 });
      expect(first.status).toBe("claimed");
      expect(first.status === "claimed" && first.expiresAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
      const repeat = await l.claim("tool:memory.add", "run:1:node:2:execution:0");
      expect(repeat).toMatchObject({ status: "existing", state: "pending", result: null, scope: "tool:memory.add" });
      expect(repeat.status === "existing" && repeat.claimedAt).toBeInstanceOf(Date);
      expect(repeat.expiresAt).toEqual(first.expiresAt);
      // The claim's times are the row's, to the millisecond, whatever the session's time zone.
      const { rows } = await getStore().query<{ claimed_ms: string; expires_ms: string }>(
        `SELECT (extract(epoch FROM date_trunc('milliseconds', claimed_at)) * 1000)::int8 AS claimed_ms,
                (extract(epoch FROM date_trunc('milliseconds', expires_at)) * 1000)::int8 AS expires_ms
         FROM ark_idempotency_ledger WHERE scope = $1 AND key = $2`,
        ["tool:memory.add", "run:1:node:2:execution:0"],
      );
      expect(repeat.status === "existing" && repeat.claimedAt.getTime()).toBe(Number(rows[0]!.claimed_ms));
      expect(first.expiresAt.getTime()).toBe(Number(rows[0]!.expires_ms));
      const elsewhere = await getStore().transaction(async (tx) => {
        await tx.query("SET LOCAL TIME ZONE 'Asia/Kathmandu'");
        return new StoreIdempotencyLedger(tx).claim("tool:memory.add", "run:1:node:2:execution:0");
      });
      expect(elsewhere.expiresAt).toEqual(first.expiresAt);
      // Same key in another scope is independent.
      expect((await l.claim("tool:plan.create", "run:1:node:2:execution:0")).status).toBe("claimed");
    });

    it("returns the recorded result to every later claim once completed", async () => {
      const l = ledger();
      await l.claim("s", "k");
      const result = { ok: true, items: [1, "two", { three: 3 }], nothing: null };
      await l.complete("s", "k", result);
      const repeat = await l.claim("s", "k");
      expect(repeat).toMatchObject({ status: "existing", state: "completed", result });
      await l.claim("s", "scalar");
      await l.complete("s", "scalar", "just text");
      expect(await l.claim("s", "scalar")).toMatchObject({ state: "completed", result: "just text" });
      await l.claim("s", "undefined-result");
      await l.complete("s", "undefined-result", undefined);
      expect(await l.claim("s", "undefined-result")).toMatchObject({ state: "completed", result: null });
    });

    it("moves the expiry on completion when asked: a short claim lease, then the long replay window", async () => {
      const l = ledger();
      const lease = await l.claim("s", "leased", { ttlSeconds: 5 });
      await l.complete("s", "leased", { v: 1 }, { ttlSeconds: 3600 });
      const repeat = await l.claim("s", "leased");
      expect(repeat).toMatchObject({ state: "completed", result: { v: 1 } });
      expect(repeat.expiresAt.getTime() - lease.expiresAt.getTime()).toBeGreaterThan(3000 * 1000);
      await l.claim("s", "kept", { ttlSeconds: 60 });
      const before = (await l.claim("s", "kept")).expiresAt;
      await l.complete("s", "kept", 1);
      expect((await l.claim("s", "kept")).expiresAt).toEqual(before);
      await expect(l.complete("s", "kept", 1, { ttlSeconds: -1 })).rejects.toMatchObject({ code: "ARK_IDEMPOTENCY_INVALID" });
    });

    it("releases a pending claim so the work can be claimed again, but never a completed one", async () => {
      const l = ledger();
      await l.claim("s", "pending");
      await l.release("s", "pending");
      expect((await l.claim("s", "pending")).status).toBe("claimed");
      await l.complete("s", "pending", { done: 1 });
      await l.release("s", "pending");
      expect(await l.claim("s", "pending")).toMatchObject({ status: "existing", state: "completed", result: { done: 1 } });
      await l.release("s", "never-claimed");
    });

    it("lets a new caller take over an expired claim (result cleared), and purges only expired rows", async () => {
      const store = getStore();
      const l = ledger();
      await l.claim("s", "old");
      await l.complete("s", "old", { stale: true });
      await l.claim("s", "live");
      await expire(store, "s", "old");
      const takeover = await l.claim("s", "old", { ttlSeconds: 30 });
      expect(takeover.status).toBe("claimed");
      expect(await l.claim("s", "old")).toMatchObject({ status: "existing", state: "pending", result: null });

      await expire(store, "s", "old");
      await l.claim("s", "another");
      await expire(store, "s", "another");
      expect(await l.purgeExpired()).toBe(2);
      expect(await l.purgeExpired()).toBe(0);
      expect(await rowCount(store)).toBe(1);
      expect((await l.claim("s", "live")).status).toBe("existing");
    });

    it("with the claim token, a caller whose lease ran out neither completes nor releases the claim that took over", async () => {
      const store = getStore();
      const l = ledger();
      const first = await l.claim("s", "lease", { ttlSeconds: 30 });
      if (first.status !== "claimed") throw new Error("expected a claim");
      await expire(store, "s", "lease");
      const second = await l.claim("s", "lease", { ttlSeconds: 30 });
      if (second.status !== "claimed") throw new Error("expected a takeover");
      expect(second.token).not.toBe(first.token);
      // The first caller (its kernel only stalled) comes back: its release and its completion leave the row alone.
      await l.release("s", "lease", { token: first.token });
      const lost = await failure(l.complete("s", "lease", { from: "first" }, { token: first.token }));
      expect(lost).toMatchObject({ code: "ARK_IDEMPOTENCY_INVALID", details: { reason: "claim_lost" } });
      expect(await l.claim("s", "lease")).toMatchObject({ status: "existing", state: "pending", result: null });
      await l.complete("s", "lease", { from: "second" }, { token: second.token, ttlSeconds: 60 });
      expect(await l.claim("s", "lease")).toMatchObject({ status: "existing", state: "completed", result: { from: "second" } });
      // The owner's own release drops its pending claim; a malformed token is refused before any SQL runs.
      const third = await l.claim("s", "own");
      if (third.status !== "claimed") throw new Error("expected a claim");
      await l.release("s", "own", { token: third.token });
      expect((await l.claim("s", "own")).status).toBe("claimed");
      expect((await failure(l.release("s", "own", { token: "not-a-uuid" }))).code).toBe("ARK_IDEMPOTENCY_INVALID");
      expect((await failure(l.complete("s", "own", 1, { token: 7 as unknown as string }))).code).toBe("ARK_IDEMPOTENCY_INVALID");
    });

    it("gives exactly one of 20 parallel claims the work; the 19 others see its result once completed", async () => {
      const l = ledger();
      const claims = await Promise.all(Array.from({ length: 20 }, () => l.claim("race", "same-key", { ttlSeconds: 60 })));
      expect(claims.filter((c) => c.status === "claimed")).toHaveLength(1);
      const existing = claims.filter((c) => c.status === "existing");
      expect(existing).toHaveLength(19);
      for (const c of existing) expect(c).toMatchObject({ state: "pending", result: null });
      await l.complete("race", "same-key", { winner: true, value: 42 });
      const retries = await Promise.all(Array.from({ length: 19 }, () => l.claim("race", "same-key")));
      for (const retry of retries) expect(retry).toMatchObject({ status: "existing", state: "completed", result: { winner: true, value: 42 } });
    });

    it("gives exactly one of 20 parallel claims on an expired row the takeover", async () => {
      const store = getStore();
      const l = ledger();
      await l.claim("race", "expired");
      await expire(store, "race", "expired");
      const claims = await Promise.all(Array.from({ length: 20 }, () => l.claim("race", "expired")));
      expect(claims.filter((c) => c.status === "claimed")).toHaveLength(1);
    });

    it("answers a repeat of a live claim without writing the row (pending or completed)", async () => {
      const store = getStore();
      const l = ledger();
      await l.claim("s", "k");
      const afterClaim = await rowVersion(store, "s", "k");
      await l.claim("s", "k");
      await l.claim("s", "k");
      expect(await rowVersion(store, "s", "k")).toBe(afterClaim);
      await l.complete("s", "k", { n: 1 });
      const afterComplete = await rowVersion(store, "s", "k");
      expect(await l.claim("s", "k")).toMatchObject({ status: "existing", state: "completed", result: { n: 1 } });
      expect(await rowVersion(store, "s", "k")).toBe(afterComplete);
      // No transaction id either: the repeat is read-only, so its commit waits for no WAL flush. A new key does write.
      expect(await xidAfterClaim(store, "s", "k")).toBeNull();
      expect(await xidAfterClaim(store, "s", "another")).not.toBeNull();
    });

    it.skipIf(driver === "pglite")("never purges a row that a concurrent claim took over while the purge waited for it", async () => {
      const store = getStore();
      const l = ledger();
      await l.claim("s", "renewed");
      await expire(store, "s", "renewed");
      let purge: Promise<number> | undefined;
      await store.transaction(async (tx) => {
        expect((await new StoreIdempotencyLedger(tx).claim("s", "renewed", { ttlSeconds: 60 })).status).toBe("claimed");
        const { rows } = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        // The purge's snapshot still shows the old, expired version; it blocks on this transaction's row lock.
        purge = l.purgeExpired();
        await untilSomeoneWaitsOn(store, rows[0]!.pid);
      });
      expect(await purge).toBe(0);
      expect(await l.claim("s", "renewed")).toMatchObject({ status: "existing", state: "pending" });
    });

    it("says to run the migrations when the ledger table is missing", async () => {
      const store = getStore();
      await store.query("DROP TABLE ark_idempotency_ledger");
      const err = await failure(ledger().claim("s", "k"));
      expect(err.code).toBe("ARK_STORE_QUERY_FAILED");
      expect(err.message).toContain("ark db migrate");
      expect(err.details.sqlstate).toBe("42P01");
    });

    it("works inside a transaction: a rolled-back claim leaves no row", async () => {
      const store = getStore();
      await store
        .transaction(async (tx) => {
          expect((await new StoreIdempotencyLedger(tx).claim("tx", "k")).status).toBe("claimed");
          throw new Error("rollback");
        })
        .catch(() => undefined);
      expect((await ledger().claim("tx", "k")).status).toBe("claimed");
    });

    it("rejects bad scope, key, ttl and results with ARK_IDEMPOTENCY_INVALID", async () => {
      const l = ledger();
      const bad: Array<() => Promise<unknown>> = [
        () => l.claim("", "k"),
        () => l.claim("s", ""),
        () => l.claim(42 as unknown as string, "k"),
        () => l.claim("s", null as unknown as string),
        () => l.claim("s", "k\u0000"),
        () => l.claim("s".repeat(300), "k"),
        () => l.claim("s", "k".repeat(2000)),
        () => l.claim("s", "k", { ttlSeconds: 0 }),
        () => l.claim("s", "k", { ttlSeconds: -5 }),
        () => l.claim("s", "k", { ttlSeconds: Number.NaN }),
        () => l.claim("s", "k", { ttlSeconds: Number.POSITIVE_INFINITY }),
        () => l.claim("s", "k", { ttlSeconds: "60" as unknown as number }),
        () => l.claim("s", "k", { ttlSeconds: 1e12 }),
        () => l.complete("s", "never-claimed", { x: 1 }),
        () => l.complete("", "k", 1),
        () => l.release("s", ""),
      ];
      for (const call of bad) expect((await failure(call())).code).toBe("ARK_IDEMPOTENCY_INVALID");
      await l.claim("s", "k");
      expect((await failure(l.complete("s", "k", { big: 10n }))).code).toBe("ARK_IDEMPOTENCY_INVALID");
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      expect((await failure(l.complete("s", "k", circular))).code).toBe("ARK_IDEMPOTENCY_INVALID");
      expect(() => new StoreIdempotencyLedger(getStore(), { defaultTtlSeconds: 0 })).toThrow(ArkError);
    });

    it("purges on an interval until stopped", async () => {
      const store = getStore();
      const l = ledger();
      await l.claim("s", "expired");
      await expire(store, "s", "expired");
      const stop = startIdempotencyPurger(l, { intervalMs: 10 });
      try {
        while ((await rowCount(store)) > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      } finally {
        stop();
      }
      expect(await rowCount(store)).toBe(0);
    });
  },
  // Only the ledger's own migrations: the suite does not depend on other areas' ones.
  { migrate: ledgerMigrations, poolMax: 12 },
);
