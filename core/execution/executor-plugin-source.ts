/**
 * Where a source-mode executor (tsx, no bundle) gets its plugins: the module specifiers the process dispatcher passes
 * in `ARK_EXECUTOR_PLUGIN_MODULES` (a JSON array, resolved against `ARK_EXECUTOR_PLUGIN_BASE_DIR`). Only plugins whose
 * manifest declares `runsInExecutor: true` are kept; a bundle imports its plugins statically instead.
 */
import { ArkError } from "../errors/index.js";
import { importPlugin } from "../kernel/plugin-loader.js";
import type { PluginDefinition } from "../plugin-api/plugin.js";

/** JSON array of plugin module specifiers (paths or package names). */
export const PLUGIN_MODULES_ENV = "ARK_EXECUTOR_PLUGIN_MODULES";
/** Folder relative specifiers and package names are resolved from (the kernel's config folder). */
export const PLUGIN_BASE_DIR_ENV = "ARK_EXECUTOR_PLUGIN_BASE_DIR";

/** The plugin module list of an env; ARK_EXECUTOR_PLUGIN_LOAD_FAILED when it is not a JSON array of strings. */
export function pluginModulesOf(env: Readonly<Record<string, string | undefined>>): string[] {
  const text = env[PLUGIN_MODULES_ENV]?.trim();
  if (!text) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = null;
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new ArkError("ARK_EXECUTOR_PLUGIN_LOAD_FAILED", `${PLUGIN_MODULES_ENV} must be a JSON array of module specifiers.`, { details: { problems: [text] } });
  }
  return value as string[];
}

/** Imports the listed plugins and keeps those that run in an executor; any import failure fails the whole load. */
export async function loadExecutorPlugins(env: Readonly<Record<string, string | undefined>>): Promise<PluginDefinition[]> {
  const baseDir = env[PLUGIN_BASE_DIR_ENV]?.trim() || process.cwd();
  const results = await Promise.all(pluginModulesOf(env).map(async (from) => ({ from, result: await importPlugin(from, { baseDir }) })));
  const problems = results.flatMap(({ result }) => ("error" in result ? [result.error] : []));
  if (problems.length > 0) {
    throw new ArkError("ARK_EXECUTOR_PLUGIN_LOAD_FAILED", `Cannot load executor plugins: ${problems.join("; ")}`, { details: { problems } });
  }
  return results.flatMap(({ result }) => ("definition" in result && result.definition.runsInExecutor === true ? [result.definition] : []));
}
