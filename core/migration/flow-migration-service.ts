/** The `flowMigrationRef` service: the validated chain plus the store-backed operations the CLI and plugins use. */
import type { EventBus } from "../events/event-bus.js";
import { createServiceRef } from "../plugin-api/service-ref.js";
import type { ContributionRegistries } from "../plugin-api/registries-port.js";
import type { NodeExecutorSettingsService } from "../settings/node-executor-settings-port.js";
import type { Store } from "../store/store-port.js";
import { CutoverService } from "./cutover.js";
import { importLegacyExport, type LegacyImportResult } from "./legacy-import.js";
import type { MigrationChain } from "./migration-chain.js";
import { rollbackFlowMigration, type RollbackOptions, type RollbackReport } from "./migration-rollback.js";
import { runFlowMigration, type MigrationRunOptions, type MigrationRunReport } from "./migration-runner.js";
import { runPreflight, type PreflightResult } from "./preflight.js";

/** Everything `ark migrate`, `ark cutover` and `ark doctor` do, over one kernel's store. */
export class FlowMigrationService {
  /** The cutover gate. */
  readonly cutover: CutoverService;

  constructor(
    readonly chain: MigrationChain,
    private readonly deps: { store: Store; settings: NodeExecutorSettingsService; registries: ContributionRegistries; bus: EventBus | null; redisUrl?: string },
  ) {
    this.cutover = new CutoverService({ settings: deps.settings, bus: deps.bus, preflight: () => this.preflight({ includeCutoverState: false }) });
  }

  /** Dry-run (default) or apply. */
  migrate(options: MigrationRunOptions = {}): Promise<MigrationRunReport> {
    return runFlowMigration(this.deps.store, this.chain, options);
  }

  /** Restores recorded pre-snapshots. */
  rollback(options: RollbackOptions = {}): Promise<RollbackReport> {
    return rollbackFlowMigration(this.deps.store, options);
  }

  /** Stores a legacy export at schema version 1. */
  importLegacy(document: unknown, file?: string): Promise<LegacyImportResult> {
    return importLegacyExport(this.deps.store, document, file);
  }

  /** The post-boot preflight checks. */
  preflight(options: { includeCutoverState?: boolean } = {}): Promise<PreflightResult[]> {
    return runPreflight({ store: this.deps.store, chain: this.chain, settings: this.deps.settings, registries: this.deps.registries, ...(this.deps.redisUrl ? { redisUrl: this.deps.redisUrl } : {}) }, options);
  }
}

/** The flow migration service, provided by the built-in `migration` module (`requires: ["migration"]`). */
export const flowMigrationRef = createServiceRef<FlowMigrationService>({ id: "core.migration.flow" });
