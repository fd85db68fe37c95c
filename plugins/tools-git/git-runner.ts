/**
 * Runs git (and gh) for one call: argv only, inside the call's workspace, a scrubbed environment, no system or global
 * config, no repository discovery above the workspace root, no hooks, no prompts (no terminal, no askpass, ssh in
 * batch mode, stdin closed), protocols limited to the allowed schemes, a timeout and output caps.
 */
import path from "node:path";
import { ArkError, isArkError, runProcess, scrubbedEnv, type ProcessOutcome } from "../../core/plugin-api/index.js";
import type { GitSettings } from "./config.js";

/** One git invocation. */
export interface GitRun {
  readonly args: readonly string[];
  /** Folder git runs in (inside the workspace). */
  readonly cwd: string;
  readonly timeoutMs?: number;
  readonly stdin?: string;
  /** Return a failed outcome instead of throwing ARK_GIT_FAILED. */
  readonly allowFailure?: boolean;
  readonly signal?: AbortSignal;
  readonly env?: Readonly<Record<string, string>>;
}

function safetyConfig(settings: GitSettings): string[] {
  const config = [
    "core.hooksPath=/dev/null", "core.fsmonitor=false", "core.pager=cat", "core.editor=true", "sequence.editor=true",
    "core.sshCommand=ssh -o BatchMode=yes", "credential.interactive=false", "commit.gpgSign=false", "tag.gpgSign=false",
    "protocol.allow=never", ...settings.allowedUrlSchemes.map((s) => `protocol.${s}.allow=always`),
  ];
  return config.flatMap((entry) => ["-c", entry]);
}

/** The environment git runs with in workspace `root`. */
export function gitEnv(settings: GitSettings, root: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return scrubbedEnv(process.env, settings.envPassthrough, {
    HOME: root, GIT_CEILING_DIRECTORIES: path.dirname(root), GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "true", SSH_ASKPASS: "true", GCM_INTERACTIVE: "never", GIT_EDITOR: "true", GIT_SEQUENCE_EDITOR: "true",
    GIT_AUTHOR_NAME: settings.author.name, GIT_AUTHOR_EMAIL: settings.author.email,
    GIT_COMMITTER_NAME: settings.author.name, GIT_COMMITTER_EMAIL: settings.author.email, LC_ALL: "C",
    ...extra,
  });
}

function firstLine(text: string): string {
  return text.trim().split("\n").find((line) => line.trim() !== "") ?? "";
}

/** Runs git for one call's workspace. */
export class GitRunner {
  constructor(readonly settings: GitSettings, readonly root: string) {}

  /** Runs `git <safety config> <args>`; ARK_GIT_FAILED on a non-zero exit (unless allowFailure), ARK_GIT_TIMEOUT, ARK_GIT_UNAVAILABLE. */
  async git(run: GitRun): Promise<ProcessOutcome> {
    const outcome = await this.spawn(this.settings.gitPath, [...safetyConfig(this.settings), ...run.args], run, "ARK_GIT_UNAVAILABLE");
    if (outcome.timedOut) {
      throw new ArkError("ARK_GIT_TIMEOUT", `git ${run.args[0]} did not finish within ${Math.round((run.timeoutMs ?? this.settings.timeoutMs) / 1000)} s.`, { details: { command: run.args[0], stderr: outcome.stderr } });
    }
    if (outcome.exitCode !== 0 && !run.allowFailure) {
      throw new ArkError("ARK_GIT_FAILED", `git ${run.args[0]} failed (exit ${outcome.exitCode}): ${firstLine(outcome.stderr) || firstLine(outcome.stdout)}`, {
        details: { command: run.args[0], exit_code: outcome.exitCode, stderr: outcome.stderr, stdout: outcome.stdout },
      });
    }
    return outcome;
  }

  /** Runs git and returns its trimmed stdout. */
  async text(args: readonly string[], cwd: string): Promise<string> {
    return (await this.git({ args, cwd })).stdout.trim();
  }

  /** Runs another executable (gh) with the same environment; null when it is not installed. */
  async tool(file: string, args: readonly string[], run: Omit<GitRun, "args">): Promise<ProcessOutcome | null> {
    try {
      return await this.spawn(file, args, run, "ARK_PROCESS_SPAWN_FAILED");
    } catch (err) {
      if (isArkError(err, "ARK_PROCESS_SPAWN_FAILED")) return null;
      throw err;
    }
  }

  private async spawn(file: string, args: readonly string[], run: Omit<GitRun, "args">, missing: "ARK_GIT_UNAVAILABLE" | "ARK_PROCESS_SPAWN_FAILED"): Promise<ProcessOutcome> {
    try {
      return await runProcess({
        file, args, cwd: run.cwd, env: gitEnv(this.settings, this.root, run.env), timeoutMs: run.timeoutMs ?? this.settings.timeoutMs,
        maxOutputBytes: this.settings.maxOutputBytes, ...(run.stdin !== undefined ? { stdin: run.stdin } : {}), ...(run.signal ? { signal: run.signal } : {}),
      });
    } catch (err) {
      if (isArkError(err, "ARK_PROCESS_SPAWN_FAILED") && missing === "ARK_GIT_UNAVAILABLE") {
        throw new ArkError("ARK_GIT_UNAVAILABLE", `git was not found (${file}).`, { details: { gitPath: file }, cause: err });
      }
      throw err;
    }
  }
}
