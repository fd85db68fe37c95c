/**
 * Config values that name contributions (`execution.dispatcher: kubernetes`) checked against what the booting plugins
 * register. Runs in the boot plan after the registrations were recorded, so `ark config validate` and every boot
 * refuse the same configs before any init, each unknown id with its path, a "did you mean" and the registered ids.
 */
import { didYouMean } from "../config/did-you-mean.js";
import { formatConfigPath, type ConfigPath, type ConfigSource } from "../config/index.js";
import type { ArkErrorCode } from "../errors/index.js";
import { errorMessage } from "../errors/index.js";
import type { ConfigReference, PluginDefinition } from "../plugin-api/plugin.js";
import type { BootIssue } from "./boot-issue.js";
import type { ContributionRegistryKey, Registration } from "./plugin-registrar.js";

const REGISTRY_OF: Record<ConfigReference["kind"], ContributionRegistryKey> = {
  executor: "executors",
  dispatcher: "dispatchers",
  toolDomain: "toolDomains",
  eventChannel: "eventChannels",
  flowMigration: "flowMigrations",
  schemaMigration: "schemaMigrations",
  nodeType: "nodeTypes",
  preflightCheck: "preflightChecks",
};

/** The stable code boot used for an unknown id of this kind before the plan checked it (else ARK_CONFIG_INVALID). */
const CODE_OF: Partial<Record<ConfigReference["kind"], ArkErrorCode>> = { dispatcher: "ARK_DISPATCHER_UNKNOWN" };

/** A section whose values may name contributions: a built-in module's top-level section or a plugin's `config:`. */
export interface ReferencingSection {
  readonly definition: PluginDefinition;
  /** Where the section sits in the config: `["execution"]` or `["plugins", 2, "config"]`. */
  readonly prefix: ConfigPath;
  readonly section: Readonly<Record<string, unknown>>;
}

/** A reference nobody registers, before it is positioned. */
export interface UnresolvedReference {
  readonly path: ConfigPath;
  readonly kind: ConfigReference["kind"];
  readonly id: string;
  readonly known: readonly string[];
}

/** Who would contribute an id if it were enabled (a `plugins:` entry with `enabled: false`). */
export interface DisabledContributor {
  readonly pluginId: string;
  readonly index: number;
}

/** `dispatcher:kubernetes` → the disabled entry that registers it. */
export type DisabledContributors = ReadonlyMap<string, DisabledContributor>;

export const contributorKey = (registry: ContributionRegistryKey, id: string): string => `${registry}:${id}`;

/**
 * The references of every section that declares `configReferences`, resolved against the registrations of the plugins
 * that boot; returns those nobody registers, and an issue per section whose `configReferences` threw.
 */
export function unresolvedReferences(
  sections: readonly ReferencingSection[],
  registrations: readonly Registration[],
): { unresolved: UnresolvedReference[]; failures: { prefix: ConfigPath; message: string }[] } {
  const registered = new Map<ContributionRegistryKey, Set<string>>();
  for (const registration of registrations) {
    if (registration.failed) continue;
    for (const { registry, id } of registration.contributions) {
      let ids = registered.get(registry);
      if (!ids) registered.set(registry, (ids = new Set()));
      ids.add(id);
    }
  }
  const unresolved: UnresolvedReference[] = [];
  const failures: { prefix: ConfigPath; message: string }[] = [];
  for (const { definition, prefix, section } of sections) {
    if (!definition.configReferences) continue;
    let references: readonly ConfigReference[];
    try {
      const listed: unknown = definition.configReferences(section);
      if (!Array.isArray(listed)) throw new TypeError("configReferences must return a list");
      references = listed as readonly ConfigReference[];
    } catch (cause) {
      failures.push({ prefix, message: `plugin '${definition.id}' failed to list the contributions its config names (${errorMessage(cause)}); fix the plugin or update it` });
      continue;
    }
    for (const reference of references) {
      if (typeof reference?.id !== "string" || !Object.hasOwn(REGISTRY_OF, reference.kind)) continue;
      const known = [...(registered.get(REGISTRY_OF[reference.kind]) ?? [])].sort();
      if (!known.includes(reference.id)) unresolved.push({ path: [...prefix, ...reference.path], kind: reference.kind, id: reference.id, known });
    }
  }
  return { unresolved, failures };
}

/** The registry key an unresolved reference is looked up in (for finding a disabled contributor). */
export function registryOf(reference: UnresolvedReference): ContributionRegistryKey {
  return REGISTRY_OF[reference.kind];
}

/**
 * One positioned issue per unknown id: `execution.dispatcher: dispatcher 'kubrnetes' is not registered by any enabled
 * plugin (did you mean 'kubernetes'?); registered dispatchers: inline, kubernetes, process`, or, when a disabled entry
 * would register it, which plugin that is.
 */
export function referenceIssues(source: ConfigSource, unresolved: readonly UnresolvedReference[], disabled: DisabledContributors = new Map()): BootIssue[] {
  return unresolved.map((reference): BootIssue => {
    const position = source.positionOf(reference.path);
    const known = reference.known.length > 0 ? reference.known.join(", ") : "none";
    const registeredList = `registered ${reference.kind}s: ${known}`;
    const contributor = disabled.get(contributorKey(REGISTRY_OF[reference.kind], reference.id));
    let message: string;
    if (contributor) {
      message = `${reference.kind} '${reference.id}' comes from plugin '${contributor.pluginId}', which is disabled (plugins[${contributor.index}].enabled: false); enable it, or name one of the ${registeredList}`;
    } else {
      const suggestion = didYouMean(reference.id, reference.known);
      message = `${reference.kind} '${reference.id}' is not registered by any enabled plugin${suggestion === null ? "" : ` (did you mean '${suggestion}'?)`}; ${registeredList}`;
    }
    return {
      code: CODE_OF[reference.kind] ?? "ARK_CONFIG_INVALID",
      file: source.displayPath,
      line: position?.line ?? null,
      col: position?.col ?? null,
      path: formatConfigPath(reference.path),
      message,
      known: reference.known,
    };
  });
}
