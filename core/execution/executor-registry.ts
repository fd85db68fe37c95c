/**
 * What an executor can run: the `register` contributions of its plugins (only `register` runs in a sandbox, never
 * init), plus the kernel's own pure node types (start, end, decision). `flowchart` needs the flow engine and stays
 * in the kernel. The plugin-set hash covers the plugins given, not the core.
 */
import { ArkError } from "../errors/index.js";
import { builtInNodeTypes } from "../flow/node-types/built-in-node-types.js";
import { KernelRegistries } from "../kernel/kernel-registries.js";
import { registerPlugin } from "../kernel/plugin-registrar.js";
import type { ExecutorContribution, NodeTypeContribution } from "../plugin-api/contributions.js";
import type { PluginDefinition } from "../plugin-api/plugin.js";
import { pluginSetHash } from "./plugin-set-hash.js";

/** Built-in node types an executor can run without the flow engine. */
/** The kernel's pure node types every executor carries, whatever its plugins. */
export const EXECUTOR_BUILT_IN_TYPES: ReadonlySet<string> = new Set(["start", "end", "decision"]);

/** The node-type and executor contributions an executor process holds. */
export interface ExecutorRegistry {
  nodeType(type: string): NodeTypeContribution | undefined;
  /** The executor contribution serving an executor class (by id, else by image class). */
  executorFor(executorClass: string): ExecutorContribution | undefined;
  /** sha256 over the plugins' sorted `id@version`. */
  readonly pluginSetHash: string;
  readonly nodeTypes: readonly string[];
}

/** Registers the plugins' contributions; duplicates fail with ARK_CONTRIBUTION_DUPLICATE (the first conflict). */
export function buildExecutorRegistry(plugins: readonly PluginDefinition<any>[]): ExecutorRegistry {
  const registries = new KernelRegistries();
  const conflicts: ArkError[] = [];
  const core = builtInNodeTypes(() => {
    throw new ArkError("ARK_KERNEL_STATE", "The flowchart node type needs the flow engine; it cannot run in an executor.");
  }).filter((t) => EXECUTOR_BUILT_IN_TYPES.has(t.type));
  for (const type of core) registries.nodeTypes.add(type.type, "core", type);
  for (const plugin of plugins) registerPlugin(plugin, registries, conflicts);
  if (conflicts.length > 0) throw conflicts[0]!;
  const executors = registries.executors.entries().map((e) => e.value);
  return {
    nodeType: (type) => registries.nodeTypes.get(type),
    executorFor: (executorClass) => registries.executors.get(executorClass) ?? executors.find((e) => (e.imageClass ?? e.id) === executorClass),
    pluginSetHash: pluginSetHash(plugins.map((p) => ({ id: p.id, version: p.version }))),
    nodeTypes: registries.nodeTypes.ids(),
  };
}
