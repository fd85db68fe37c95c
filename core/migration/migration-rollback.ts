/**
 * `ark migrate rollback`: restores the pre-snapshot recorded by a flowchart's newest un-rolled-back apply, in one
 * transaction per flowchart, and proves it: the restored graph's snapshot hash must equal the recorded pre-hash or
 * nothing is written. A graph edited since the apply (its hash is no longer the recorded post-hash) is refused
 * unless `force`.
 */
import { ArkError } from "../errors/index.js";
import type { Store } from "../store/store-port.js";
import { snapshotHash } from "./flow-snapshot.js";
import { normaliseFlowchartIds } from "./migration-runner.js";
import { activeRunIds, insertEvidence, latestApply, listFlowcharts, lockFlowchart, markRolledBack, readSnapshot, rollbackCandidates, setSchemaVersion, writeSnapshot } from "./migration-store.js";

/** Options of a rollback. */
export interface RollbackOptions {
  readonly flowchartIds?: readonly string[];
  /** Restore even when the graph changed since the apply. */
  readonly force?: boolean;
  readonly actor?: string;
  readonly now?: () => Date;
}

/** One flowchart's rollback. */
export interface FlowchartRollback {
  flowchart_id: string;
  apply_evidence_id: string;
  rollback_evidence_id: string;
  schema_version: { from: number; to: number };
  restored_hash: string;
  verified: true;
  updates: { updated_nodes: number; updated_edges: number };
}

/** The rollback report. */
export interface RollbackReport {
  contract_version: "v1";
  flowchart_count: number;
  rolled_back_count: number;
  results: FlowchartRollback[];
}

async function rollbackOne(store: Store, flowchartId: string, options: RollbackOptions): Promise<FlowchartRollback> {
  return store.transaction(async (tx) => {
    const meta = await lockFlowchart(tx, flowchartId);
    if (!meta) throw new ArkError("ARK_NOT_FOUND", `Flowchart ${flowchartId} does not exist.`, { details: { flowchartId } });
    const active = await activeRunIds(tx, meta.id);
    if (active.length > 0) {
      throw new ArkError("ARK_FLOW_MIGRATION_RUNS_ACTIVE", `Flowchart ${meta.id} has active runs (${active.join(", ")}); not rolled back.`, { details: { flowchartId: meta.id, activeRunIds: active } });
    }
    const evidence = await latestApply(tx, meta.id);
    if (!evidence) throw new ArkError("ARK_FLOW_MIGRATION_EVIDENCE_MISSING", `Flowchart ${meta.id} has no applied migration to roll back.`, { details: { flowchartId: meta.id } });
    const current = await readSnapshot(tx, meta);
    const currentHash = snapshotHash(current);
    if (currentHash !== evidence.postHash && options.force !== true) {
      throw new ArkError("ARK_FLOW_MIGRATION_HASH_MISMATCH", `Flowchart ${meta.id} changed since migration evidence ${evidence.id} was recorded (hash ${currentHash.slice(0, 12)}…, recorded ${evidence.postHash.slice(0, 12)}…); not rolled back.`, {
        details: { flowchartId: meta.id, evidenceId: evidence.id, currentHash, recordedPostHash: evidence.postHash },
      });
    }
    const updates = await writeSnapshot(tx, meta.id, current, evidence.preSnapshot);
    await setSchemaVersion(tx, meta.id, evidence.fromVersion);
    const restored = await readSnapshot(tx, { ...meta, schemaVersion: evidence.fromVersion });
    const restoredHash = snapshotHash(restored);
    if (restoredHash !== evidence.preHash) {
      throw new ArkError("ARK_FLOW_MIGRATION_HASH_MISMATCH", `Restoring flowchart ${meta.id} did not reproduce the recorded pre-snapshot (hash ${restoredHash.slice(0, 12)}…, recorded ${evidence.preHash.slice(0, 12)}…); nothing was written.`, {
        details: { flowchartId: meta.id, evidenceId: evidence.id, restoredHash, recordedPreHash: evidence.preHash },
      });
    }
    const at = (options.now ?? (() => new Date()))();
    const rollbackId = await insertEvidence(tx, {
      flowchartId: meta.id, action: "rollback", fromVersion: meta.schemaVersion, toVersion: evidence.fromVersion, steps: [], strictPolicy: true,
      preSnapshot: current, preHash: currentHash, postSnapshot: restored, postHash: restoredHash,
      report: { rolled_back_evidence_id: evidence.id, forced: currentHash !== evidence.postHash, updates }, actor: options.actor ?? "ark migrate rollback", at,
    });
    await markRolledBack(tx, evidence.id, rollbackId, at);
    return {
      flowchart_id: meta.id, apply_evidence_id: evidence.id, rollback_evidence_id: rollbackId, schema_version: { from: meta.schemaVersion, to: evidence.fromVersion },
      restored_hash: restoredHash, verified: true, updates,
    };
  });
}

/**
 * Rolls back the named flowcharts (default: every flowchart with an open apply), in id order; stops at the first
 * failure. Named ids are checked first, so an unknown one restores nothing rather than only the ids before it.
 */
export async function rollbackFlowMigration(store: Store, options: RollbackOptions = {}): Promise<RollbackReport> {
  const named = normaliseFlowchartIds(options.flowchartIds);
  if (named) await listFlowcharts(store, named);
  const ids = named ?? (await rollbackCandidates(store));
  const results: FlowchartRollback[] = [];
  for (const id of ids) results.push(await rollbackOne(store, id, options));
  return { contract_version: "v1", flowchart_count: ids.length, rolled_back_count: results.length, results };
}
