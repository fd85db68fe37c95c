/**
 * The one rule for every filesystem path in runtime.config.yaml (store.dataDir, execution.process.workspaceRoot and
 * bundle, plugins[].from, the tool domains' roots, kubeconfigPath, ...): an absolute path is used as given; a relative
 * one is relative to the folder of the config file that was loaded; with no config file (defaults only, or a config
 * built in code) it is relative to the working directory.
 */
import path from "node:path";

/** The folder relative config paths resolve against: the config file's folder, else `cwd`. */
export function configBaseDir(configFile: string | null | undefined, cwd: string = process.cwd()): string {
  return configFile ? path.dirname(path.resolve(cwd, configFile)) : path.resolve(cwd);
}

/** Resolves a path written in the config to an absolute one (see the module comment for the rule). */
export function resolveConfigPath(value: string, configFile: string | null | undefined, cwd: string = process.cwd()): string {
  if (path.isAbsolute(value)) return path.normalize(value);
  return path.resolve(configBaseDir(configFile, cwd), value);
}
