/**
 * Records node-run results in the idempotency ledger (scope `flow.node_run`), so a node run taken over after a crash
 * returns the recorded result instead of running again. Results that finish while another record is being written are
 * written together: one UPDATE (one commit) for all of them, with exactly the effect of StoreIdempotencyLedger's
 * complete() for each. The engine claims these keys in its own store (node-run-create.ts); a ledger of another kind is
 * called once per result.
 */
import { ArkError } from "../../errors/index.js";
import { queryPrepared } from "../../store/prepared-query.js";
import type { Store } from "../../store/store-port.js";
import { StoreIdempotencyLedger } from "../../tooling/idempotency-ledger.js";
import type { IdempotencyLedger } from "../../tooling/idempotency-port.js";
import { NODE_RUN_LEDGER_SCOPE, type DispatchOutcome } from "./engine-types.js";
import { KeyedBatchQueue } from "./keyed-batch-queue.js";

/** complete()'s statement, for a batch of one (a chain records one result at a time). */
const COMPLETE_ONE_SQL = `
UPDATE ark_idempotency_ledger SET state = 'completed', result = $3::jsonb, completed_at = now() WHERE scope = $1 AND key = $2
RETURNING key`;

/**
 * Several keys in one statement. Not prepared: a custom plan sees how many keys there are and looks them up in the
 * primary key (a generic plan may scan the whole scope instead, which grows with every node run recorded).
 */
const COMPLETE_MANY_SQL = `
UPDATE ark_idempotency_ledger l SET state = 'completed', result = x.e->'result', completed_at = now()
  FROM jsonb_array_elements($2::jsonb) AS x(e)
 WHERE l.scope = $1 AND l.key = ANY($3::text[]) AND l.key = x.e->>'key'
RETURNING l.key`;

type Recorded = { readonly error: unknown } | null;

/** Writes node-run results to the ledger, batching concurrent ones. */
export class NodeResultRecorder {
  private readonly batches = new KeyedBatchQueue<{ key: string; outcome: DispatchOutcome }, Recorded>((_scope, items) => this.completeMany(items));

  constructor(
    private readonly store: Store,
    private readonly ledger: IdempotencyLedger,
  ) {}

  /** Resolves once the result is committed in the ledger; rejects as complete() would (no claim to complete, store errors). */
  async record(key: string, outcome: DispatchOutcome): Promise<void> {
    if (!(this.ledger instanceof StoreIdempotencyLedger)) return this.ledger.complete(NODE_RUN_LEDGER_SCOPE, key, outcome);
    const recorded = await this.batches.submit(NODE_RUN_LEDGER_SCOPE, { key, outcome });
    if (recorded !== null) throw recorded.error;
  }

  private async completeMany(items: readonly { key: string; outcome: DispatchOutcome }[]): Promise<Recorded[]> {
    const results = new Map<string, unknown>();
    for (const { key, outcome } of items) results.set(key, outcome); // a key recorded twice keeps the later result, as two complete() calls would
    const { rows } =
      results.size === 1
        ? await queryPrepared<{ key: string }>(this.store, "ark_flow_ledger_complete_one", COMPLETE_ONE_SQL, [
            NODE_RUN_LEDGER_SCOPE, ...[...results].map(([key, result]) => [key, JSON.stringify(result)]).flat(),
          ])
        : await this.store.query<{ key: string }>(COMPLETE_MANY_SQL, [
            NODE_RUN_LEDGER_SCOPE, JSON.stringify([...results].map(([key, result]) => ({ key, result }))), [...results.keys()],
          ]);
    const completed = new Set(rows.map((r) => r.key));
    return items.map(({ key }) =>
      completed.has(key)
        ? null
        : {
            error: new ArkError(
              "ARK_IDEMPOTENCY_INVALID",
              `No idempotency claim for scope "${NODE_RUN_LEDGER_SCOPE}", key "${key}" to complete: claim it first (or it expired and was purged).`,
              { details: { scope: NODE_RUN_LEDGER_SCOPE, key } },
            ),
          },
    );
  }
}
