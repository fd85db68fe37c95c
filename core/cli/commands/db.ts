import { planKernel } from "../../kernel/create-kernel.js";
import { KernelRegistries } from "../../kernel/kernel-registries.js";
import { applyRegistration } from "../../kernel/plugin-registrar.js";
import { readDbStatus, runDbMigrate, type DbCommandOptions } from "../../store/db-commands.js";
import type { StoreConfig } from "../../store/store-config-schema.js";
import { kernelOptionsFrom, type GlobalOptions } from "../cli-options.js";
import { out, outJson, table } from "../output.js";

/** The store section and every listed plugin's schema migrations, without booting anything. */
export async function dbOptionsFrom(global: GlobalOptions): Promise<DbCommandOptions> {
  const plan = await planKernel({ ...kernelOptionsFrom(global, "warn"), demand: ["store"] });
  const registries = new KernelRegistries();
  for (const p of plan.plugins) if (!p.builtin) applyRegistration(p.registration, registries, []);
  return { storeConfig: (plan.config.store ?? {}) as StoreConfig, pluginMigrations: registries.schemaMigrations.entries(), configFile: plan.source.filePath };
}

/** `ark db migrate`: applies pending migrations, one progress line each. */
export async function dbMigrateCommand(global: GlobalOptions, opts: { json?: boolean }): Promise<void> {
  const options = await dbOptionsFrom(global);
  const report = await runDbMigrate({
    ...options,
    onProgress: (p) => {
      if (!opts.json && p.state === "applied") out(`  applied ${p.id} (${p.durationMs} ms)`);
    },
  });
  if (opts.json) outJson({ ok: true, ...report });
  else out(`${report.target.driver} ${report.target.location}: ${report.applied.length} applied, ${report.alreadyApplied.length} already up to date`);
}

/** `ark db status`: each migration's state; exit 1 when an applied migration was changed. */
export async function dbStatusCommand(global: GlobalOptions, opts: { json?: boolean }): Promise<number> {
  const status = await readDbStatus(await dbOptionsFrom(global));
  if (opts.json) outJson(status);
  else {
    out(`${status.target.driver} ${status.target.location}: ${status.health.ok ? "reachable" : "NOT reachable"}, ${status.pending} pending, ${status.changed} changed`);
    out(table([["MIGRATION", "STATE", "APPLIED AT"], ...status.migrations.map((m) => [m.id, m.state, m.appliedAt ? new Date(m.appliedAt).toISOString() : "-"])]));
    if (status.changed > 0) out("\nAn applied migration file was edited: restore it and put the change in a new migration.");
  }
  return status.changed > 0 ? 1 : 0;
}
