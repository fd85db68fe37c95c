/**
 * Lease recovery: a node run whose lease expired (its worker crashed, hung, or lost the database) is handed back —
 * its activation becomes pending again and keeps the node run, so whoever claims it next re-dispatches under the
 * same idempotency key and gets the recorded result if the first attempt recorded one. Runs on boot and periodically;
 * each run is handled under its row lock (skipped this round when another engine holds it).
 */
import { errorMessage } from "../../errors/index.js";
import type { EngineCore } from "./engine-core.js";
import { addRunWarnings, finaliseIfDrained } from "./run-finalise.js";
import { notifyWork } from "./work-notice.js";

/** Recovers expired leases of up to `maxRuns` runs; returns the ids of the node runs handed back. */
export async function recoverExpiredLeases(core: EngineCore, maxRuns = 100): Promise<string[]> {
  const { rows } = await core.store.query<{ run_id: string }>(
    "SELECT DISTINCT run_id::text AS run_id FROM ark_flow_node_runs WHERE status = 'running' AND lease_expires_at < now() LIMIT $1",
    [maxRuns],
  );
  const recovered: string[] = [];
  for (const { run_id: runId } of rows) {
    try {
      recovered.push(...(await recoverRun(core, runId)));
    } catch (err) {
      core.logger?.warn({ err, runId }, `lease recovery of run ${runId} failed; will retry: ${errorMessage(err)}`);
    }
  }
  return recovered;
}

async function recoverRun(core: EngineCore, runId: string): Promise<string[]> {
  return core.bus.transaction(async (tx, emit) => {
    const locked = await tx.query("SELECT id FROM ark_flow_runs WHERE id = $1 FOR UPDATE SKIP LOCKED", [runId]);
    if (locked.rows.length === 0) return [];
    const { rows } = await tx.query<{ id: string; node_id: string; lease_owner: string | null }>(
      `UPDATE ark_flow_node_runs n SET lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
         FROM (SELECT id, lease_owner FROM ark_flow_node_runs WHERE run_id = $1 AND status = 'running' AND lease_expires_at < now() FOR UPDATE) old
        WHERE n.id = old.id
        RETURNING n.id::text AS id, n.node_id, old.lease_owner`,
      [runId],
    );
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    await tx.query("UPDATE ark_flow_activations SET state = 'pending', claimed_by = NULL, claimed_at = NULL WHERE node_run_id = ANY($1::bigint[]) AND state = 'claimed'", [ids]);
    await addRunWarnings(
      tx,
      runId,
      rows.map((r) => ({
        code: "lease_recovered",
        message: `Node run ${r.id} (node ${r.node_id}) lost its worker (${r.lease_owner ?? "unknown"}); it was handed back to be taken over.`,
        node_id: r.node_id,
        node_run_id: r.id,
      })),
    );
    await finaliseIfDrained(tx, emit, core.graphs, runId);
    await notifyWork(tx, runId);
    core.logger?.info({ runId, nodeRunIds: ids }, "recovered expired node-run leases");
    return ids;
  });
}
