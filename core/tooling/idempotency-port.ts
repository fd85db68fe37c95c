/** Outcome of an idempotency claim: either this caller owns the work, or someone already did (or is doing) it. */
export type IdempotencyClaim =
  | {
      readonly status: "claimed";
      readonly scope: string;
      readonly key: string;
      readonly expiresAt: Date;
      /** This claim's token: pass it to complete/release so a claim taken over after its lease is left alone. */
      readonly token: string;
    }
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
  /**
   * Records the result of a claimed piece of work. With `token`, only while the row still carries that claim (else
   * ARK_IDEMPOTENCY_INVALID with `details.reason: "claim_lost"`): a caller whose lease ran out must not overwrite
   * the caller that took the key over.
   */
  complete(scope: string, key: string, result: unknown, options?: { ttlSeconds?: number; token?: string }): Promise<void>;
  /** Drops a pending claim so the work may be tried again (after a failure that did not happen); with `token`, only that claim. */
  release(scope: string, key: string, options?: { token?: string }): Promise<void>;
  /** Deletes expired rows; returns how many. */
  purgeExpired(): Promise<number>;
}
