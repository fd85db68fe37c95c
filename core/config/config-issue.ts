import { ArkError } from "../errors/index.js";

/** One problem, positioned. */
export interface ConfigIssue {
  readonly file: string;
  readonly line: number | null;
  readonly col: number | null;
  /** e.g. "plugins[3].config.namespace" or "store.driver"; "" for the root. */
  readonly path: string;
  readonly message: string;
}

/** A path into the config: keys and array indices, e.g. ["plugins", 3, "config", "namespace"]. */
export type ConfigPath = readonly (string | number)[];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Renders a path the way operators read it: `plugins[3].config.namespace`; odd keys as `["a.b"]`. */
export function formatConfigPath(path: ConfigPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** "runtime.config.yaml:41:7 plugins[3].config.namespace: must be string" (no :line:col when unknown, no path at the root). */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line === null ? issue.file : `${issue.file}:${issue.line}:${issue.col ?? 1}`;
  return issue.path === "" ? `${where} ${issue.message}` : `${where} ${issue.path}: ${issue.message}`;
}

/** Orders issues by line, then column (unpositioned ones last); ties keep their discovery order. */
export function sortConfigIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const rank = (n: number | null): number => (n === null ? Number.POSITIVE_INFINITY : n);
  return [...issues].sort((a, b) => rank(a.line) - rank(b.line) || rank(a.col) - rank(b.col));
}

/** The ArkError (ARK_CONFIG_INVALID) a caller throws when validateConfig returned issues; lists every one. */
export function configInvalidError(issues: readonly ConfigIssue[]): ArkError {
  const file = issues[0]?.file ?? "config";
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  const lines = issues.map((issue) => `  ${formatConfigIssue(issue)}`).join("\n");
  return new ArkError("ARK_CONFIG_INVALID", `${file} has ${count}:\n${lines}`, { details: { issues: [...issues] } });
}
