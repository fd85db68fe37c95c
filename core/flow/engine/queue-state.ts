/**
 * The work queue as an operator (or the observability tool domain) sees it: activations waiting or claimed, and the
 * node runs holding leases — which worker owns each and whether the lease has expired (lease recovery will take it).
 */
import type { Queryable } from "../../store/store-port.js";
import { parseRowId } from "../store/flow-ids.js";

/** One running node run's lease. */
export interface LeaseView {
  readonly node_run_id: string;
  readonly run_id: string;
  readonly node_id: string;
  readonly lease_owner: string | null;
  readonly lease_expires_at: string | null;
  readonly heartbeat_at: string | null;
  readonly expired: boolean;
}

/** Queue and lease state, for one run or all. */
export interface QueueState {
  readonly run_id: string | null;
  readonly activations: { readonly pending: number; readonly claimed: number };
  readonly running_node_runs: number;
  readonly expired_leases: number;
  /** At most 100 leases, oldest first. */
  readonly leases: readonly LeaseView[];
}

const iso = (value: unknown): string | null => (value === null || value === undefined ? null : new Date(value as string).toISOString());

/** Reads the queue and lease state (ARK_INVALID_ARGUMENT for a malformed run id). */
export async function readQueueState(db: Queryable, runId?: unknown): Promise<QueueState> {
  const id = runId === undefined || runId === null ? null : parseRowId(runId, "run_id");
  const activations = await db.query<{ state: string; n: number }>(
    "SELECT state, count(*)::int AS n FROM ark_flow_activations WHERE ($1::bigint IS NULL OR run_id = $1) AND state <> 'done' GROUP BY state",
    [id],
  );
  const leases = await db.query<Record<string, unknown>>(
    `SELECT id::text, run_id::text, node_id, lease_owner, lease_expires_at, heartbeat_at, (lease_expires_at IS NOT NULL AND lease_expires_at < now()) AS expired
       FROM ark_flow_node_runs WHERE status = 'running' AND ($1::bigint IS NULL OR run_id = $1) ORDER BY id LIMIT 100`,
    [id],
  );
  const totals = await db.query<{ running: number; expired: number }>(
    `SELECT count(*)::int AS running, count(*) FILTER (WHERE lease_expires_at < now())::int AS expired
       FROM ark_flow_node_runs WHERE status = 'running' AND ($1::bigint IS NULL OR run_id = $1)`,
    [id],
  );
  const count = (state: string): number => Number(activations.rows.find((r) => r.state === state)?.n ?? 0);
  return {
    run_id: id,
    activations: { pending: count("pending"), claimed: count("claimed") },
    running_node_runs: Number(totals.rows[0]?.running ?? 0),
    expired_leases: Number(totals.rows[0]?.expired ?? 0),
    leases: leases.rows.map((r) => ({
      node_run_id: String(r.id), run_id: String(r.run_id), node_id: String(r.node_id), lease_owner: (r.lease_owner as string | null) ?? null,
      lease_expires_at: iso(r.lease_expires_at), heartbeat_at: iso(r.heartbeat_at), expired: r.expired === true,
    })),
  };
}
