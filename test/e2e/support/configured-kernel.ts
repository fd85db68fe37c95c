/**
 * A test kernel booted with the plugin list of the repository's runtime.config.yaml and the built-in modules `ark start`
 * serves — the embedded default: each plugin's `config:` from the file, PGlite in memory, the API on a free port. Only the tool plugins' workspace root is moved to `root`, and relative RAG collection paths are resolved
 * against the repository (the config file's folder).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";
import { SERVED_MODULES } from "../../../core/cli/commands/start.js";
import type { PluginDefinition } from "../../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../../core/testing/index.js";

/** The repository root (where runtime.config.yaml is). */
export const repo = path.resolve(import.meta.dirname, "../../..");
const WORKSPACE_PLUGINS = ["tools-workspace", "tools-git", "tools-command"];

interface PluginEntry {
  readonly from: string;
  readonly enabled?: boolean;
  readonly config?: Record<string, unknown>;
}

/** The enabled `plugins:` entries of runtime.config.yaml, loaded as definitions, with their `config:` sections. */
async function configuredPlugins(): Promise<{ definition: PluginDefinition; config: Record<string, unknown> }[]> {
  const config = parse(await readFile(path.join(repo, "runtime.config.yaml"), "utf8")) as { plugins: PluginEntry[] };
  const entries = config.plugins.filter((p) => p.enabled !== false);
  const modules = await Promise.all(entries.map((p) => import(pathToFileURL(path.join(repo, p.from, "index.ts")).href)));
  return modules.map((m, i) => ({ definition: m.default as PluginDefinition, config: entries[i]!.config ?? {} }));
}

/** A plugin's config as the kernel would read it from the repository's config file, with the workspace root moved. */
function pluginConfigOf(id: string, config: Record<string, unknown>, root: string): Record<string, unknown> {
  if (WORKSPACE_PLUGINS.includes(id)) return { ...config, root };
  if (id !== "tools-rag") return config;
  const collections = (config.collections ?? {}) as Record<string, { path: string }>;
  const resolved = Object.entries(collections).map(([name, c]) => [name, { ...c, path: path.resolve(repo, c.path) }]);
  return { ...config, workspaceRoot: root, collections: Object.fromEntries(resolved) };
}

/** The kernel and the configured plugins it booted. */
export interface ConfiguredKernel {
  readonly kernel: TestKernel;
  readonly plugins: readonly PluginDefinition[];
}

/** Boots every plugin runtime.config.yaml enables, with tool workspaces under `root`. */
export async function startConfiguredKernel(root: string): Promise<ConfiguredKernel> {
  const configured = await configuredPlugins();
  const plugins = configured.map((p) => p.definition);
  const kernel = await startTestKernel({
    plugins,
    demand: SERVED_MODULES,
    pluginConfig: Object.fromEntries(configured.map((p) => [p.definition.id, pluginConfigOf(p.definition.id, p.config, root)])),
    config: { api: { port: 0 }, kernel: { pluginTimeoutMs: 120_000 }, flow: { pollIntervalMs: 50, heartbeatMs: 500, leaseSeconds: 10 } },
  });
  return { kernel, plugins };
}
