/**
 * The `execution.process` config section (the `process` dispatcher) and how its timeouts combine with the
 * node-executor settings: a config value overrides the setting (tests and single-machine tuning), else the setting
 * (`dispatch_timeout_seconds`, `execution_timeout_seconds`, `log_collection_timeout_seconds`,
 * `cancel_grace_timeout_seconds`, `cancel_force_kill_enabled`) applies.
 */
import { resolveConfigPath } from "../config/config-path.js";
import type { ExecutorTimeouts } from "./executor-child.js";

/** `execution.process`. */
export interface ProcessDispatcherConfig {
  /** A built executor bundle (`node <bundle>`; relative: to the config file's folder); unset = run from source with tsx. */
  readonly bundle?: string;
  /** Per-run workspaces: `<workspaceRoot>/<run>/<node-run>` (relative: to the config file's folder, else the cwd). */
  readonly workspaceRoot: string;
  readonly maxConcurrent: number;
  /** The plugin-set hash executors must report; default: the bundle's `bundle.json` `plugin_set_hash`, else unchecked. */
  readonly expectedPluginSetHash?: string;
  /** Extra plugin modules a source-mode executor loads (besides the config's plugins that run in executors). */
  readonly pluginModules: readonly string[];
  /** Names of kernel env variables passed to executors, besides the built-in allowlist (PATH, HOME, LANG, ...). */
  readonly envAllowlist: readonly string[];
  /** Fixed env variables for executors. */
  readonly env: Readonly<Record<string, string>>;
  readonly dispatchTimeoutSeconds?: number;
  readonly executionTimeoutSeconds?: number;
  readonly logCollectionTimeoutSeconds?: number;
  readonly cancelGraceSeconds?: number;
  readonly forceKill?: boolean;
}

const seconds = (description: string) => ({ type: "number", exclusiveMinimum: 0, maximum: 86400, description }) as const;

/** JSON Schema of `execution.process`. */
export const processDispatcherSectionSchema = {
  type: "object",
  additionalProperties: false,
  default: {},
  properties: {
    bundle: { type: "string", minLength: 1, description: "Executor bundle file (from `ark bundle`; relative: to the config file's folder); unset runs the executor from source with tsx." },
    workspaceRoot: { type: "string", minLength: 1, default: ".ark/workspaces", description: "Per-run workspace folders: <root>/<run>/<node-run> (relative: to the config file's folder)." },
    maxConcurrent: { type: "integer", minimum: 1, maximum: 1024, default: 4, description: "Executor processes at once; later dispatches queue (FIFO)." },
    expectedPluginSetHash: { type: "string", pattern: "^[0-9a-f]{16,64}$", description: "Plugin-set hash executors must report (default: bundle.json next to the bundle)." },
    pluginModules: { type: "array", default: [], items: { type: "string", minLength: 1 }, description: "Extra plugin modules a source-mode executor loads (./relative: to the config file's folder)." },
    envAllowlist: { type: "array", default: [], items: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }, description: "Kernel env variables passed to executors." },
    env: { type: "object", default: {}, additionalProperties: { type: "string" }, propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" } },
    dispatchTimeoutSeconds: seconds("Overrides the dispatch_timeout_seconds setting (spawn → start marker)."),
    executionTimeoutSeconds: seconds("Overrides the execution_timeout_seconds setting (start marker → exit)."),
    logCollectionTimeoutSeconds: seconds("Overrides the log_collection_timeout_seconds setting (exit → output closed)."),
    cancelGraceSeconds: seconds("Overrides the cancel_grace_timeout_seconds setting (SIGTERM → SIGKILL)."),
    forceKill: { type: "boolean", description: "Overrides the cancel_force_kill_enabled setting." },
  },
} as const;

/** The config's defaults, for dispatchers built without the module (tests). */
export const defaultProcessDispatcherConfig: ProcessDispatcherConfig = {
  workspaceRoot: ".ark/workspaces", maxConcurrent: 4, pluginModules: [], envAllowlist: [], env: {},
};

/** The section with its paths made absolute: relative `workspaceRoot` and `bundle` are relative to the config file's folder. */
export function resolveProcessPaths(config: ProcessDispatcherConfig, configFile: string | null): ProcessDispatcherConfig {
  return {
    ...config,
    workspaceRoot: resolveConfigPath(config.workspaceRoot, configFile),
    ...(config.bundle === undefined ? {} : { bundle: resolveConfigPath(config.bundle, configFile) }),
  };
}

function settingNumber(settings: Readonly<Record<string, string>>, key: string, fallback: number): number {
  const value = Number(settings[key]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** The timeouts of a dispatch: config overrides, else the node-executor settings, else the settings' defaults. */
export function resolveTimeouts(config: ProcessDispatcherConfig, settings: Readonly<Record<string, string>>): ExecutorTimeouts {
  return {
    dispatchSeconds: config.dispatchTimeoutSeconds ?? settingNumber(settings, "dispatch_timeout_seconds", 300),
    executionSeconds: config.executionTimeoutSeconds ?? settingNumber(settings, "execution_timeout_seconds", 1800),
    logCollectionSeconds: config.logCollectionTimeoutSeconds ?? settingNumber(settings, "log_collection_timeout_seconds", 30),
    cancelGraceSeconds: config.cancelGraceSeconds ?? settingNumber(settings, "cancel_grace_timeout_seconds", 15),
    forceKill: config.forceKill ?? (settings.cancel_force_kill_enabled === undefined ? true : settings.cancel_force_kill_enabled === "true"),
  };
}
