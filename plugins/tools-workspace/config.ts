import { resolveWorkspaceBase, WorkspaceRoots, type JSONSchema } from "../../core/plugin-api/index.js";

/** The plugin's own `config:` section as written (defaults applied by the kernel's validator). */
export interface WorkspacePluginConfig {
  readonly root?: string;
  readonly maxReadBytes?: number;
  readonly maxWriteBytes?: number;
  readonly maxListEntries?: number;
  readonly maxSearchResults?: number;
  readonly maxSearchFileBytes?: number;
  readonly allowGitDirWrites?: boolean;
  readonly gitPath?: string;
  readonly patchTimeoutSeconds?: number;
}

/** What the operations run with. */
export interface WorkspaceSettings {
  readonly roots: WorkspaceRoots;
  readonly maxReadBytes: number;
  readonly maxWriteBytes: number;
  readonly maxListEntries: number;
  readonly maxSearchResults: number;
  readonly maxSearchFileBytes: number;
  readonly allowGitDirWrites: boolean;
  readonly gitPath: string;
  readonly patchTimeoutMs: number;
}

/** Schema of the plugin's `config:` section. */
export const workspaceConfigSchema: JSONSchema = Object.freeze({
  type: "object",
  description: "File operations inside a per-run workspace folder.",
  properties: {
    root: { type: "string", minLength: 1, default: ".ark/workspaces", description: "Base folder of all workspaces (relative: to the config file's folder); each call works in <root>/<workspace key>." },
    maxReadBytes: { type: "integer", minimum: 1, default: 5_000_000, description: "Most bytes one read returns." },
    maxWriteBytes: { type: "integer", minimum: 1, default: 10_000_000, description: "Largest content one write (or append) accepts." },
    maxListEntries: { type: "integer", minimum: 1, default: 10_000, description: "Most entries one list returns (then truncated: true)." },
    maxSearchResults: { type: "integer", minimum: 1, default: 1000, description: "Upper bound of search.max_results." },
    maxSearchFileBytes: { type: "integer", minimum: 1, default: 2_000_000, description: "Files larger than this are skipped by search." },
    allowGitDirWrites: { type: "boolean", default: false, description: "Allow write/delete/move/chmod/patch under .git folders (off: git hooks and config can't be planted)." },
    gitPath: { type: "string", minLength: 1, default: "git", description: "git executable used by apply_patch." },
    patchTimeoutSeconds: { type: "integer", minimum: 1, maximum: 3600, default: 60 },
  },
  additionalProperties: false,
});

/** Resolves the section (plus the config file's folder for a relative root) into settings. */
export function resolveWorkspaceSettings(own: WorkspacePluginConfig, configFile: string | null): WorkspaceSettings {
  return {
    roots: new WorkspaceRoots(resolveWorkspaceBase(own.root, configFile)),
    maxReadBytes: own.maxReadBytes ?? 5_000_000,
    maxWriteBytes: own.maxWriteBytes ?? 10_000_000,
    maxListEntries: own.maxListEntries ?? 10_000,
    maxSearchResults: own.maxSearchResults ?? 1000,
    maxSearchFileBytes: own.maxSearchFileBytes ?? 2_000_000,
    allowGitDirWrites: own.allowGitDirWrites ?? false,
    gitPath: own.gitPath ?? "git",
    patchTimeoutMs: (own.patchTimeoutSeconds ?? 60) * 1000,
  };
}
