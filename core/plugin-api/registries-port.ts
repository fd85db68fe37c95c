import type {
  DispatcherContribution,
  EventChannelContribution,
  ExecutorContribution,
  FlowMigrationContribution,
  NodeTypeContribution,
  PreflightCheckContribution,
  Owned,
  SchemaMigrationContribution,
  ToolDomainContribution,
} from "./contributions.js";

/** Read side of one contribution registry (keyed by id; duplicates were rejected at registration). */
export interface ReadonlyRegistry<T> {
  get(id: string): T | undefined;
  require(id: string): T;
  has(id: string): boolean;
  ids(): string[];
  entries(): Owned<T>[];
  ownerOf(id: string): string | undefined;
}

/** Every contribution registry the kernel keeps. */
export interface ContributionRegistries {
  readonly executors: ReadonlyRegistry<ExecutorContribution>;
  readonly dispatchers: ReadonlyRegistry<DispatcherContribution>;
  readonly toolDomains: ReadonlyRegistry<ToolDomainContribution>;
  readonly eventChannels: ReadonlyRegistry<EventChannelContribution>;
  readonly flowMigrations: ReadonlyRegistry<FlowMigrationContribution>;
  /** Keyed `<pluginId>/<migrationId>`. */
  readonly schemaMigrations: ReadonlyRegistry<SchemaMigrationContribution>;
  readonly nodeTypes: ReadonlyRegistry<NodeTypeContribution>;
  readonly preflightChecks: ReadonlyRegistry<PreflightCheckContribution>;
}
