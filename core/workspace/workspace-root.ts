/**
 * Where a tool call's workspace is: `<base root>/<workspace>/<run>`, both taken from the call's scope —
 * `<workspace>` is `scope.workspace` (the deployment's workspace identity, or a name a caller gives) or `default`;
 * `<run>` is `run-<flowchart_run_id>` inside a flowchart run, `shared` otherwise. Workspace, git and command domains
 * resolve it the same way, so one run's files, commits and commands share one folder and runs never see each other's.
 */
import path from "node:path";
import { resolveConfigPath } from "../config/config-path.js";
import { ArkError } from "../errors/index.js";
import { WorkspacePathGuard } from "./path-guard.js";

/** The default base root, relative to the folder of the config file (or the working directory). */
export const DEFAULT_WORKSPACE_BASE = ".ark/workspaces";

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function keyPart(value: unknown, field: string): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value !== "string" || !KEY.test(value) || value.includes("..")) {
    throw new ArkError("ARK_WORKSPACE_PATH_INVALID", `${field} must match ${KEY.source} (got ${JSON.stringify(value)}).`, { details: { field } });
  }
  return value;
}

/** The workspace key (`<workspace>/<run>`) of a call scope; throws ARK_WORKSPACE_PATH_INVALID for a bad name or id. */
export function workspaceKeyOf(scope: Readonly<Record<string, unknown>> | undefined): string {
  const workspace = keyPart(scope?.workspace, "scope.workspace") ?? "default";
  const run = keyPart(scope?.flowchart_run_id, "scope.flowchart_run_id");
  return `${workspace}/${run === null ? "shared" : `run-${run}`}`;
}

/** Resolves the configured base root: absolute as given, relative to the config file's folder, else to the cwd. */
export function resolveWorkspaceBase(configured: string | undefined, configFile: string | null): string {
  return resolveConfigPath(configured && configured.trim() !== "" ? configured : DEFAULT_WORKSPACE_BASE, configFile);
}

/** Opens (and caches) the guarded workspace of each key under one base root. */
export class WorkspaceRoots {
  private readonly guards = new Map<string, Promise<WorkspacePathGuard>>();

  constructor(readonly base: string) {}

  /** The guard of the workspace a call with this scope works in (created on first use). */
  forScope(scope: Readonly<Record<string, unknown>> | undefined): Promise<WorkspacePathGuard> {
    const key = workspaceKeyOf(scope);
    let guard = this.guards.get(key);
    if (!guard) {
      guard = WorkspacePathGuard.open(path.join(this.base, key));
      guard.catch(() => this.guards.delete(key));
      this.guards.set(key, guard);
    }
    return guard;
  }
}
