import type { ArkErrorCode } from "../errors/index.js";
import { ArkError } from "../errors/index.js";

/** One problem found while preparing a boot, positioned in the config file when it comes from it. */
export interface BootIssue {
  readonly code: ArkErrorCode;
  readonly message: string;
  readonly file?: string;
  readonly line?: number | null;
  readonly col?: number | null;
  /** Config path, e.g. `plugins[2].from`. */
  readonly path?: string;
  /** The environment variable the value came from, when it overrides the file (the path then says so too). */
  readonly env?: string;
  /** For a value naming an unknown contribution: the ids that are registered. */
  readonly known?: readonly string[];
}

/** `runtime.config.yaml:12:5 plugins[2].from: message` (position parts omitted when unknown). */
export function formatBootIssue(issue: BootIssue): string {
  const where = issue.file ? [issue.file, issue.line, issue.col].filter((p) => p !== undefined && p !== null).join(":") : "";
  const prefix = [where, issue.path ? `${issue.path}:` : ""].filter(Boolean).join(" ");
  return prefix ? `${prefix} ${issue.message}` : issue.message;
}

/** Throws one ArkError carrying every issue (code of the first; all listed in details.issues and the message). */
export function throwIfIssues(issues: readonly BootIssue[], summary: string): void {
  if (issues.length === 0) return;
  const lines = issues.map((issue) => `  - [${issue.code}] ${formatBootIssue(issue)}`);
  throw new ArkError(issues[0]!.code, `${summary} (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${lines.join("\n")}`, {
    details: { issues },
  });
}
