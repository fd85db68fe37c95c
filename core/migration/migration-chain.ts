/**
 * The flow migration chain: every contributed FlowMigrationContribution ordered by version into one path
 * `from → from+1 → …`. Two steps leaving the same version, or a version no step leaves, are boot errors with stable
 * codes, so a kernel never starts with a chain it could only half walk.
 */
import { ArkError } from "../errors/index.js";
import { FLOW_SCHEMA_VERSION } from "../flow/graph/index.js";
import type { FlowMigrationContribution, Owned } from "../plugin-api/contributions.js";

/** One step of the chain and the plugin that contributed it. */
export interface MigrationStep {
  readonly id: string;
  readonly pluginId: string;
  readonly from: number;
  readonly to: number;
  readonly contribution: FlowMigrationContribution;
}

/** The ordered chain. */
export interface MigrationChain {
  readonly steps: readonly MigrationStep[];
  /** The version a flowchart is at once every step ran: always the target (FLOW_SCHEMA_VERSION), steps or not. */
  readonly headVersion: number;
  /** The oldest version the chain can migrate from (headVersion when empty). */
  readonly baseVersion: number;
  /** The steps that take `version` to the head, in order; null when the chain has no path from it. */
  stepsFrom(version: number): readonly MigrationStep[] | null;
}

function checkStep(entry: Owned<FlowMigrationContribution>): MigrationStep {
  const { id, from, to } = entry.value;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 1 || to !== from + 1) {
    throw new ArkError("ARK_FLOW_MIGRATION_STEP_INVALID", `Flow migration step "${id}" of plugin ${entry.pluginId} goes from ${String(from)} to ${String(to)}; a step must go from an integer version >= 1 to the next one.`, {
      details: { step: id, pluginId: entry.pluginId, from, to },
    });
  }
  return { id, pluginId: entry.pluginId, from, to, contribution: entry.value };
}

/**
 * A non-empty chain must end at the version this ARK writes: one ending above it would store flowcharts the engine
 * and the flow-file schema refuse; one ending below would leave migrated flowcharts pending forever while native
 * ones sit above the chain.
 */
function checkHead(steps: readonly MigrationStep[], targetVersion: number): void {
  const last = steps.at(-1);
  if (!last || last.to === targetVersion) return;
  throw new ArkError("ARK_FLOW_MIGRATION_CHAIN_HEAD", `Flow migration chain ends at schema version ${last.to} (step ${last.id} of plugin ${last.pluginId}), but this ARK writes and runs schema version ${targetVersion}.`, {
    details: { expected: targetVersion, head: last.to, step: last.id, pluginId: last.pluginId },
  });
}

/**
 * Orders the contributed steps; throws ARK_FLOW_MIGRATION_CHAIN_DUPLICATE / _GAP / _STEP_INVALID / _HEAD.
 * `targetVersion` (default FLOW_SCHEMA_VERSION) is where a non-empty chain must end; tests of longer chains pass theirs.
 */
export function buildMigrationChain(entries: readonly Owned<FlowMigrationContribution>[], targetVersion: number = FLOW_SCHEMA_VERSION): MigrationChain {
  const steps = entries.map(checkStep).sort((a, b) => a.from - b.from || (a.id < b.id ? -1 : 1));
  for (let i = 1; i < steps.length; i++) {
    const [previous, step] = [steps[i - 1]!, steps[i]!];
    if (previous.from === step.from) {
      const names = [previous, step].map((s) => `${s.id} (${s.pluginId})`);
      throw new ArkError("ARK_FLOW_MIGRATION_CHAIN_DUPLICATE", `Two flow migration steps start at schema version ${step.from}: ${names.join(" and ")}.`, {
        details: { from: step.from, steps: [previous, step].map((s) => ({ id: s.id, pluginId: s.pluginId })) },
      });
    }
    if (previous.to !== step.from) {
      throw new ArkError("ARK_FLOW_MIGRATION_CHAIN_GAP", `Flow migration chain has a gap: ${previous.id} ends at schema version ${previous.to} but the next step (${step.id}) starts at ${step.from}; no step migrates from ${previous.to}.`, {
        details: { missingFrom: previous.to, before: previous.id, after: step.id },
      });
    }
  }
  checkHead(steps, targetVersion);
  const headVersion = steps.at(-1)?.to ?? targetVersion;
  const baseVersion = steps[0]?.from ?? headVersion;
  return {
    steps,
    headVersion,
    baseVersion,
    stepsFrom(version) {
      if (version === headVersion) return [];
      if (version < baseVersion || version > headVersion) return null;
      return steps.filter((s) => s.from >= version);
    },
  };
}
