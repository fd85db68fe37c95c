/**
 * The ledger step of the envelope: a call with an idempotency key is claimed before it runs; a repeat gets the
 * recorded result (replayed), a concurrent duplicate waits briefly for the first call, a failure releases the claim.
 * The recorded entry carries a digest of the input, so a key reused for a different call is refused, not replayed.
 * The claim is the only statement on the caller's path: the result is recorded (or the claim released) in the
 * background, because the caller's answer never depends on that write (a ledger outage leaves the claim to expire,
 * it does not fail finished work). A repeat in this process waits for that write instead of polling; `drain` waits
 * for all of them (the kernel calls it on stop).
 */
import { createHash } from "node:crypto";
import { ArkError } from "../errors/index.js";
import type { ToolInvocationResult } from "../plugin-api/contributions.js";
import type { IdempotencyLedger } from "./idempotency-port.js";

/** Timing of the wait for a running duplicate. */
export interface IdempotencyGateOptions {
  /** How long a recorded result answers repeats. */
  readonly ttlSeconds: number;
  /**
   * How long a claim holds while its call runs. A kernel that crashes mid-call leaves the claim pending; after this
   * lease a repeat may run the call again instead of answering ARK_TOOL_IN_PROGRESS until the long ttl ends.
   */
  readonly claimLeaseSeconds: number;
  readonly inProgressWaitMs: number;
  readonly inProgressPollMs: number;
}

/** What the ledger stores per call. */
interface RecordedCall {
  readonly input_sha256: string;
  readonly result: ToolInvocationResult;
}

/** This caller owns the call: run it, then record or release with the claim's token. */
export interface OwnedClaim {
  readonly token: string;
}

/** Where a claimed call is recorded. */
export interface LedgerSlot {
  readonly scope: string;
  readonly key: string;
  readonly inputDigest: string;
}

const MAX_KEY_BYTES = 1024;
/** Scope ids that identify a caller; other scope entries (request ids, workspace) do not split the key space. */
const IDENTITY_KEYS = ["flowchart_run_id", "node_run_id", "task_id", "tenant"] as const;

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** JSON with sorted object keys, for digests that do not depend on key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The ledger scope and key of a call: `tool:<domain>.<operation>` and `<caller ids>|<key>` (hashed when too long). */
export function ledgerSlotOf(domain: string, operation: string, callerScope: Readonly<Record<string, unknown>>, key: string, input: unknown): LedgerSlot {
  const ids = IDENTITY_KEYS.filter((k) => callerScope[k] !== undefined && callerScope[k] !== null).map((k) => `${k}=${String(callerScope[k])}`);
  let ledgerKey = `${ids.join(",") || "global"}|${key}`;
  if (Buffer.byteLength(ledgerKey) > MAX_KEY_BYTES) ledgerKey = `sha256:${sha256(ledgerKey)}`;
  return { scope: `tool:${domain}.${operation}`, key: ledgerKey, inputDigest: sha256(stableJson(input)) };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

function slotId(slot: LedgerSlot): string {
  return `${slot.scope}\u0000${slot.key}`;
}

/** The ledger step: claim, replay, wait, record, release. */
export class IdempotencyGate {
  /** Background records and releases still being written, by slot. */
  private readonly settling = new Map<string, Promise<void>>();

  constructor(
    private readonly ledger: IdempotencyLedger,
    private readonly options: IdempotencyGateOptions,
  ) {}

  /**
   * Claims the slot (one statement). Answers the owned claim when this caller runs the work, or the recorded result
   * of an earlier call.
   * Throws ARK_TOOL_IN_PROGRESS when the first call is still running after the wait, ARK_TOOL_IDEMPOTENCY_CONFLICT
   * when the recorded call had another input.
   */
  async enter(slot: LedgerSlot, signal?: AbortSignal): Promise<OwnedClaim | ToolInvocationResult> {
    await this.settling.get(slotId(slot));
    const deadline = Date.now() + this.options.inProgressWaitMs;
    for (;;) {
      const claim = await this.ledger.claim(slot.scope, slot.key, { ttlSeconds: Math.min(this.options.claimLeaseSeconds, this.options.ttlSeconds) });
      if (claim.status === "claimed") return { token: claim.token };
      if (claim.state === "completed") return this.replay(slot, claim.result);
      if (Date.now() >= deadline || signal?.aborted) {
        throw new ArkError("ARK_TOOL_IN_PROGRESS", `A call with idempotency key "${slot.key}" (${slot.scope}) is still running; retry later with the same key.`, {
          details: { idempotency_scope: slot.scope, idempotency_key: slot.key, claimed_at: claim.claimedAt.toISOString() },
        });
      }
      await sleep(this.options.inProgressPollMs, signal);
    }
  }

  /**
   * Records a finished call's result (success or warning), or releases the claim of a failure, in the background: the
   * second and last statement of a ledgered call, off the caller's path. `onError` hears a write that failed.
   */
  settle(slot: LedgerSlot, owned: OwnedClaim, result: ToolInvocationResult, onError: (err: unknown) => void): void {
    const id = slotId(slot);
    // Started on the next turn: an in-process store (PGlite) would otherwise run the write before the caller resumes.
    const write: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => (result.status === "failed" ? this.release(slot, owned) : this.record(slot, owned, result)))
      .catch(onError)
      .finally(() => {
        if (this.settling.get(id) === write) this.settling.delete(id);
      });
    this.settling.set(id, write);
  }

  /** Waits until every background record and release has been written (or has failed). */
  async drain(): Promise<void> {
    while (this.settling.size > 0) await Promise.all(this.settling.values());
  }

  /** Records a finished call's result (success or warning): the second and last statement of a ledgered call. */
  async record(slot: LedgerSlot, owned: OwnedClaim, result: ToolInvocationResult): Promise<void> {
    const recorded: RecordedCall = { input_sha256: slot.inputDigest, result };
    await this.ledger.complete(slot.scope, slot.key, recorded, { ttlSeconds: this.options.ttlSeconds, token: owned.token });
  }

  /** Drops the claim of a failed call so the same key may try again (only this call's claim, not a takeover's). */
  async release(slot: LedgerSlot, owned: OwnedClaim): Promise<void> {
    await this.ledger.release(slot.scope, slot.key, { token: owned.token });
  }

  private replay(slot: LedgerSlot, stored: unknown): ToolInvocationResult {
    const recorded = stored as Partial<RecordedCall> | null;
    if (!recorded || typeof recorded !== "object" || !recorded.result) {
      throw new ArkError("ARK_TOOL_IDEMPOTENCY_CONFLICT", `Idempotency key "${slot.key}" (${slot.scope}) holds a result this kernel did not record; use a new key.`, {
        details: { idempotency_scope: slot.scope, idempotency_key: slot.key },
      });
    }
    if (recorded.input_sha256 !== slot.inputDigest) {
      throw new ArkError("ARK_TOOL_IDEMPOTENCY_CONFLICT", `Idempotency key "${slot.key}" was already used for ${slot.scope} with a different input.`, {
        details: { idempotency_scope: slot.scope, idempotency_key: slot.key },
      });
    }
    const result = recorded.result;
    return { ...result, replayed: true, trace: { ...result.trace, replayed: true } };
  }
}
