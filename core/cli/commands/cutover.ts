/**
 * `ark cutover status|enable|disable` (reference runbook: Cutover step 4, Rollback step 1). `enable` runs the
 * preflight and refuses on a failed check unless `--force` (recorded in the settings version's note). `disable` is
 * the rollback: it never runs the preflight, and when the configured plugins cannot boot (Redis down, a cluster
 * gone) it boots the built-in modules only, so the gate can always be closed while the database is reachable.
 */
import os from "node:os";
import { errorMessage } from "../../errors/index.js";
import type { CutoverToggle } from "../../migration/index.js";
import type { GlobalOptions } from "../cli-options.js";
import { out, outJson, table } from "../output.js";
import { withMigrationKernel } from "./migration-kernel.js";

const defaultActor = () => `ark cutover (${os.userInfo().username})`;

function printToggle(result: CutoverToggle, degraded: string | null): void {
  const state = result.enabled ? "enabled" : "disabled";
  if (result.preflight.length > 0) {
    out(table([["CHECK", "STATUS", "DETAIL"], ...result.preflight.map((c) => [c.name, c.status.toUpperCase(), c.detail])]));
  }
  out(result.changed ? `Cutover ${state} (settings version ${result.version}${result.forced ? ", FORCED past failed preflight checks" : ""}).` : `Cutover already ${state}; nothing changed.`);
  if (result.eventError) out(`warning: the runtime:cutover:${state} event was not recorded: ${result.eventError}`);
  if (degraded) out(`warning: plugins could not boot (${degraded}); the gate was changed with the built-in modules only.`);
}

/** `ark cutover status`. */
export async function cutoverStatusCommand(global: GlobalOptions, opts: { json?: boolean }): Promise<void> {
  const status = await withMigrationKernel(global, (service) => service.cutover.status());
  if (opts.json) return outJson({ ok: true, enabled: status.enabled, last_change: status.lastChange });
  out(`agent_runtime_cutover_enabled=${status.enabled}`);
  if (status.lastChange) {
    const c = status.lastChange;
    out(`last changed in settings version ${c.version} by ${c.actor} at ${c.changedAt}${c.note ? ` — ${c.note}` : ""}`);
  }
}

/** `ark cutover enable [--force]`: exit 1 (ARK_CUTOVER_PREFLIGHT_FAILED) when the preflight fails. */
export async function cutoverEnableCommand(global: GlobalOptions, opts: { force?: boolean; actor?: string; json?: boolean }): Promise<void> {
  const result = await withMigrationKernel(global, (service) => service.cutover.enable({ actor: opts.actor ?? defaultActor(), force: opts.force === true }), { preflight: true });
  if (opts.json) return outJson({ ok: true, ...result });
  printToggle(result, null);
}

/** `ark cutover disable`: always closes the gate while the database is reachable. */
export async function cutoverDisableCommand(global: GlobalOptions, opts: { actor?: string; reason?: string; json?: boolean }): Promise<void> {
  const disable = (withoutPlugins: boolean) =>
    withMigrationKernel(global, (service) => service.cutover.disable({ actor: opts.actor ?? defaultActor(), ...(opts.reason ? { reason: opts.reason } : {}) }), { withoutPlugins });
  let degraded: string | null = null;
  let result: CutoverToggle;
  try {
    result = await disable(false);
  } catch (err) {
    degraded = errorMessage(err).split("\n")[0]!;
    result = await disable(true);
  }
  if (opts.json) return outJson({ ok: true, ...result, degraded });
  printToggle(result, degraded);
}
