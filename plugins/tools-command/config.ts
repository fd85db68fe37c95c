import { DEFAULT_ENV_PASSTHROUGH, MAX_TIMER_SECONDS, resolveWorkspaceBase, WorkspaceRoots, type JSONSchema } from "../../core/plugin-api/index.js";

/** The plugin's own `config:` section as written (defaults applied by the kernel's validator). */
export interface CommandPluginConfig {
  readonly root?: string;
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
  readonly shell?: boolean;
  readonly shellPath?: string;
  readonly envPassthrough?: readonly string[];
  readonly confineArguments?: boolean;
  readonly defaultTimeoutSeconds?: number;
  readonly maxTimeoutSeconds?: number;
  readonly maxOutputBytes?: number;
  readonly maxConcurrent?: number;
  readonly maxSessions?: number;
  readonly sessionTtlSeconds?: number;
  readonly maxJobs?: number;
  readonly jobTtlSeconds?: number;
  readonly jobMaxRuntimeSeconds?: number;
  readonly reapIntervalSeconds?: number;
}

/** The command policy every operation runs under. */
export interface CommandPolicy {
  readonly roots: WorkspaceRoots;
  /** Executables allowed (names, or absolute paths); empty = any that is not denied. */
  readonly allow: readonly string[];
  /** Executables refused (names, or absolute paths); deny wins over allow. */
  readonly deny: readonly string[];
  readonly shell: boolean;
  readonly shellPath: string;
  readonly envPassthrough: readonly string[];
  readonly confineArguments: boolean;
  readonly defaultTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly maxOutputBytes: number;
  readonly maxConcurrent: number;
  readonly maxSessions: number;
  readonly sessionTtlMs: number;
  readonly maxJobs: number;
  readonly jobTtlMs: number;
  readonly jobMaxRuntimeMs: number;
  readonly reapIntervalMs: number;
}

/**
 * Denied unless the config says otherwise: shells (an argv `sh -c ...` would be a shell the policy did not allow; with
 * `shell: true` the configured shellPath is exempt), privilege changes, namespace tricks, power and process control.
 */
export const DEFAULT_DENY: readonly string[] = Object.freeze([
  "sh", "bash", "dash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "busybox", "sudo", "su", "doas", "pkexec", "chroot", "nsenter", "unshare", "setpriv", "capsh", "mount", "umount",
  "reboot", "shutdown", "halt", "poweroff", "systemctl", "kill", "pkill", "killall",
]);

const NAMES = { type: "array", uniqueItems: true, items: { type: "string", minLength: 1 } };

/** Schema of the plugin's `config:` section. */
export const commandConfigSchema: JSONSchema = Object.freeze({
  type: "object",
  description: "Commands in the caller's workspace folder under an executable policy, a scrubbed environment, timeouts and output caps.",
  properties: {
    root: { type: "string", minLength: 1, default: ".ark/workspaces", description: "Base folder of all workspaces (relative: to the config file's folder); keep it equal to tools-workspace's root." },
    allow: { ...NAMES, default: [], description: "Executables allowed (a name matches any path with that file name; an absolute path matches only itself). Empty: any executable not denied." },
    deny: { ...NAMES, default: [...DEFAULT_DENY], description: "Executables refused; deny wins over allow." },
    shell: { type: "boolean", default: false, description: "Allow shell strings (run as shellPath -c ...). The policy then only sees the shell, not what the string runs." },
    shellPath: { type: "string", minLength: 1, default: "/bin/sh" },
    envPassthrough: { type: "array", items: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*\\*?$" }, default: [...DEFAULT_ENV_PASSTHROUGH], description: "Kernel environment variables a command inherits (exact, or PREFIX*); nothing else is passed." },
    confineArguments: { type: "boolean", default: true, description: "Refuse arguments that name paths outside the workspace (absolute paths, ..), a best-effort check." },
    defaultTimeoutSeconds: { type: "integer", minimum: 1, maximum: MAX_TIMER_SECONDS, default: 60 },
    maxTimeoutSeconds: { type: "integer", minimum: 1, maximum: MAX_TIMER_SECONDS, default: 600 },
    maxOutputBytes: { type: "integer", minimum: 1024, default: 1_000_000, description: "stdout and stderr kept per command (each); the rest is counted, dropped and marked." },
    maxConcurrent: { type: "integer", minimum: 1, default: 4, description: "Processes (runs and background jobs) running at once." },
    maxSessions: { type: "integer", minimum: 1, default: 32 },
    sessionTtlSeconds: { type: "integer", minimum: 1, maximum: MAX_TIMER_SECONDS, default: 1800, description: "Idle sessions are removed after this long." },
    maxJobs: { type: "integer", minimum: 1, default: 16, description: "Background jobs kept (running or finished) at once." },
    jobTtlSeconds: { type: "integer", minimum: 1, maximum: MAX_TIMER_SECONDS, default: 900, description: "A job nobody asked about for this long is killed and removed." },
    jobMaxRuntimeSeconds: { type: "integer", minimum: 1, maximum: MAX_TIMER_SECONDS, default: 3600, description: "A background job is killed after running this long." },
    reapIntervalSeconds: { type: "integer", minimum: 1, maximum: MAX_TIMER_SECONDS, default: 30, description: "How often idle sessions and forgotten jobs are reaped." },
  },
  additionalProperties: false,
});

/** Resolves the section into the policy. */
export function resolveCommandPolicy(own: CommandPluginConfig, configFile: string | null): CommandPolicy {
  const seconds = (value: number | undefined, fallback: number) => (value ?? fallback) * 1000;
  return {
    roots: new WorkspaceRoots(resolveWorkspaceBase(own.root, configFile)),
    allow: own.allow ?? [],
    deny: own.deny ?? DEFAULT_DENY,
    shell: own.shell ?? false,
    shellPath: own.shellPath ?? "/bin/sh",
    envPassthrough: own.envPassthrough ?? DEFAULT_ENV_PASSTHROUGH,
    confineArguments: own.confineArguments ?? true,
    defaultTimeoutMs: seconds(own.defaultTimeoutSeconds, 60),
    maxTimeoutMs: seconds(own.maxTimeoutSeconds, 600),
    maxOutputBytes: own.maxOutputBytes ?? 1_000_000,
    maxConcurrent: own.maxConcurrent ?? 4,
    maxSessions: own.maxSessions ?? 32,
    sessionTtlMs: seconds(own.sessionTtlSeconds, 1800),
    maxJobs: own.maxJobs ?? 16,
    jobTtlMs: seconds(own.jobTtlSeconds, 900),
    jobMaxRuntimeMs: seconds(own.jobMaxRuntimeSeconds, 3600),
    reapIntervalMs: seconds(own.reapIntervalSeconds, 30),
  };
}
