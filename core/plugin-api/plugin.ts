import type { Logger } from "pino";
import type { ConfigCheckContext, ConfigCheckProblem } from "../config/config-check.js";
import type { ConfigPath } from "../config/config-issue.js";
import type { JSONSchema } from "../contracts/json-schema.js";
import type {
  ContributionKind,
  DispatcherContribution,
  EventChannelContribution,
  ExecutorContribution,
  FlowMigrationContribution,
  NodeTypeContribution,
  PreflightCheckContribution,
  SchemaMigrationContribution,
  ToolDomainContribution,
} from "./contributions.js";
import type { ServiceRef } from "./service-ref.js";

/**
 * A config value that names a contribution (`execution.dispatcher: kubernetes` names a dispatcher). The boot plan
 * checks each against what the booting plugins register, for `ark config validate` and every boot alike.
 */
export interface ConfigReference {
  /** Path of the value inside the section, e.g. `["routes", "task"]`. */
  readonly path: ConfigPath;
  readonly kind: Exclude<ContributionKind, "service">;
  /** The id the value names. */
  readonly id: string;
}

/** What a plugin does when its own boot fails: stop the whole boot, or carry on without it (and its dependents). */
export type BootFailurePolicy = "abort" | "continue";

/** Everything a plugin's lifecycle hooks receive. */
export interface PluginContext<C = Record<string, unknown>> {
  readonly pluginId: string;
  /** The plugin's own `config:` section, validated, defaults applied, frozen. */
  readonly config: Readonly<C>;
  /** A logger bound to the plugin (`plugin: <id>`). */
  readonly logger: Logger;
  /** Resolves a kernel service or a ref this plugin declared in `consumes`. Anything else throws ARK_SERVICE_NOT_VISIBLE. */
  get<T>(ref: ServiceRef<T>): T;
  /** An abort signal that fires when the kernel begins to stop. */
  readonly shutdownSignal: AbortSignal;
}

/** Builds a service from the providing plugin's context; called once (root scope) or once per consumer (plugin scope). */
export type ServiceFactory<T, C = Record<string, unknown>> = (ctx: PluginContext<C>, consumerPluginId: string) => T;

/** The declarative side of a plugin: `register` only records what the plugin contributes. It must not do I/O. */
export interface Registrar<C = Record<string, unknown>> {
  executor(contribution: ExecutorContribution): void;
  dispatcher(contribution: DispatcherContribution): void;
  toolDomain(contribution: ToolDomainContribution): void;
  eventChannel(contribution: EventChannelContribution): void;
  flowMigration(contribution: FlowMigrationContribution): void;
  schemaMigration(contribution: SchemaMigrationContribution): void;
  nodeType(contribution: NodeTypeContribution): void;
  /** A check `ark doctor` runs after boot. */
  preflightCheck(contribution: PreflightCheckContribution): void;
  /** Provides a service; the ref must be listed in the plugin's `provides`. Built after the plugin's `init`. */
  provide<T>(ref: ServiceRef<T>, factory: ServiceFactory<T, C>): void;
}

/** What a plugin module exports by default (via definePlugin). */
export interface PluginDefinition<C = Record<string, unknown>> {
  /** Lower-case, dash-separated, unique in a kernel. */
  readonly id: string;
  /** The plugin's own semver version. */
  readonly version: string;
  /** Semver range of kernel API versions the plugin works with, e.g. `^1.0.0`. */
  readonly kernel: string;
  readonly description?: string;
  /** Plugin ids (or built-in module ids such as `store`) that must boot before this one. */
  readonly requires?: readonly string[];
  /** Service refs this plugin provides to others. */
  readonly provides?: readonly ServiceRef<unknown>[];
  /** Service refs of other plugins this plugin resolves; the kernel adds an edge to each provider. */
  readonly consumes?: readonly ServiceRef<unknown>[];
  /** JSON Schema of the plugin's `config:` section (defaults are applied from it). */
  readonly configSchema?: JSONSchema;
  /**
   * Checks of the `config:` section that its schema cannot express, run on the validated section (defaults applied)
   * by `ark config validate` and by every boot before any init, each problem reported with its path. Pure: no I/O,
   * no server. A check that init would also make belongs here, so validate and boot cannot disagree.
   */
  checkConfig?(section: Readonly<C>, context: ConfigCheckContext): readonly ConfigCheckProblem[];
  /**
   * The values of the `config:` section that name contributions (dispatchers, executors, ...), taken from the
   * validated section. Pure, like checkConfig. Each is reported with its path when no booting plugin registers it,
   * by `ark config validate` and by every boot before any init.
   */
  configReferences?(section: Readonly<C>): readonly ConfigReference[];
  /** Default boot-failure policy; the config entry's `onBootFailure` wins. */
  readonly onBootFailure?: BootFailurePolicy;
  /** Built-in modules are only booted when something requires them (the store, for example). */
  readonly lazy?: boolean;
  /**
   * The plugin's `register` contributions work inside an executor sandbox, where only `register` runs (no init, no
   * store, API or event bus; tool calls go back to the kernel through the ToolHost). `ark bundle` refuses plugins
   * without it.
   */
  readonly runsInExecutor?: boolean;
  register?(registrar: Registrar<C>): void;
  init?(ctx: PluginContext<C>): Promise<void> | void;
  start?(ctx: PluginContext<C>): Promise<void> | void;
  stop?(ctx: PluginContext<C>): Promise<void> | void;
}

const PLUGIN_BRAND = Symbol.for("ark.plugin");

/** Declares a plugin. The kernel checks the manifest when it loads the plugin; this only brands and freezes it. */
export function definePlugin<C = Record<string, unknown>>(definition: PluginDefinition<C>): PluginDefinition<C> {
  return Object.freeze({ ...definition, [PLUGIN_BRAND]: true });
}

/** True when a module export looks like something definePlugin() returned. */
export function isPluginDefinition(value: unknown): value is PluginDefinition {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[PLUGIN_BRAND] === true;
}
