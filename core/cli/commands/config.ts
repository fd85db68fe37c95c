import { stringify } from "yaml";
import { buildConfigSchema, kernelSectionSchema, redactConfig } from "../../config/index.js";
import { isArkError } from "../../errors/index.js";
import { formatBootIssue, type BootIssue } from "../../kernel/boot-issue.js";
import { builtinModules } from "../../kernel/builtin-modules.js";
import { planKernel } from "../../kernel/create-kernel.js";
import { kernelOptionsFrom, type GlobalOptions } from "../cli-options.js";
import { out, outJson } from "../output.js";
import { SERVED_MODULES } from "./start.js";

/**
 * `ark config validate`: every problem at once; exit code 0 when valid, 1 when not. It plans the boot `ark start`
 * makes (the modules it serves demanded), so a section of a module that boots there — `execution`, whose dispatchers
 * must be registered — is checked as start checks it.
 */
export async function configValidateCommand(global: GlobalOptions, opts: { json?: boolean }): Promise<number> {
  try {
    const plan = await planKernel({ ...kernelOptionsFrom(global, "warn"), demand: SERVED_MODULES });
    if (opts.json) outJson({ ok: true, file: plan.source.displayPath, issues: [] });
    else out(`${plan.source.displayPath}: valid (${plan.plugins.filter((p) => !p.builtin).length} plugins, ${plan.disabled.length} disabled)`);
    return 0;
  } catch (err) {
    const issues = issuesOf(err);
    if (!issues) throw err;
    if (opts.json) outJson({ ok: false, issues });
    else {
      for (const issue of issues) out(`${formatBootIssue(issue)}  [${issue.code}]`);
      out(`\n${issues.length} problem${issues.length === 1 ? "" : "s"} found.`);
    }
    return 1;
  }
}

/** `ark config schema`: the stitched JSON Schema of the whole file (core sections and listed plugins). */
export async function configSchemaCommand(global: GlobalOptions): Promise<void> {
  try {
    outJson((await planKernel(kernelOptionsFrom(global, "warn"))).schema);
  } catch (err) {
    if (!issuesOf(err)) throw err;
    // The config does not load; the core sections alone are still useful for an editor.
    process.stderr.write("warning: the config has problems (see `ark config validate`); printing the core schema only\n");
    const sections = Object.fromEntries([["kernel", kernelSectionSchema], ...builtinModules().map((m) => [m.id, m.configSchema ?? {}])]);
    outJson(buildConfigSchema(sections, []));
  }
}

/** `ark config print`: the resolved config with defaults applied and secrets redacted. */
export async function configPrintCommand(global: GlobalOptions, opts: { json?: boolean }): Promise<void> {
  const plan = await planKernel(kernelOptionsFrom(global, "warn"));
  const redacted = redactConfig(plan.config, plan.schema);
  if (opts.json) outJson(redacted);
  else process.stdout.write(`# ${plan.source.displayPath} (resolved, secrets redacted)\n${stringify(redacted)}`);
}

/** The problems an error lists, each with a code, a path ("" for the whole file) and a message. */
function issuesOf(err: unknown): BootIssue[] | null {
  if (!isArkError(err)) return null;
  const issues = err.details.issues;
  if (Array.isArray(issues)) {
    return (issues as Partial<BootIssue>[]).map((issue) => ({ code: issue.code ?? err.code, ...issue, path: issue.path ?? "", message: issue.message ?? err.message }));
  }
  if (err.code.startsWith("ARK_CONFIG") || err.code.startsWith("ARK_PLUGIN") || err.code.startsWith("ARK_SERVICE")) {
    return [{ code: err.code, path: "", message: err.message }];
  }
  return null;
}
