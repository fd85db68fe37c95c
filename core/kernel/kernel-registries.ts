import type {
  DispatcherContribution,
  EventChannelContribution,
  ExecutorContribution,
  FlowMigrationContribution,
  NodeTypeContribution,
  PreflightCheckContribution,
  SchemaMigrationContribution,
  ToolDomainContribution,
} from "../plugin-api/contributions.js";
import type { ContributionRegistries } from "../plugin-api/registries-port.js";
import { ContributionRegistry } from "./contribution-registry.js";

/** The kernel's writable registries (plugins see them read-only through coreServices.registries). */
export class KernelRegistries implements ContributionRegistries {
  readonly executors = new ContributionRegistry<ExecutorContribution>("executor");
  readonly dispatchers = new ContributionRegistry<DispatcherContribution>("dispatcher");
  readonly toolDomains = new ContributionRegistry<ToolDomainContribution>("toolDomain");
  readonly eventChannels = new ContributionRegistry<EventChannelContribution>("eventChannel");
  readonly flowMigrations = new ContributionRegistry<FlowMigrationContribution>("flowMigration");
  readonly schemaMigrations = new ContributionRegistry<SchemaMigrationContribution>("schemaMigration");
  readonly nodeTypes = new ContributionRegistry<NodeTypeContribution>("nodeType");
  readonly preflightChecks = new ContributionRegistry<PreflightCheckContribution>("preflightCheck");

  /** All registries with the kind name used in reports. */
  all(): ContributionRegistry<unknown>[] {
    return [
      this.executors,
      this.dispatchers,
      this.toolDomains,
      this.eventChannels,
      this.flowMigrations,
      this.schemaMigrations,
      this.nodeTypes,
      this.preflightChecks,
    ] as ContributionRegistry<unknown>[];
  }

  removeOwner(pluginId: string): void {
    for (const registry of this.all()) registry.removeOwner(pluginId);
  }

  /** `{ kind: [ids] }` of what one plugin contributed (empty kinds omitted). */
  contributionsOf(pluginId: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const registry of this.all()) {
      const ids = registry.idsOwnedBy(pluginId);
      if (ids.length > 0) out[registry.kind] = ids;
    }
    return out;
  }
}
