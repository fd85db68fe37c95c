/**
 * Which plugin modules a source-mode executor loads: the kernel config's enabled `plugins[].from` entries whose
 * definition declares `runsInExecutor: true` (checked here by importing them — the kernel already did, so the
 * module cache answers), plus `execution.process.pluginModules`. Relative specifiers become absolute paths.
 */
import path from "node:path";
import { configBaseDir } from "../config/config-path.js";
import { importPlugin, rawPluginEntries } from "../kernel/plugin-loader.js";

function absolute(from: string, baseDir: string): string {
  return from.startsWith(".") ? path.resolve(baseDir, from) : from;
}

/** The module list and base folder for ARK_EXECUTOR_PLUGIN_MODULES / ARK_EXECUTOR_PLUGIN_BASE_DIR. */
export async function executorPluginModules(
  kernelConfig: Readonly<Record<string, unknown>>, configFile: string | null, extra: readonly string[],
): Promise<{ modules: string[]; baseDir: string }> {
  const baseDir = configBaseDir(configFile);
  const listed = rawPluginEntries(kernelConfig as Record<string, unknown>)
    .filter((e) => e.enabled !== false && typeof e.from === "string" && !e.from.startsWith("inline:"))
    .map((e) => e.from as string);
  const checked = await Promise.all(listed.map(async (from) => {
    const imported = await importPlugin(from, { baseDir });
    return "definition" in imported && imported.definition.runsInExecutor === true ? absolute(from, baseDir) : null;
  }));
  const modules = [...checked.filter((m): m is string => m !== null), ...extra.map((m) => absolute(m, baseDir))];
  return { modules: [...new Set(modules)], baseDir };
}
