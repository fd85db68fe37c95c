import { errorMessage, isArkError } from "../../errors/index.js";
import { createKernel } from "../../kernel/create-kernel.js";
import type { StartupReport } from "../../kernel/startup-report.js";
import { flowMigrationRef } from "../../migration/index.js";
import { readDbStatus } from "../../store/db-commands.js";
import type { GlobalOptions } from "../cli-options.js";
import { out, outJson, table } from "../output.js";
import { dbOptionsFrom } from "./db.js";
import { migrationKernelOptions } from "./migration-kernel.js";

/** One preflight check's verdict; `hint` says what to do when it is not ok. */
export interface CheckResult {
  readonly name: string;
  readonly status: "ok" | "warn" | "fail";
  readonly detail: string;
  readonly hint?: string;
}

/** A preflight check; later capabilities (Redis, Kubernetes, images) add theirs to `doctorChecks`. */
export type DoctorCheck = (global: GlobalOptions) => Promise<CheckResult>;

const databaseCheck: DoctorCheck = async (global) => {
  const status = await readDbStatus(await dbOptionsFrom(global));
  const where = `${status.target.driver} ${status.target.location}`;
  if (!status.health.ok) return { name: "database", status: "fail", detail: `${where}: ${status.health.detail ?? "not reachable"}`, hint: "Start PostgreSQL or fix store.url / ARK_DATABASE_URL (PGlite: check store.dataDir is writable)." };
  return { name: "database", status: "ok", detail: `${where} reachable (${status.health.latencyMs.toFixed(1)} ms)` };
};

const migrationsCheck: DoctorCheck = async (global) => {
  const status = await readDbStatus(await dbOptionsFrom(global));
  if (status.changed > 0) {
    const changed = status.migrations.filter((m) => m.state === "changed").map((m) => m.id);
    return { name: "schema migrations", status: "fail", detail: `applied migrations were edited: ${changed.join(", ")}; restore them`, hint: "Restore the edited migration files; put schema changes in a new, higher-numbered migration." };
  }
  if (status.pending > 0) return { name: "schema migrations", status: "warn", detail: `${status.pending} pending (applied at boot, or run \`ark db migrate\`)`, hint: "Run `ark db migrate`." };
  return { name: "schema migrations", status: "ok", detail: `${status.migrations.length} applied, none pending` };
};

/** The checks `ark doctor` runs before booting, in order. */
export const doctorChecks: Readonly<Record<string, DoctorCheck>> = { database: databaseCheck, "schema migrations": migrationsCheck };

async function runCheck(name: string, check: DoctorCheck, global: GlobalOptions): Promise<CheckResult> {
  try {
    return await check(global);
  } catch (err) {
    return { name, status: "fail", detail: isArkError(err) ? `[${err.code}] ${err.message} — ${err.hint}` : errorMessage(err), ...(isArkError(err) ? { hint: err.hint } : {}) };
  }
}

/**
 * Boots the kernel (with the migration and tooling API modules) and, when it started, runs the post-boot preflight:
 * Redis, pending flow migrations and their gate, executor images, the cutover state and every contributed
 * preflightCheck — the tool host among them. Like every guest command, the API listens on a free port of api.host
 * (never the configured one, which a running `ark start` may hold), and the tool host check calls that API over HTTP.
 */
async function bootCheck(global: GlobalOptions): Promise<{ check: CheckResult; report: StartupReport | null; preflight: CheckResult[] }> {
  const kernel = await createKernel(await migrationKernelOptions(global, { preflight: true }));
  try {
    // A snapshot: the live report turns every status to "stopped" once the kernel stops below.
    const report = structuredClone(await kernel.start());
    const failed = report.plugins.filter((p) => p.status === "failed").map((p) => p.id);
    const check: CheckResult = failed.length
      ? { name: "boot", status: "warn", detail: `booted without: ${failed.join(", ")} (onBootFailure: continue)`, hint: "See the startup report below for each failed plugin's error." }
      : { name: "boot", status: "ok", detail: `${report.plugins.length} plugins started in ${report.bootMs} ms` };
    return { check, report, preflight: await kernel.get(flowMigrationRef).preflight() };
  } catch (err) {
    const hint = isArkError(err) ? err.hint : "See the error; `ark config validate` checks the config and plugin set.";
    return { check: { name: "boot", status: "fail", detail: isArkError(err) ? `[${err.code}] ${err.message}` : errorMessage(err), hint }, report: structuredClone(kernel.report), preflight: [] };
  } finally {
    await kernel.stop();
  }
}

/** `ark doctor`: database checks, a real boot and its startup report, then the post-boot preflight. Exit 1 when any check fails. */
export async function doctorCommand(global: GlobalOptions, opts: { json?: boolean }): Promise<number> {
  const checks: CheckResult[] = [];
  for (const [name, check] of Object.entries(doctorChecks)) checks.push(await runCheck(name, check, global));
  const { check, report, preflight } = checks.some((c) => c.status === "fail")
    ? { check: { name: "boot", status: "fail", detail: "skipped: fix the failed checks first" } as CheckResult, report: null, preflight: [] }
    : await bootCheck(global).catch((err: unknown) => ({ check: { name: "boot", status: "fail", detail: errorMessage(err) } as CheckResult, report: null, preflight: [] }));
  checks.push(check, ...preflight);
  const ok = checks.every((c) => c.status !== "fail");
  if (opts.json) {
    outJson({ ok, checks, startupReport: report });
    return ok ? 0 : 1;
  }
  out(table([["CHECK", "STATUS", "DETAIL"], ...checks.map((c) => [c.name, c.status.toUpperCase(), c.detail])]));
  const hints = checks.filter((c) => c.status !== "ok" && c.hint);
  if (hints.length > 0) out(`\nWhat to do:\n${hints.map((c) => `  ${c.name}: ${c.hint}`).join("\n")}`);
  if (report) {
    out("\nStartup report:");
    out(table([["PLUGIN", "VERSION", "STATUS", "LOAD ms", "INIT ms", "START ms", "ERROR"],
      ...report.plugins.map((p) => [p.id, p.version ?? "-", p.status, String(p.loadMs), String(p.initMs), String(p.startMs), p.error ? `[${p.error.code}] ${p.error.message}` : ""])]));
  }
  return ok ? 0 : 1;
}
