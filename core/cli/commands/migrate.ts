/**
 * `ark migrate [--apply] [--export-json FILE] [--flowchart-id N]... [--non-strict-policy] [--wait-for-runs]` and
 * `ark migrate rollback [--flowchart-id N]... [--force]` (reference tools-and-migration §6.7). Exit 2 when the
 * compatibility gate blocks any flowchart, 3 when the report could not be written to --export-json after the run;
 * progress for large sets goes to stderr.
 */
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ArkError, errorMessage } from "../../errors/index.js";
import { migrationReportSchema, type MigrationProgress, type MigrationRunReport, type RollbackReport } from "../../migration/index.js";
import type { GlobalOptions } from "../cli-options.js";
import { out, outJson, printError } from "../output.js";
import { withMigrationKernel } from "./migration-kernel.js";

/** The run ended (its changes, if any, are committed) but its report could not be written to --export-json. */
export const EXIT_EVIDENCE_NOT_WRITTEN = 3;

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

/** What the file system errors an evidence path meets mean to the operator. */
const FS_REASONS: Readonly<Record<string, string>> = {
  EISDIR: "it is a directory", ENOTDIR: "a folder on its path is a file", EEXIST: "a folder on its path is a file",
  EACCES: "permission denied", EPERM: "permission denied", EROFS: "read-only file system", ENOSPC: "no space left on the device",
};

function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const reason = code === undefined ? undefined : FS_REASONS[code];
  return reason ? `${reason} (${code})` : errorMessage(err);
}

/** An --export-json file that was opened for writing before the run. */
export interface EvidenceTarget {
  /** Absolute, `~` expanded. */
  readonly path: string;
  /** Whether the check created it (so a failed run removes it again rather than leave an empty report). */
  readonly created: boolean;
}

/**
 * Creates the evidence file's folders and opens the file for writing (without truncating it) before the database is
 * touched: a path that is a directory, under a file, or not writable fails here, with nothing analysed or changed.
 */
export function openEvidenceTarget(file: string): EvidenceTarget {
  const target = path.resolve(file.startsWith("~/") ? path.join(os.homedir(), file.slice(2)) : file);
  const existed = existsSync(target);
  try {
    mkdirSync(path.dirname(target), { recursive: true });
    closeSync(openSync(target, "a"));
  } catch (err) {
    throw new ArkError("ARK_INVALID_ARGUMENT", `--export-json ${file}: cannot write ${target}: ${fsReason(err)}; nothing was changed.`, { details: { file: target }, cause: err });
  }
  return { path: target, created: !existed };
}

/** Runs `body` with the --export-json target (if any) checked first; removes a file the check created if `body` fails. */
async function withEvidenceTarget<T>(file: string | undefined, body: () => Promise<T>): Promise<{ report: T; target: EvidenceTarget | null }> {
  const target = file === undefined ? null : openEvidenceTarget(file);
  try {
    return { report: await body(), target };
  } catch (err) {
    if (target?.created) rmSync(target.path, { force: true });
    throw err;
  }
}

/**
 * Writes the report (keys sorted) to the target; null when written. The run is over by now — with --apply or
 * rollback its changes are committed — so a write that still fails (disk full, the path replaced meanwhile) is
 * returned, not thrown: the caller prints the report anyway and says that `changed` flowcharts were changed.
 */
export function writeEvidence(target: EvidenceTarget, report: unknown, changed: number): ArkError | null {
  try {
    writeFileSync(target.path, `${JSON.stringify(sortedKeys(report), null, 2)}\n`);
    return null;
  } catch (err) {
    const outcome = changed > 0 ? `the changes to ${changed} flowchart(s) were applied and committed (their evidence rows are in ark_flow_migration_evidence)` : "nothing was changed";
    return new ArkError("ARK_FLOW_MIGRATION_EVIDENCE_NOT_WRITTEN", `The report could not be written to ${target.path}: ${fsReason(err)}; ${outcome}. The report is printed on stdout instead.`, {
      details: { file: target.path, changed }, cause: err,
    });
  }
}

/** Writes the evidence (if asked for), then prints the report; returns the exit code when the evidence could not be written. */
function exportAndPrint(target: EvidenceTarget | null, report: unknown, changed: number, print: (evidence: string | null) => void): number | null {
  const failure = target ? writeEvidence(target, report, changed) : null;
  print(target && !failure ? target.path : null);
  if (!failure) return null;
  // stderr even under --json: stdout holds the report, and must stay one JSON document.
  printError(failure, false);
  return EXIT_EVIDENCE_NOT_WRITTEN;
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
  const { report, target } = await withEvidenceTarget(opts.exportJson, () =>
    withMigrationKernel(global, (service) =>
      service.migrate({
        apply: opts.apply === true, strictPolicy: opts.nonStrictPolicy !== true, waitForRuns: opts.waitForRuns === true,
        ...(opts.flowchartId ? { flowchartIds: opts.flowchartId } : {}),
        ...(opts.waitTimeout ? { waitTimeoutMs: opts.waitTimeout * 1000 } : {}),
        actor: `ark migrate (${os.userInfo().username})`, onProgress: progressPrinter(),
      }),
    ),
  );
  const failed = exportAndPrint(target, report, report.applied_count, (evidence) => {
    if (opts.json) return outJson(report);
    printReport(report);
    if (evidence) out(`Evidence written: ${evidence}`);
    if (report.blocked_count > 0) out("Compatibility gate blocked one or more flowcharts.");
  });
  return failed ?? (report.blocked_count > 0 ? 2 : 0);
}

/** `ark migrate rollback`: restores recorded pre-snapshots (verified by hash). */
export async function migrateRollbackCommand(global: GlobalOptions, opts: { flowchartId?: string[]; force?: boolean; json?: boolean; exportJson?: string }): Promise<number> {
  const { report, target } = await withEvidenceTarget(opts.exportJson, (): Promise<RollbackReport> =>
    withMigrationKernel(global, (service) =>
      service.rollback({ ...(opts.flowchartId ? { flowchartIds: opts.flowchartId } : {}), force: opts.force === true, actor: `ark migrate rollback (${os.userInfo().username})` }),
    ),
  );
  const failed = exportAndPrint(target, report, report.rolled_back_count, (evidence) => {
    if (opts.json) return outJson(report);
    for (const r of report.results) out(`  flowchart ${r.flowchart_id}: v${r.schema_version.from}→v${r.schema_version.to}, pre-snapshot restored (sha256 ${r.restored_hash}, verified)`);
    out(`Rolled back ${report.rolled_back_count} flowchart(s).`);
    if (evidence) out(`Evidence written: ${evidence}`);
  });
  return failed ?? 0;
}
