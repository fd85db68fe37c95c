/**
 * Which runs a tool call may read or act on. A call made from a node run (its scope carries `flowchart_run_id`, and a
 * sandbox's token pins it) is confined to that run unless the domain's config allows cross-run access; a call without
 * a run scope came through the authenticated HTTP API and acts with the API token's rights.
 */
import { toolError } from "./tool-error.js";

/** Throws `<domain>.run_not_accessible` (not retryable) when the caller's scope does not reach `runId`. */
export function checkRunAccess(scope: Readonly<Record<string, unknown>>, runId: string, options: { domain: string; crossRun: boolean }): void {
  const own = scope.flowchart_run_id;
  if (own === undefined || own === null || own === "" || options.crossRun) return;
  if (String(own) === String(runId)) return;
  throw toolError(`${options.domain}.run_not_accessible`, `A node of run ${String(own)} may only reach its own run, not run ${runId} (set crossRunAccess: true in the plugin's config to allow it).`, {
    run_id: runId, caller_run_id: String(own),
  }, { retryable: false });
}

/** The run a call is about: the input's `run_id`, else the caller's own run; `<domain>.run_id_required` when neither. */
export function targetRunId(input: { run_id?: unknown }, scope: Readonly<Record<string, unknown>>, domain: string): string {
  const value = input.run_id ?? scope.flowchart_run_id;
  if (value === undefined || value === null || value === "") {
    throw toolError(`${domain}.run_id_required`, "Say which run: input.run_id (calls from a node default to the node's own run).", {}, { retryable: false });
  }
  return String(value);
}
