import type { ConfigPath } from "./config-issue.js";
import { formatConfigPath } from "./config-issue.js";
import type { ConfigSource } from "./config-source.js";

/**
 * A mistake a section's own check finds in a schema-valid section: what JSON Schema cannot say (a token too short
 * unless empty, one field below another) or a value that comes from the environment instead of the file.
 */
export interface ConfigCheckProblem {
  /** Path inside the section, e.g. `["token"]`. */
  readonly path: ConfigPath;
  readonly message: string;
  /** The environment variable the value came from when it overrides the file (e.g. ARK_DATABASE_URL). */
  readonly fromEnv?: string;
}

/** What a section's check may look at besides its own section. */
export interface ConfigCheckContext {
  /** The whole config, validated, defaults applied. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Absolute path of the config file; null for a config built from an object. */
  readonly configFile: string | null;
}

/**
 * A section's check: pure, synchronous, no I/O and no server. It runs wherever the config is checked — `ark config
 * validate` and every boot, before any plugin's init — so the two cannot disagree. The section passed its schema.
 */
export type ConfigCheck<C = Record<string, unknown>> = (section: Readonly<C>, context: ConfigCheckContext) => readonly ConfigCheckProblem[];

/** One check problem positioned in the file (`path` reads `store.url (from ARK_DATABASE_URL)` for an env value). */
export interface PositionedCheckProblem {
  readonly file: string;
  readonly line: number | null;
  readonly col: number | null;
  readonly path: string;
  readonly message: string;
  readonly env?: string;
}

/**
 * Positions a section check's problems: `prefix` is the section's place in the config (`["api"]`,
 * `["plugins", 2, "config"]`). A value taken from the environment has no place in the file, so no line and column.
 */
export function positionCheckProblems(source: ConfigSource, prefix: ConfigPath, problems: readonly ConfigCheckProblem[]): PositionedCheckProblem[] {
  return problems.map((problem) => {
    const full = [...prefix, ...problem.path];
    const position = problem.fromEnv ? null : source.positionOf(full);
    const path = formatConfigPath(full);
    return {
      file: source.displayPath,
      line: position?.line ?? null,
      col: position?.col ?? null,
      path: problem.fromEnv ? `${path} (from ${problem.fromEnv})` : path,
      message: problem.message,
      ...(problem.fromEnv ? { env: problem.fromEnv } : {}),
    };
  });
}

/**
 * True when the section at `prefix` (e.g. "plugins[2].config") or something around it already has an issue, so its
 * check must not run (a check may rely on the section's schema).
 */
export function hasIssueAround(issues: readonly { readonly path?: string }[], prefix: string): boolean {
  const within = (inner: string, outer: string): boolean => inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return issues.some((issue) => issue.path !== undefined && issue.path !== "" && (within(issue.path, prefix) || within(prefix, issue.path)));
}
