/**
 * `ark migrate [--apply] [--export-json FILE] [--flowchart-id N]... [--non-strict-policy] [--wait-for-runs]` and
 * `ark migrate rollback [--flowchart-id N]... [--force]` (reference tools-and-migration §6.7). Exit 2 when the
 * compatibility gate blocks any flowchart; progress for large sets goes to stderr.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrationReportSchema, type MigrationProgress, type MigrationRunReport, type RollbackReport } from "../../migration/index.js";
import type { GlobalOptions } from "../cli-options.js";
import { out, outJson } from "../output.js";
import { withMigrationKernel } from "./migration-kernel.js";

/** Options of `ark migrate`. */
export interface MigrateOptions {
  readonly apply?: boolean;
  readonly exportJson?: string;
  readonly flowchartId?: string[];
  readonly nonStrictPolicy?: boolean;
  readonly waitForRuns?: boolean;
  readonly waitTimeout?: number;
  readonly json?: boolean;
  readonly printSchema?: boolean;
}

/** Keys sorted at every level (the reference writes evidence with sort_keys). */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]));
}

/** Writes the evidence file (`~` expanded, parent folders created); returns its absolute path. */
export function writeEvidence(file: string, report: unknown): string {
  const target = path.resolve(file.startsWith("~/") ? path.join(os.homedir(), file.slice(2)) : file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, `${JSON.stringify(sortedKeys(report), null, 2)}\n`);
  return target;
}

/** A progress printer: for 50+ flowcharts, one stderr line per tenth; waits for runs whenever the active set changes. */
function progressPrinter(): (p: MigrationProgress) => void {
  let lastWait = "";
  return (p) => {
    if (p.phase === "wait") {
      const key = `${p.flowchartId}:${(p.activeRunIds ?? []).join(",")}`;
      if (key !== lastWait) process.stderr.write(`migrate: flowchart ${p.flowchartId} waits for active run(s) ${(p.activeRunIds ?? []).join(", ")} to finish…\n`);
      lastWait = key;
      return;
    }
    const step = Math.max(1, Math.floor(p.total / 10));
    if (p.total >= 50 && (p.done % step === 0 || p.done === p.total)) process.stderr.write(`migrate: ${p.done}/${p.total} flowcharts (${Math.round((p.done / p.total) * 100)}%)\n`);
  };
}

function printReport(report: MigrationRunReport): void {
  for (const r of report.reports) {
    const state = r.apply.applied ? "applied" : r.pending ? r.compatibility_gate.status : "up to date";
    const codes = r.compatibility_gate.blocking_issue_codes.length ? ` blocking: ${r.compatibility_gate.blocking_issue_codes.join(", ")}` : "";
    const warnings = r.compatibility_gate.warning_count ? ` warnings: ${r.compatibility_gate.warning_issue_codes.join(", ")}` : "";
    out(`  flowchart ${r.flowchart.id} "${r.flowchart.name}" v${r.schema_version.current}→v${r.schema_version.target} ${state}${r.changed ? " (changes)" : ""}${codes}${warnings}`);
  }
  const mode = report.apply_requested ? "apply" : "dry-run";
  out(`Flowchart migration (${mode}) analyzed ${report.flowchart_count} flowchart(s); changed=${report.changed_count}, blocked=${report.blocked_count}, applied=${report.applied_count}.`);
}

/** `ark migrate`: 0 when nothing is blocked, 2 when the gate blocks any flowchart. */
export async function migrateCommand(global: GlobalOptions, opts: MigrateOptions): Promise<number> {
  if (opts.printSchema) {
    outJson(migrationReportSchema);
    return 0;
  }
  const report = await withMigrationKernel(global, (service) =>
    service.migrate({
      apply: opts.apply === true, strictPolicy: opts.nonStrictPolicy !== true, waitForRuns: opts.waitForRuns === true,
      ...(opts.flowchartId ? { flowchartIds: opts.flowchartId } : {}),
      ...(opts.waitTimeout ? { waitTimeoutMs: opts.waitTimeout * 1000 } : {}),
      actor: `ark migrate (${os.userInfo().username})`, onProgress: progressPrinter(),
    }),
  );
  const evidence = opts.exportJson ? writeEvidence(opts.exportJson, report) : null;
  if (opts.json) outJson(report);
  else {
    printReport(report);
    if (evidence) out(`Evidence written: ${evidence}`);
    if (report.blocked_count > 0) out("Compatibility gate blocked one or more flowcharts.");
  }
  return report.blocked_count > 0 ? 2 : 0;
}

/** `ark migrate rollback`: restores recorded pre-snapshots (verified by hash). */
export async function migrateRollbackCommand(global: GlobalOptions, opts: { flowchartId?: string[]; force?: boolean; json?: boolean; exportJson?: string }): Promise<number> {
  const report: RollbackReport = await withMigrationKernel(global, (service) =>
    service.rollback({ ...(opts.flowchartId ? { flowchartIds: opts.flowchartId } : {}), force: opts.force === true, actor: `ark migrate rollback (${os.userInfo().username})` }),
  );
  const evidence = opts.exportJson ? writeEvidence(opts.exportJson, report) : null;
  if (opts.json) outJson(report);
  else {
    for (const r of report.results) out(`  flowchart ${r.flowchart_id}: v${r.schema_version.from}→v${r.schema_version.to}, pre-snapshot restored (sha256 ${r.restored_hash}, verified)`);
    out(`Rolled back ${report.rolled_back_count} flowchart(s).`);
    if (evidence) out(`Evidence written: ${evidence}`);
  }
  return 0;
}
