/** Test helpers for tool domains built on core/workspace (imported by tests only, like core/testing). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ToolCallContext, ToolDomainContribution } from "../plugin-api/contributions.js";
import { isArkError } from "../errors/index.js";

/** A ToolCallContext for calling a handler directly. */
export function toolContext(domain: string, operation: string, scope: Record<string, unknown> = { workspace: "test" }, signal?: AbortSignal): ToolCallContext {
  return { domain, operation, idempotencyKey: `test:${operation}`, attempt: 1, scope, signal: signal ?? new AbortController().signal };
}

/** Calls `domain.operations[operation].handler` directly. */
export function callOperation(domain: ToolDomainContribution, operation: string, input: unknown, scope?: Record<string, unknown>, signal?: AbortSignal): Promise<any> {
  const op = domain.operations[operation];
  if (!op) throw new Error(`no operation ${domain.id}.${operation}`);
  return op.handler(input, toolContext(domain.id, operation, scope, signal));
}

/** The code of the ArkError a promise rejects with ("resolved" when it did not reject, "not-ark" for other errors). */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (err) {
    return isArkError(err) ? err.code : `not-ark: ${String(err)}`;
  }
}

/** A fresh temp folder and its cleanup. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
