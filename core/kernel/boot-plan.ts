import {
  buildConfigSchema,
  formatConfigPath,
  hasIssueAround,
  kernelSectionSchema,
  positionCheckProblems,
  validateConfig,
  type ConfigSource,
  type CoreSectionSchemas,
  type PluginSectionSchema,
} from "../config/index.js";
import type { JSONSchema } from "../contracts/json-schema.js";
import { errorMessage } from "../errors/index.js";
import type { BootFailurePolicy, PluginDefinition } from "../plugin-api/plugin.js";
import type { BootIssue } from "./boot-issue.js";
import { throwIfIssues } from "./boot-issue.js";
import { buildDependencyGraph, type GraphNode } from "./dependency-graph.js";
import {
  contributorKey,
  referenceIssues,
  registryOf,
  unresolvedReferences,
  type DisabledContributor,
  type UnresolvedReference,
} from "./config-references.js";
import { checkManifest } from "./manifest-check.js";
import { importListedPlugins, importPlugin, rawPluginEntries, type ImportedPlugin, type PluginResolution, type RawPluginEntry } from "./plugin-loader.js";
import { recordRegistration, type Registration } from "./plugin-registrar.js";

/** Inputs of a boot: the config and the plugins that do not come from it. */
export interface BootPlanOptions {
  readonly source: ConfigSource;
  /** Core modules shaped as plugins (the store, ...). Their config is the top-level section named by their id. */
  readonly builtins?: readonly PluginDefinition[];
  /** In-memory plugins the config refers to as `from: inline:<id>` (test kit). */
  readonly inline?: readonly PluginDefinition[];
  /** Lazy built-ins to boot even when no plugin needs them (e.g. `ark db migrate` needs `store`). */
  readonly demand?: readonly string[];
  /** Service ref ids satisfied by overrides (test kit), so no provider is needed. */
  readonly preProvided?: readonly string[];
  /** Intrinsic kernel service ref ids (always visible, never provided by plugins). */
  readonly intrinsic?: readonly string[];
}

/** One plugin ready to boot, with its validated config section and policies. */
export interface PlannedPlugin {
  readonly definition: PluginDefinition;
  readonly builtin: boolean;
  /** Index in `plugins:` (null for built-ins). */
  readonly index: number | null;
  readonly config: Readonly<Record<string, unknown>>;
  readonly onBootFailure: BootFailurePolicy;
  readonly timeoutMs: number;
  readonly loadMs: number;
  /** Direct dependencies (plugin ids) after resolving consumed refs to their providers. */
  readonly dependencies: readonly string[];
  /** Ref ids this plugin may resolve beyond the kernel intrinsics. */
  readonly visibleRefs: ReadonlySet<string>;
  /** What its `register` declared, recorded once by the plan; the kernel applies it instead of registering again. */
  readonly registration: Registration;
}

/** A checked, ordered boot: what `ark config validate` verifies and what the kernel runs. */
export interface BootPlan {
  readonly source: ConfigSource;
  readonly config: Readonly<Record<string, unknown>>;
  /** Plugins in topological order. */
  readonly plugins: readonly PlannedPlugin[];
  /** Listed entries switched off with `enabled: false`. */
  readonly disabled: readonly { index: number; id: string | null; from: string | null }[];
  /** The stitched config JSON Schema. */
  readonly schema: JSONSchema;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Loads, checks and orders everything a boot needs; throws one ArkError listing every problem of the failing step. */
export async function prepareBoot(options: BootPlanOptions): Promise<BootPlan> {
  const { source } = options;
  const builtins = options.builtins ?? [];
  const entries = rawPluginEntries(source.value);
  const where = (index: number, field: string): Omit<BootIssue, "code" | "message"> => ({
    file: source.displayPath,
    ...(source.positionOf(["plugins", index, field]) ?? {}),
    path: `plugins[${index}].${field}`,
  });
  const baseDir = source.filePath ? dirOf(source.filePath) : process.cwd();
  const inline = new Map((options.inline ?? []).map((def) => [def.id, def]));
  const { imported, issues } = await importListedPlugins(entries, { baseDir, inline }, where);
  issues.push(...manifestIssues(imported, builtins, entries, where));

  const sections: Record<string, JSONSchema> = { kernel: kernelSectionSchema };
  for (const def of builtins) sections[def.id] = def.configSchema ?? { type: "object" };
  const pluginSchemas: PluginSectionSchema[] = imported.map((p) => ({
    index: p.index,
    id: p.definition.id,
    ...(p.definition.configSchema === undefined ? {} : { schema: p.definition.configSchema }),
  }));
  const { config, issues: configIssues } = validateConfig(source, sections as CoreSectionSchemas, pluginSchemas);
  const checked = sectionCheckIssues(source, config, builtins, imported, configIssues);
  issues.push(...byPosition([...configIssues.map((issue): BootIssue => ({ code: "ARK_CONFIG_INVALID", ...issue })), ...checked]));
  throwIfIssues(issues, `${source.displayPath} cannot boot`);

  const planned = planPlugins(config, imported, builtins);
  const disabledEntries = entries.filter((e) => e.enabled === false);
  const disabledIds = new Set(disabledEntries.map((e) => String(e.id ?? guessId(e.from))));
  const graph = buildDependencyGraph(planned.map(toGraphNode), {
    disabled: disabledIds,
    preProvided: new Set([...(options.preProvided ?? []), ...(options.intrinsic ?? [])]),
    demand: new Set(options.demand ?? []),
  });
  throwIfIssues(graph.issues, "the plugin set cannot boot");

  const byId = new Map(planned.map((p) => [p.definition.id, p]));
  // register runs here, once, in boot order: declarative and synchronous, so recording it needs no init.
  const plugins = graph.order.map((id): PlannedPlugin => {
    const p = byId.get(id)!;
    const deps = graph.dependencies.get(id) ?? [];
    const visible = new Set<string>([...(p.definition.consumes ?? []), ...(p.definition.provides ?? [])].map((r) => r.id));
    for (const dep of deps) for (const ref of byId.get(dep)?.definition.provides ?? []) visible.add(ref.id);
    for (const refId of options.preProvided ?? []) visible.add(refId);
    return { ...p, dependencies: deps, visibleRefs: visible, registration: recordRegistration(p.definition) };
  });
  await throwIfUnknownReferences(source, plugins, disabledEntries, { baseDir, inline });
  const disabled = disabledEntries.map((e) => ({
    index: e.index,
    id: typeof e.id === "string" ? e.id : guessId(e.from),
    from: typeof e.from === "string" ? e.from : null,
  }));
  return { source, config, plugins, disabled, schema: buildConfigSchema(sections as CoreSectionSchemas, pluginSchemas) };
}

type Unordered = Omit<PlannedPlugin, "dependencies" | "visibleRefs" | "registration">;

/**
 * Config values naming a dispatcher (executor, ...) that no booting plugin registers: one issue each, with its path,
 * the code boot used for it before (ARK_DISPATCHER_UNKNOWN) and the registered ids. Only sections of plugins that boot
 * are checked — a module that does not boot routes nothing — so `ark config validate` plans with what `ark start`
 * boots. When a disabled entry would register the id, the message names it (its module is imported only then).
 */
async function throwIfUnknownReferences(
  source: ConfigSource,
  plugins: readonly PlannedPlugin[],
  disabledEntries: readonly RawPluginEntry[],
  resolution: PluginResolution,
): Promise<void> {
  const sections = plugins.map((p) => ({
    definition: p.definition,
    prefix: p.builtin || p.index === null ? [p.definition.id] : ["plugins", p.index, "config"],
    section: p.config,
  }));
  const { unresolved, failures } = unresolvedReferences(sections, plugins.map((p) => p.registration));
  if (unresolved.length === 0 && failures.length === 0) return;
  const disabled = unresolved.length > 0 ? await disabledContributors(unresolved, disabledEntries, resolution) : new Map<string, DisabledContributor>();
  const issues: BootIssue[] = [
    ...failures.map(({ prefix, message }): BootIssue => ({
      code: "ARK_CONFIG_INVALID",
      file: source.displayPath,
      ...(source.positionOf(prefix) ?? {}),
      path: formatConfigPath(prefix),
      message,
    })),
    ...referenceIssues(source, unresolved, disabled),
  ];
  throwIfIssues(byPosition(issues), `${source.displayPath} cannot boot`);
}

/** What the disabled entries would register (ids only; a module that does not load is skipped: it cannot tell). */
async function disabledContributors(
  unresolved: readonly UnresolvedReference[],
  entries: readonly RawPluginEntry[],
  resolution: PluginResolution,
): Promise<Map<string, DisabledContributor>> {
  const wanted = new Set(unresolved.map((r) => contributorKey(registryOf(r), r.id)));
  const found = new Map<string, DisabledContributor>();
  for (const entry of entries) {
    if (typeof entry.from !== "string" || entry.from.trim() === "") continue;
    const loaded = await importPlugin(entry.from, resolution).catch(() => null);
    if (!loaded || !("definition" in loaded)) continue;
    for (const { registry, id } of recordRegistration(loaded.definition).contributions) {
      const key = contributorKey(registry, id);
      if (wanted.has(key) && !found.has(key)) found.set(key, { pluginId: loaded.definition.id, index: entry.index });
    }
  }
  return found;
}

/**
 * Runs each section's own `checkConfig` (built-in sections and enabled plugin entries) on the validated config, so
 * `ark config validate` and every boot refuse the same configs before any init. A section with a schema issue is
 * skipped: its check may rely on the schema. Built-in sections are checked whether or not the module boots, as their
 * schemas are.
 */
function sectionCheckIssues(
  source: ConfigSource,
  config: Readonly<Record<string, unknown>>,
  builtins: readonly PluginDefinition[],
  imported: readonly ImportedPlugin[],
  schemaIssues: readonly { readonly path: string }[],
): BootIssue[] {
  const context = { config, configFile: source.filePath };
  const listed = Array.isArray(config.plugins) ? (config.plugins as readonly Record<string, unknown>[]) : [];
  const targets = [
    ...builtins.map((definition) => ({ definition, prefix: [definition.id] as const, section: config[definition.id] })),
    ...imported
      .filter(({ index }) => listed[index]?.enabled !== false)
      .map(({ definition, index }) => ({ definition, prefix: ["plugins", index, "config"] as const, section: listed[index]?.config })),
  ];
  const issues: BootIssue[] = [];
  for (const { definition, prefix, section } of targets) {
    if (!definition.checkConfig) continue;
    if (hasIssueAround(schemaIssues, formatConfigPath(prefix))) continue;
    let problems;
    try {
      problems = definition.checkConfig((section ?? {}) as Readonly<Record<string, unknown>>, context);
      if (!Array.isArray(problems)) throw new TypeError("checkConfig must return a list of problems");
    } catch (cause) {
      problems = [{ path: [], message: `plugin '${definition.id}' failed to check its config (${errorMessage(cause)}); fix the plugin or update it` }];
    }
    for (const problem of positionCheckProblems(source, prefix, problems)) issues.push({ code: "ARK_CONFIG_INVALID", ...problem });
  }
  return issues;
}

function planPlugins(config: Readonly<Record<string, unknown>>, imported: readonly ImportedPlugin[], builtins: readonly PluginDefinition[]): Unordered[] {
  const kernel = (config.kernel ?? {}) as { pluginTimeoutMs?: number };
  const defaultTimeout = kernel.pluginTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const listed = (config.plugins ?? []) as readonly Record<string, unknown>[];
  const fromBuiltins = builtins.map((definition): Unordered => ({
    definition,
    builtin: true,
    index: null,
    config: (config[definition.id] ?? {}) as Readonly<Record<string, unknown>>,
    onBootFailure: definition.onBootFailure ?? "abort",
    timeoutMs: defaultTimeout,
    loadMs: 0,
  }));
  const fromList = imported.map(({ definition, index, loadMs }): Unordered => {
    const entry = listed[index] ?? {};
    return {
      definition,
      builtin: false,
      index,
      config: (entry.config ?? {}) as Readonly<Record<string, unknown>>,
      onBootFailure: (entry.onBootFailure as BootFailurePolicy | undefined) ?? definition.onBootFailure ?? "abort",
      timeoutMs: (entry.timeoutMs as number | undefined) ?? defaultTimeout,
      loadMs,
    };
  });
  return [...fromBuiltins, ...fromList];
}

function manifestIssues(
  imported: readonly ImportedPlugin[],
  builtins: readonly PluginDefinition[],
  entries: ReturnType<typeof rawPluginEntries>,
  where: (index: number, field: string) => Omit<BootIssue, "code" | "message">,
): BootIssue[] {
  const issues: BootIssue[] = [];
  const seen = new Map<string, string>(builtins.map((b) => [b.id, "a built-in module"]));
  for (const { definition, index } of imported) {
    issues.push(...checkManifest(definition, where(index, "from")));
    const declared = entries[index]?.id;
    if (typeof declared === "string" && declared !== definition.id) {
      issues.push({ ...where(index, "id"), code: "ARK_PLUGIN_MANIFEST_INVALID", message: `entry says id "${declared}" but the plugin's manifest id is "${definition.id}"` });
    }
    const other = seen.get(definition.id);
    if (other) {
      issues.push({ ...where(index, "from"), code: "ARK_PLUGIN_DUPLICATE_ID", message: `plugin id "${definition.id}" is already used by ${other}` });
    } else seen.set(definition.id, `plugins[${index}]`);
  }
  return issues;
}

function toGraphNode(p: Unordered): GraphNode {
  const def = p.definition;
  return {
    id: def.id,
    requires: def.requires ?? [],
    provides: (def.provides ?? []).map((r) => r.id),
    consumes: (def.consumes ?? []).map((r) => r.id),
    lazy: p.builtin && def.lazy === true,
  };
}

/** In file order (line, then column); problems without a position (a value from the environment) last. */
function byPosition(issues: readonly BootIssue[]): BootIssue[] {
  const rank = (n: number | null | undefined): number => n ?? Number.POSITIVE_INFINITY;
  return [...issues].sort((a, b) => rank(a.line) - rank(b.line) || rank(a.col) - rank(b.col));
}

function dirOf(file: string): string {
  return file.slice(0, Math.max(file.lastIndexOf("/"), 0)) || "/";
}

/** `./plugins/tools-memory` → `tools-memory`, for messages about disabled entries that give no id. */
function guessId(from: unknown): string | null {
  if (typeof from !== "string") return null;
  const last = from.replace(/\/+$/, "").split("/").pop() ?? "";
  return last.replace(/\.(m?[jt]s)$/, "").replace(/^index$/, "") || null;
}
