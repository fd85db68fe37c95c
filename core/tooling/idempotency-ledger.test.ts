import { expect, it } from "vitest";
import { describeStore } from "../../test/support/store-harness.js";
import { ArkError } from "../errors/index.js";
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

describeStore(
  "idempotency ledger",
  (getStore) => {
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
  // Only the ledger's own table: the suite does not depend on other areas' migrations.
  { migrate: (core) => core.filter((m) => m.id === "core/0001_idempotency_ledger"), poolMax: 12 },
);
