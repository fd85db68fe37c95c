import { planKernel } from "../../kernel/create-kernel.js";
import { KernelRegistries } from "../../kernel/kernel-registries.js";
import { applyRegistration } from "../../kernel/plugin-registrar.js";
import { kernelOptionsFrom, type GlobalOptions } from "../cli-options.js";
import { out, outJson, table } from "../output.js";

/** `ark plugins`: each plugin in boot order with its version, status and contributions (what the plan recorded from register; no init, no I/O). */
export async function pluginsCommand(global: GlobalOptions, opts: { json?: boolean }): Promise<void> {
  const plan = await planKernel(kernelOptionsFrom(global, "warn"));
  const registries = new KernelRegistries();
  const rows = plan.plugins.map((p) => {
    let status = p.builtin ? "built-in" : "enabled";
    try {
      applyRegistration(p.registration, registries, []);
    } catch (err) {
      status = `register failed: ${(err as Error).message}`;
    }
    return {
      id: p.definition.id,
      version: p.definition.version,
      builtin: p.builtin,
      status,
      requires: p.dependencies,
      onBootFailure: p.onBootFailure,
      contributions: registries.contributionsOf(p.definition.id),
    };
  });
  const disabled = plan.disabled.map((d) => ({ id: d.id, from: d.from, status: "disabled" }));
  if (opts.json) {
    outJson({ plugins: rows, disabled });
    return;
  }
  const lines = rows.map((r) => [
    r.id,
    r.version,
    r.status,
    r.requires.join(",") || "-",
    Object.entries(r.contributions).map(([kind, ids]) => `${kind}: ${ids.join(",")}`).join("; ") || "-",
  ]);
  for (const d of disabled) lines.push([d.id ?? d.from ?? "?", "-", "disabled", "-", "-"]);
  out(table([["PLUGIN", "VERSION", "STATUS", "REQUIRES", "CONTRIBUTES"], ...lines]));
}
