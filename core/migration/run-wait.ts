/** Waiting for a flowchart's active runs to finish before migrating or rolling it back (`--wait-for-runs`). */
import { ArkError } from "../errors/index.js";
import type { Store } from "../store/store-port.js";
import { activeRunIds } from "./migration-store.js";

/** How long and how often to look. */
export interface RunWaitOptions {
  /** Give up after this long (default 10 minutes). */
  readonly waitTimeoutMs: number;
  /** Poll interval (default 500 ms). */
  readonly pollMs: number;
}

/** Resolves when the flowchart has no active run; reports the active ones on each poll; ARK_FLOW_MIGRATION_WAIT_TIMEOUT. */
export async function waitForIdle(store: Store, flowchartId: string, options: Partial<RunWaitOptions>, progress: (activeRunIds: string[]) => void): Promise<void> {
  const timeoutMs = options.waitTimeoutMs ?? 600_000;
  const pollMs = options.pollMs ?? 500;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const active = await activeRunIds(store, flowchartId);
    if (active.length === 0) return;
    if (Date.now() >= deadline) {
      throw new ArkError("ARK_FLOW_MIGRATION_WAIT_TIMEOUT", `Flowchart ${flowchartId} still has active runs (${active.join(", ")}) after ${Math.round(timeoutMs / 1000)} s.`, {
        details: { flowchartId, activeRunIds: active },
      });
    }
    progress(active);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
