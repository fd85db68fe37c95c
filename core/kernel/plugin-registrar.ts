import { ArkError } from "../errors/index.js";
import type { PluginDefinition, Registrar, ServiceFactory } from "../plugin-api/plugin.js";
import type { ServiceRef } from "../plugin-api/service-ref.js";
import type { ContributionRegistry } from "./contribution-registry.js";
import type { KernelRegistries } from "./kernel-registries.js";

/** A service a plugin declared with `provide`, built after the plugin's init. */
export interface ProvidedService {
  readonly ref: ServiceRef<unknown>;
  readonly factory: ServiceFactory<unknown, any>;
}

/** The registries a contribution can go to (the keys of KernelRegistries that hold one kind each). */
export type ContributionRegistryKey =
  | "executors"
  | "dispatchers"
  | "toolDomains"
  | "eventChannels"
  | "flowMigrations"
  | "schemaMigrations"
  | "nodeTypes"
  | "preflightChecks";

/** One contribution a plugin's `register` made, in call order. */
export interface RecordedContribution {
  readonly registry: ContributionRegistryKey;
  readonly id: string;
  readonly value: unknown;
}

/**
 * What one run of a plugin's `register` declared: its contributions and provided services, or the error it failed
 * with (contributions made before the failure are kept, as the registries kept them). The boot plan records it once;
 * the kernel applies it instead of calling `register` again.
 */
export interface Registration {
  readonly pluginId: string;
  readonly contributions: readonly RecordedContribution[];
  readonly provided: readonly ProvidedService[];
  readonly error: unknown;
  readonly failed: boolean;
  readonly ms: number;
}

const KIND_OF: Record<ContributionRegistryKey, string> = {
  executors: "executor",
  dispatchers: "dispatcher",
  toolDomains: "toolDomain",
  eventChannels: "eventChannel",
  flowMigrations: "flowMigration",
  schemaMigrations: "schemaMigration",
  nodeTypes: "nodeType",
  preflightChecks: "preflightCheck",
};

/**
 * Runs a plugin's synchronous `register` once against a recording registrar: nothing is added anywhere, the calls
 * are kept. A contribution without an id fails `register` at the call, as the registries would.
 */
export function recordRegistration(def: PluginDefinition<any>): Registration {
  const began = performance.now();
  const contributions: RecordedContribution[] = [];
  const provided: ProvidedService[] = [];
  const record = (registry: ContributionRegistryKey, id: unknown, value: unknown): void => {
    if (typeof id !== "string" || id.trim() === "") {
      throw new ArkError("ARK_CONTRIBUTION_INVALID", `plugin "${def.id}" registered a ${KIND_OF[registry]} without an id`, {
        details: { kind: KIND_OF[registry], pluginId: def.id },
      });
    }
    contributions.push({ registry, id, value });
  };
  const registrar: Registrar<any> = {
    executor: (c) => record("executors", c?.id, c),
    dispatcher: (c) => record("dispatchers", c?.id, c),
    toolDomain: (c) => record("toolDomains", c?.id, c),
    eventChannel: (c) => record("eventChannels", c?.id, c),
    flowMigration: (c) => record("flowMigrations", c?.id, c),
    schemaMigration: (c) => record("schemaMigrations", `${def.id}/${c?.id}`, c),
    nodeType: (c) => record("nodeTypes", c?.type, c),
    preflightCheck: (c) => record("preflightChecks", c?.id, c),
    provide: (ref, factory) => {
      if (!(def.provides ?? []).some((r) => r.id === ref.id)) {
        throw new ArkError("ARK_CONTRIBUTION_INVALID", `plugin "${def.id}" provides ${ref.id} but does not list it in \`provides\``, {
          details: { pluginId: def.id, ref: ref.id },
        });
      }
      provided.push({ ref, factory });
    },
  };
  let error: unknown = null;
  let failed = false;
  try {
    const returned: unknown = def.register?.(registrar);
    if (returned instanceof Promise) {
      returned.catch(() => undefined);
      throw new ArkError("ARK_PLUGIN_REGISTER_FAILED", `plugin "${def.id}": register() must be synchronous; do async work in init()`, {
        details: { pluginId: def.id },
      });
    }
    const missing = (def.provides ?? []).filter((ref) => !provided.some((p) => p.ref.id === ref.id));
    if (missing.length > 0) {
      throw new ArkError(
        "ARK_CONTRIBUTION_INVALID",
        `plugin "${def.id}" lists ${missing.map((r) => r.id).join(", ")} in \`provides\` but never calls r.provide() for it`,
        { details: { pluginId: def.id, refs: missing.map((r) => r.id) } },
      );
    }
  } catch (err) {
    error = err;
    failed = true;
  }
  return { pluginId: def.id, contributions, provided, error, failed, ms: performance.now() - began };
}

/**
 * Adds a recorded registration to the kernel registries. Contribution conflicts are collected (not thrown one by one)
 * so the boot can report every duplicate at once; a registration that failed throws its error after adding what it
 * made before failing (the caller removes the plugin's contributions when it marks the plugin failed).
 */
export function applyRegistration(registration: Registration, registries: KernelRegistries, conflicts: ArkError[]): ProvidedService[] {
  for (const { registry, id, value } of registration.contributions) {
    try {
      (registries[registry] as ContributionRegistry<unknown>).add(id, registration.pluginId, value);
    } catch (err) {
      if (err instanceof ArkError && err.code === "ARK_CONTRIBUTION_DUPLICATE") conflicts.push(err);
      else throw err;
    }
  }
  if (registration.failed) throw registration.error;
  return [...registration.provided];
}

/** Runs a plugin's `register` and adds what it declares to `registries` (register → apply in one go). */
export function registerPlugin(
  def: PluginDefinition<any>,
  registries: KernelRegistries,
  conflicts: ArkError[],
): ProvidedService[] {
  return applyRegistration(recordRegistration(def), registries, conflicts);
}
