/**
 * One flowchart through the chain, as a pure function (reference tools-and-migration §6.5): before-hash, every
 * pending step's transform → validate → dry run, after-hash, the compatibility gate and the rollback metadata.
 * Issues keep the reference's order (per step: transform, validation, dry run) and duplicates; the gate counts
 * distinct codes.
 */
import { errorMessage } from "../errors/index.js";
import type { FlowMigrationContext, FlowMigrationIssue } from "../plugin-api/contributions.js";
import type { FlowSnapshot } from "./flow-snapshot.js";
import { snapshotHash } from "./flow-snapshot.js";
import type { MigrationChain, MigrationStep } from "./migration-chain.js";

/** `ready` when no error-severity issue was found, else `blocked` (the only two values). */
export type GateStatus = "ready" | "blocked";

/** The compatibility gate of one flowchart. */
export interface CompatibilityGate {
  status: GateStatus;
  blocking_issue_codes: string[];
  warning_issue_codes: string[];
  error_count: number;
  warning_count: number;
}

/** What `ark migrate` reports about one flowchart (the apply part is filled in by the runner). */
export interface FlowchartMigrationReport {
  flowchart: { id: string; name: string };
  schema_version: { current: number; target: number };
  steps: string[];
  pending: boolean;
  changed: boolean;
  before_hash: string;
  after_hash: string;
  compatibility_gate: CompatibilityGate;
  issues: FlowMigrationIssue[];
  rollback: { required: boolean; trigger_codes: string[]; pre_migration_hash: string; post_migration_hash: string };
  pre_migration_snapshot: FlowSnapshot;
  post_migration_snapshot: FlowSnapshot;
  apply: { applied: boolean; updates: { updated_nodes: number; updated_edges: number }; applied_at: string | null; evidence_id: string | null; skipped_reason: string | null };
}

/** Options of an analysis. */
export interface AnalysisOptions {
  readonly strictPolicy: boolean;
}

function asIssue(value: string | FlowMigrationIssue, fallbackCode: string): FlowMigrationIssue {
  return typeof value === "string" ? { code: fallbackCode, message: value, severity: "error" } : value;
}

/** Runs one step; a throwing hook becomes an error issue and leaves the snapshot as it was before the step. */
function runStep(step: MigrationStep, snapshot: FlowSnapshot, options: AnalysisOptions, issues: FlowMigrationIssue[]): FlowSnapshot {
  const collected: FlowMigrationIssue[] = [];
  const context: FlowMigrationContext = { strictPolicy: options.strictPolicy, issue: (issue) => collected.push(issue) };
  const hook = (name: string) => (err: unknown) =>
    issues.push({ code: "migration.step_failed", message: `Migration step ${step.id} (${step.pluginId}) ${name} failed: ${errorMessage(err)}`, severity: "error" });
  let next: FlowSnapshot;
  try {
    next = step.contribution.transform(structuredClone(snapshot) as unknown as Record<string, unknown>, context) as unknown as FlowSnapshot;
  } catch (err) {
    hook("transform")(err);
    return snapshot;
  }
  issues.push(...collected);
  const input = next as unknown as Record<string, unknown>;
  try {
    issues.push(...(step.contribution.validate?.(input, context) ?? []).map((i) => asIssue(i, "validation.failed")));
  } catch (err) {
    hook("validate")(err);
  }
  try {
    issues.push(...(step.contribution.dryRun?.(input, context) ?? []).map((i) => asIssue(i, "dry_run.failed")));
  } catch (err) {
    hook("dry run")(err);
  }
  return next;
}

/** The gate over all issues: distinct codes, sorted; counts are of distinct codes (as the reference counts them). */
export function compatibilityGate(issues: readonly FlowMigrationIssue[]): CompatibilityGate {
  const errors = [...new Set(issues.filter((i) => i.severity === "error").map((i) => i.code))].sort();
  const warnings = [...new Set(issues.filter((i) => i.severity !== "error").map((i) => i.code))].sort();
  return { status: errors.length === 0 ? "ready" : "blocked", blocking_issue_codes: errors, warning_issue_codes: warnings, error_count: errors.length, warning_count: warnings.length };
}

/** Analyses one flowchart at `schemaVersion` against the chain; nothing is written. */
export function analyseSnapshot(before: FlowSnapshot, schemaVersion: number, chain: MigrationChain, options: AnalysisOptions): FlowchartMigrationReport {
  const steps = chain.stepsFrom(schemaVersion);
  const issues: FlowMigrationIssue[] = [];
  let after = before;
  if (steps === null) {
    issues.push({
      code: "migration.no_path",
      message: chain.steps.length === 0
        ? `Flowchart schema_version ${schemaVersion} cannot be migrated to ${chain.headVersion}: no flow migration step is enabled (add the migrations-runtime plugin to plugins:).`
        : `Flowchart schema_version ${schemaVersion} cannot be migrated: the migration chain covers versions ${chain.baseVersion} to ${chain.headVersion}.`,
      severity: "error",
    });
  } else {
    for (const step of steps) after = runStep(step, after, options, issues);
  }
  const beforeHash = snapshotHash(before);
  const afterHash = snapshotHash(after);
  const gate = compatibilityGate(issues);
  const blocked = gate.status !== "ready";
  return {
    flowchart: { ...before.flowchart },
    schema_version: { current: schemaVersion, target: chain.headVersion },
    steps: (steps ?? []).map((s) => s.id),
    pending: steps === null || steps.length > 0,
    changed: beforeHash !== afterHash,
    before_hash: beforeHash,
    after_hash: afterHash,
    compatibility_gate: gate,
    issues,
    rollback: {
      required: blocked,
      trigger_codes: blocked ? ["compatibility_gate_blocked", ...gate.blocking_issue_codes] : [],
      pre_migration_hash: beforeHash,
      post_migration_hash: afterHash,
    },
    pre_migration_snapshot: before,
    post_migration_snapshot: after,
    apply: { applied: false, updates: { updated_nodes: 0, updated_edges: 0 }, applied_at: null, evidence_id: null, skipped_reason: null },
  };
}
