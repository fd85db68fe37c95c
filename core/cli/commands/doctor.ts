import { errorMessage, isArkError } from "../../errors/index.js";
import { createKernel } from "../../kernel/create-kernel.js";
import type { StartupReport } from "../../kernel/startup-report.js";
import { readDbStatus } from "../../store/db-commands.js";
import { kernelOptionsFrom, type GlobalOptions } from "../cli-options.js";
import { out, outJson, table } from "../output.js";
import { dbOptionsFrom } from "./db.js";

/** One preflight check's verdict. */
export interface CheckResult {
  readonly name: string;
  readonly status: "ok" | "warn" | "fail";
  readonly detail: string;
}

/** A preflight check; later capabilities (Redis, Kubernetes, images) add theirs to `doctorChecks`. */
export type DoctorCheck = (global: GlobalOptions) => Promise<CheckResult>;

const databaseCheck: DoctorCheck = async (global) => {
  const status = await readDbStatus(await dbOptionsFrom(global));
  const where = `${status.target.driver} ${status.target.location}`;
  if (!status.health.ok) return { name: "database", status: "fail", detail: `${where}: ${status.health.detail ?? "not reachable"}` };
  return { name: "database", status: "ok", detail: `${where} reachable (${status.health.latencyMs.toFixed(1)} ms)` };
};

const migrationsCheck: DoctorCheck = async (global) => {
  const status = await readDbStatus(await dbOptionsFrom(global));
  if (status.changed > 0) {
    const changed = status.migrations.filter((m) => m.state === "changed").map((m) => m.id);
    return { name: "schema migrations", status: "fail", detail: `applied migrations were edited: ${changed.join(", ")}; restore them` };
  }
  if (status.pending > 0) return { name: "schema migrations", status: "warn", detail: `${status.pending} pending (applied at boot, or run \`ark db migrate\`)` };
  return { name: "schema migrations", status: "ok", detail: `${status.migrations.length} applied, none pending` };
};

/** The checks `ark doctor` runs before booting, in order. */
export const doctorChecks: Readonly<Record<string, DoctorCheck>> = { database: databaseCheck, "schema migrations": migrationsCheck };

async function runCheck(name: string, check: DoctorCheck, global: GlobalOptions): Promise<CheckResult> {
  try {
    return await check(global);
  } catch (err) {
    return { name, status: "fail", detail: isArkError(err) ? `[${err.code}] ${err.message} — ${err.hint}` : errorMessage(err) };
  }
}

async function bootCheck(global: GlobalOptions): Promise<{ check: CheckResult; report: StartupReport | null }> {
  const kernel = await createKernel({ ...kernelOptionsFrom(global, "warn"), demand: ["store", "events"] });
  try {
    // A snapshot: the live report turns every status to "stopped" once the kernel stops below.
    const report = structuredClone(await kernel.start());
    const failed = report.plugins.filter((p) => p.status === "failed").map((p) => p.id);
    const check: CheckResult = failed.length
      ? { name: "boot", status: "warn", detail: `booted without: ${failed.join(", ")} (onBootFailure: continue)` }
      : { name: "boot", status: "ok", detail: `${report.plugins.length} plugins started in ${report.bootMs} ms` };
    return { check, report };
  } catch (err) {
    return { check: { name: "boot", status: "fail", detail: isArkError(err) ? `[${err.code}] ${err.message}` : errorMessage(err) }, report: structuredClone(kernel.report) };
  } finally {
    await kernel.stop();
  }
}

/** `ark doctor`: preflight checks, then a real boot and its startup report. Exit 1 when any check fails. */
export async function doctorCommand(global: GlobalOptions, opts: { json?: boolean }): Promise<number> {
  const checks: CheckResult[] = [];
  for (const [name, check] of Object.entries(doctorChecks)) checks.push(await runCheck(name, check, global));
  const { check, report } = checks.some((c) => c.status === "fail")
    ? { check: { name: "boot", status: "fail", detail: "skipped: fix the failed checks first" } as CheckResult, report: null }
    : await bootCheck(global).catch((err: unknown) => ({ check: { name: "boot", status: "fail", detail: errorMessage(err) } as CheckResult, report: null }));
  checks.push(check);
  const ok = checks.every((c) => c.status !== "fail");
  if (opts.json) {
    outJson({ ok, checks, startupReport: report });
    return ok ? 0 : 1;
  }
  out(table([["CHECK", "STATUS", "DETAIL"], ...checks.map((c) => [c.name, c.status.toUpperCase(), c.detail])]));
  if (report) {
    out("\nStartup report:");
    out(table([["PLUGIN", "VERSION", "STATUS", "LOAD ms", "INIT ms", "START ms", "ERROR"],
      ...report.plugins.map((p) => [p.id, p.version ?? "-", p.status, String(p.loadMs), String(p.initMs), String(p.startMs), p.error ? `[${p.error.code}] ${p.error.message}` : ""])]));
  }
  return ok ? 0 : 1;
}
