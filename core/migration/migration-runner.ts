/**
 * `ark migrate`: every selected flowchart through the chain (dry-run by default). With `apply`, each flowchart is
 * analysed again and written in its own transaction under a row lock — graph, schema version and evidence commit
 * together or not at all — and only when its gate is `ready`. A flowchart with active runs is refused (or, with
 * `waitForRuns`, waited for): runs keep the graph snapshot they started with, but a migration should not race them.
 */
import { ArkError, errorMessage, isArkError } from "../errors/index.js";
import type { Store } from "../store/store-port.js";
import { analyseSnapshot, type FlowchartMigrationReport } from "./analyse-flowchart.js";
import type { MigrationChain } from "./migration-chain.js";
import { activeRunIds, insertEvidence, listFlowcharts, lockFlowchart, readSnapshot, setSchemaVersion, writeSnapshot, type FlowchartMeta } from "./migration-store.js";
import { waitForIdle, type RunWaitOptions } from "./run-wait.js";

/** Progress of a run over many flowcharts (the CLI prints it on stderr). */
export interface MigrationProgress {
  readonly phase: "analyse" | "wait";
  readonly done: number;
  readonly total: number;
  readonly flowchartId: string;
  readonly activeRunIds?: readonly string[];
}

/** Options of one `ark migrate`. */
export interface MigrationRunOptions extends Partial<RunWaitOptions> {
  /** Flowchart ids to look at (de-duplicated, sorted); absent: all. */
  readonly flowchartIds?: readonly string[];
  readonly apply?: boolean;
  /** Default true; false is `--non-strict-policy`. */
  readonly strictPolicy?: boolean;
  readonly waitForRuns?: boolean;
  /** Who applies (recorded with the evidence). */
  readonly actor?: string;
  readonly onProgress?: (progress: MigrationProgress) => void;
  readonly now?: () => Date;
}

/** The whole report (validates against migrationReportSchema). */
export interface MigrationRunReport {
  contract_version: "v1";
  apply_requested: boolean;
  strict_policy: boolean;
  target_schema_version: number;
  flowchart_ids: string[] | null;
  flowchart_count: number;
  pending_count: number;
  changed_count: number;
  blocked_count: number;
  applied_count: number;
  reports: FlowchartMigrationReport[];
}

/** De-duplicated, sorted positive ids (the reference's filter); bad ids are ARK_INVALID_ARGUMENT. */
export function normaliseFlowchartIds(ids: readonly unknown[] | undefined): string[] | null {
  if (ids === undefined || ids.length === 0) return null;
  const clean = ids.map((id) => {
    const text = String(id).trim();
    if (!/^[1-9]\d{0,17}$/.test(text)) throw new ArkError("ARK_INVALID_ARGUMENT", `Flowchart id "${text}" is not a positive integer.`, { details: { flowchartId: text } });
    return text;
  });
  return [...new Set(clean)].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}

function totals(reports: readonly FlowchartMigrationReport[]) {
  return {
    flowchart_count: reports.length,
    pending_count: reports.filter((r) => r.pending).length,
    changed_count: reports.filter((r) => r.changed).length,
    blocked_count: reports.filter((r) => r.compatibility_gate.status === "blocked").length,
    applied_count: reports.filter((r) => r.apply.applied).length,
  };
}

/** Applies one flowchart in its own transaction; returns its report (applied or why not). */
async function applyOne(store: Store, chain: MigrationChain, meta: FlowchartMeta, options: MigrationRunOptions, strictPolicy: boolean): Promise<FlowchartMigrationReport | null> {
  return store.transaction(async (tx) => {
    const locked = await lockFlowchart(tx, meta.id);
    if (!locked) return null;
    const active = await activeRunIds(tx, locked.id);
    if (active.length > 0) {
      throw new ArkError("ARK_FLOW_MIGRATION_RUNS_ACTIVE", `Flowchart ${locked.id} has active runs (${active.join(", ")}); not migrated.`, { details: { flowchartId: locked.id, activeRunIds: active } });
    }
    const report = analyseSnapshot(await readSnapshot(tx, locked), locked.schemaVersion, chain, { strictPolicy });
    if (!report.pending) return { ...report, apply: { ...report.apply, skipped_reason: "up_to_date" } };
    if (report.compatibility_gate.status !== "ready") return { ...report, apply: { ...report.apply, skipped_reason: "gate_blocked" } };
    const at = (options.now ?? (() => new Date()))();
    const updates = await writeSnapshot(tx, locked.id, report.pre_migration_snapshot, report.post_migration_snapshot);
    await setSchemaVersion(tx, locked.id, chain.headVersion);
    const { pre_migration_snapshot: _pre, post_migration_snapshot: _post, ...summary } = report;
    const evidenceId = await insertEvidence(tx, {
      flowchartId: locked.id, action: "apply", fromVersion: locked.schemaVersion, toVersion: chain.headVersion, steps: report.steps, strictPolicy,
      preSnapshot: report.pre_migration_snapshot, preHash: report.before_hash, postSnapshot: report.post_migration_snapshot, postHash: report.after_hash,
      report: { ...summary, apply: { applied: true, updates } }, actor: options.actor ?? "ark migrate", at,
    });
    return { ...report, apply: { applied: true, updates, applied_at: at.toISOString(), evidence_id: evidenceId, skipped_reason: null } };
  });
}

async function applyWithRuns(store: Store, chain: MigrationChain, meta: FlowchartMeta, options: MigrationRunOptions, strictPolicy: boolean, progress: (ids: string[]) => void) {
  for (;;) {
    if (options.waitForRuns) await waitForIdle(store, meta.id, options, progress);
    try {
      return await applyOne(store, chain, meta, options, strictPolicy);
    } catch (err) {
      // A run may start between the wait and the lock: wait again.
      if (options.waitForRuns && isArkError(err) && err.code === "ARK_FLOW_MIGRATION_RUNS_ACTIVE") continue;
      if (isArkError(err) && err.code === "ARK_FLOW_MIGRATION_RUNS_ACTIVE") throw err;
      throw new ArkError("ARK_FLOW_MIGRATION_APPLY_FAILED", `Migrating flowchart ${meta.id} failed and was rolled back: ${errorMessage(err)}`, { details: { flowchartId: meta.id }, cause: err });
    }
  }
}

/** Runs `ark migrate` over the store. Throws on a write failure (earlier flowcharts stay applied with evidence). */
export async function runFlowMigration(store: Store, chain: MigrationChain, options: MigrationRunOptions = {}): Promise<MigrationRunReport> {
  const ids = normaliseFlowchartIds(options.flowchartIds);
  const strictPolicy = options.strictPolicy ?? true;
  const flowcharts = await listFlowcharts(store, ids);
  const reports: FlowchartMigrationReport[] = [];
  for (const [index, meta] of flowcharts.entries()) {
    const note = (phase: "analyse" | "wait", active?: string[]) =>
      options.onProgress?.({ phase, done: index + (phase === "analyse" ? 1 : 0), total: flowcharts.length, flowchartId: meta.id, ...(active ? { activeRunIds: active } : {}) });
    const report = options.apply
      ? await applyWithRuns(store, chain, meta, options, strictPolicy, (active) => note("wait", active))
      : analyseSnapshot(await readSnapshot(store, meta), meta.schemaVersion, chain, { strictPolicy });
    if (report) reports.push(report);
    note("analyse");
  }
  return {
    contract_version: "v1", apply_requested: options.apply === true, strict_policy: strictPolicy, target_schema_version: chain.headVersion,
    flowchart_ids: ids, ...totals(reports), reports,
  };
}
