import { DEFAULT_ENV_PASSTHROUGH, resolveWorkspaceBase, WorkspaceRoots, type JSONSchema } from "../../core/plugin-api/index.js";

/** The plugin's own `config:` section as written (defaults applied by the kernel's validator). */
export interface GitPluginConfig {
  readonly root?: string;
  readonly gitPath?: string;
  readonly ghPath?: string;
  readonly allowedUrlSchemes?: readonly string[];
  readonly allowForcePush?: boolean;
  readonly timeoutSeconds?: number;
  readonly networkTimeoutSeconds?: number;
  readonly maxOutputBytes?: number;
  readonly envPassthrough?: readonly string[];
  readonly author?: { readonly name?: string; readonly email?: string };
}

/** What the operations run with. */
export interface GitSettings {
  readonly roots: WorkspaceRoots;
  readonly gitPath: string;
  readonly ghPath: string;
  readonly allowedUrlSchemes: readonly string[];
  readonly allowForcePush: boolean;
  readonly timeoutMs: number;
  readonly networkTimeoutMs: number;
  readonly maxOutputBytes: number;
  readonly envPassthrough: readonly string[];
  readonly author: { readonly name: string; readonly email: string };
}

/** URL schemes git may use at all; `allowedUrlSchemes` picks from these. */
export const KNOWN_URL_SCHEMES = ["https", "http", "ssh", "git", "file"] as const;

/** Schema of the plugin's `config:` section. */
export const gitConfigSchema: JSONSchema = Object.freeze({
  type: "object",
  description: "git in the caller's workspace folder, never prompting, refusing option injection.",
  properties: {
    root: { type: "string", minLength: 1, default: ".ark/workspaces", description: "Base folder of all workspaces (relative: to the config file's folder); keep it equal to tools-workspace's root so both see the same files." },
    gitPath: { type: "string", minLength: 1, default: "git" },
    ghPath: { type: "string", minLength: 1, default: "gh", description: "GitHub CLI for pull_request; without it pull_request answers a compare URL." },
    allowedUrlSchemes: { type: "array", uniqueItems: true, items: { type: "string", enum: [...KNOWN_URL_SCHEMES] }, default: ["https", "ssh"], description: "Schemes clone accepts and every git command may use (git protocol.allow); local paths count as file." },
    allowForcePush: { type: "boolean", default: false, description: "Whether push force: true is honoured (as --force-with-lease)." },
    timeoutSeconds: { type: "integer", minimum: 1, maximum: 3600, default: 120, description: "Default timeout of local git commands." },
    networkTimeoutSeconds: { type: "integer", minimum: 1, maximum: 7200, default: 300, description: "Default timeout of clone, push and pull_request." },
    maxOutputBytes: { type: "integer", minimum: 1024, default: 1_000_000, description: "stdout/stderr kept per git command (diff output beyond it is truncated with a marker)." },
    envPassthrough: { type: "array", items: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*\\*?$" }, default: [...DEFAULT_ENV_PASSTHROUGH], description: "Variables git and gh inherit from the kernel (e.g. add SSH_AUTH_SOCK or GH_TOKEN); nothing else is passed." },
    author: {
      type: "object", additionalProperties: false, default: { name: "ARK", email: "ark@localhost" },
      properties: { name: { type: "string", minLength: 1 }, email: { type: "string", minLength: 1 } },
    },
  },
  additionalProperties: false,
});

/** Resolves the section into settings. */
export function resolveGitSettings(own: GitPluginConfig, configFile: string | null): GitSettings {
  return {
    roots: new WorkspaceRoots(resolveWorkspaceBase(own.root, configFile)),
    gitPath: own.gitPath ?? "git",
    ghPath: own.ghPath ?? "gh",
    allowedUrlSchemes: own.allowedUrlSchemes ?? ["https", "ssh"],
    allowForcePush: own.allowForcePush ?? false,
    timeoutMs: (own.timeoutSeconds ?? 120) * 1000,
    networkTimeoutMs: (own.networkTimeoutSeconds ?? 300) * 1000,
    maxOutputBytes: own.maxOutputBytes ?? 1_000_000,
    envPassthrough: own.envPassthrough ?? DEFAULT_ENV_PASSTHROUGH,
    author: { name: own.author?.name ?? "ARK", email: own.author?.email ?? "ark@localhost" },
  };
}
