import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { errorMessage } from "../errors/index.js";
import { isPluginDefinition, type PluginDefinition } from "../plugin-api/plugin.js";
import { pluginLoadHint, resolveArkDependenciesFor } from "./ark-dependency-resolution.js";
import type { BootIssue } from "./boot-issue.js";

/** One `plugins:` entry of the config as written (before validation, so every field is unchecked). */
export interface RawPluginEntry {
  readonly index: number;
  readonly from: unknown;
  readonly id: unknown;
  readonly enabled: unknown;
}

/** A plugin module that was imported and holds a definition. */
export interface ImportedPlugin {
  readonly index: number;
  readonly definition: PluginDefinition;
  readonly loadMs: number;
}

/** Where plugin specifiers are resolved from, plus in-memory plugins (`inline:<id>`) for the test kit. */
export interface PluginResolution {
  readonly baseDir: string;
  readonly inline?: ReadonlyMap<string, PluginDefinition>;
}

const INDEX_FILES = ["index.js", "index.ts", "index.mjs"];

/** Resolves `from:` to a file URL: a path relative to the config file, or a package name resolved from there. */
function resolveSpecifier(from: string, baseDir: string): string {
  if (from.startsWith(".") || path.isAbsolute(from)) {
    const full = path.resolve(baseDir, from);
    if (existsSync(full) && statSync(full).isDirectory()) {
      const index = INDEX_FILES.map((f) => path.join(full, f)).find((f) => existsSync(f));
      if (!index) throw new Error(`folder ${full} has no ${INDEX_FILES.join(" / ")}`);
      return pathToFileURL(index).href;
    }
    if (!existsSync(full)) throw new Error(`no such file or folder: ${full}`);
    return pathToFileURL(full).href;
  }
  return pathToFileURL(createRequire(path.join(baseDir, "noop.js")).resolve(from)).href;
}

/**
 * Imports one plugin; returns its definition or the issue that explains why not. A plugin outside ARK's folder may
 * import ARK's dependencies by bare name (see ark-dependency-resolution.ts), as in a bundle.
 */
export async function importPlugin(
  from: string,
  resolution: PluginResolution,
): Promise<{ definition: PluginDefinition } | { error: string }> {
  if (from.startsWith("inline:")) {
    const def = resolution.inline?.get(from.slice("inline:".length));
    return def ? { definition: def } : { error: `no in-memory plugin named ${from}` };
  }
  let url: string;
  try {
    url = resolveSpecifier(from, resolution.baseDir);
  } catch (err) {
    return { error: `cannot load ${from}: ${errorMessage(err)}` };
  }
  const entryFile = fileURLToPath(url);
  let mod: Record<string, unknown>;
  try {
    resolveArkDependenciesFor(entryFile);
    mod = (await import(url)) as Record<string, unknown>;
  } catch (err) {
    const message = errorMessage(err);
    return { error: `cannot load ${from}: ${message}${pluginLoadHint(message, entryFile)}` };
  }
  const def = mod.default;
  if (!isPluginDefinition(def)) {
    return { error: `${from} has no default export made with definePlugin()` };
  }
  return { definition: def };
}

/** Reads the unchecked `plugins:` array out of a config value. */
export function rawPluginEntries(configValue: Record<string, unknown>): RawPluginEntry[] {
  const list = configValue.plugins;
  if (!Array.isArray(list)) return [];
  return list.map((entry, index) => {
    const e = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    return { index, from: e.from, id: e.id, enabled: e.enabled };
  });
}

/** Imports every enabled entry concurrently (module loading overlaps its file I/O); all failures are returned at once. */
export async function importListedPlugins(
  entries: readonly RawPluginEntry[],
  resolution: PluginResolution,
  where: (index: number, field: string) => Omit<BootIssue, "code" | "message">,
): Promise<{ imported: ImportedPlugin[]; issues: BootIssue[] }> {
  const wanted = entries.filter((e) => e.enabled !== false && typeof e.from === "string" && e.from.trim() !== "");
  const results = await Promise.all(
    wanted.map(async (entry) => {
      const started = performance.now();
      const result = await importPlugin(entry.from as string, resolution);
      return { entry, result, loadMs: performance.now() - started };
    }),
  );
  const imported: ImportedPlugin[] = [];
  const issues: BootIssue[] = [];
  for (const { entry, result, loadMs } of results) {
    if ("error" in result) issues.push({ ...where(entry.index, "from"), code: "ARK_PLUGIN_LOAD_FAILED", message: result.error });
    else imported.push({ index: entry.index, definition: result.definition, loadMs });
  }
  return { imported, issues };
}
