/**
 * Duplicate dispatch of the same node run attempt (same idempotency key and attempt — e.g. a lease recovered after a
 * kernel crash) must not run the node twice: a finished dispatch leaves `result.json` in its workspace, and a repeat
 * returns that recorded result instead of starting another executor. Only confirmed, terminal node outcomes
 * (success / failed) are recorded; cancelled, timed-out and uncertain dispatches are not.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ExecutionRequest, ExecutionResult } from "../plugin-api/contributions.js";

const RECORD_FILE = "result.json";

/** Identifies one node run attempt. */
export function dispatchKeyOf(request: ExecutionRequest): string {
  return `${String(request.idempotency_key ?? request.execution_id)}#${String(request.attempt ?? 1)}`;
}

/** The recorded result of this attempt in the workspace, or null. */
export async function readRecordedResult(workspace: string, key: string): Promise<ExecutionResult | null> {
  try {
    const record = JSON.parse(await readFile(path.join(workspace, RECORD_FILE), "utf8")) as { key?: unknown; result?: ExecutionResult };
    return record.key === key && record.result ? record.result : null;
  } catch {
    return null;
  }
}

/** Records a result when it is a confirmed, terminal node outcome. */
export async function recordResult(workspace: string, key: string, result: ExecutionResult): Promise<void> {
  const metadata = (result.run_metadata ?? {}) as Record<string, unknown>;
  if (metadata.dispatch_status !== "dispatch_confirmed" || (result.status !== "success" && result.status !== "failed")) return;
  await writeFile(path.join(workspace, RECORD_FILE), JSON.stringify({ key, result }), { mode: 0o600 });
}
