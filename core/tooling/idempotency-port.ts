/** Outcome of an idempotency claim: either this caller owns the work, or someone already did (or is doing) it. */
export type IdempotencyClaim =
  | { readonly status: "claimed"; readonly scope: string; readonly key: string; readonly expiresAt: Date }
  | {
      readonly status: "existing";
      readonly scope: string;
      readonly key: string;
      /** `pending` while the first caller is still working; `completed` once it recorded a result. */
      readonly state: "pending" | "completed";
      readonly result: unknown;
      readonly claimedAt: Date;
      readonly expiresAt: Date;
    };

/** The idempotency ledger: a repeated call gets the first call's result instead of running twice. */
export interface IdempotencyLedger {
  /** Atomically records a new claim (one round trip) or returns the existing unexpired one with its result. */
  claim(scope: string, key: string, options?: { ttlSeconds?: number }): Promise<IdempotencyClaim>;
  /** Records the result of a claimed piece of work. */
  complete(scope: string, key: string, result: unknown, options?: { ttlSeconds?: number }): Promise<void>;
  /** Drops a pending claim so the work may be tried again (after a failure that did not happen). */
  release(scope: string, key: string): Promise<void>;
  /** Deletes expired rows; returns how many. */
  purgeExpired(): Promise<number>;
}
