/**
 * The runbook as an operator runs it, with real processes over one on-disk PGlite project: `ark flows import
 * --legacy`, `ark migrate` (dry-run exit 2 when blocked, evidence that validates against the published schema and is
 * byte-identical on a second dry-run, `--non-strict-policy`, `--apply`, idempotent re-apply, `rollback`),
 * `ark cutover` (refused on a failed preflight, `--force` recorded, `disable` working even when a plugin cannot boot)
 * and `ark doctor --json` (with the tool host check over real HTTP). Redis is configured on a closed port so the preflight
 * fails for real.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { arkBin, pluginApiUrl, tempProject, type CliResult } from "../support/cli.js";

const repo = path.resolve(import.meta.dirname, "../..");
const example = path.join(repo, "examples/legacy/support-flows.json");
let cwd: string;

/** Fails its start when FAIL_BOOT is set: stands for a plugin whose service is down. */
const fragilePlugin = `import { definePlugin } from ${JSON.stringify(pluginApiUrl)};
export default definePlugin({ id: "fragile", version: "1.0.0", kernel: "^1.0.0",
  start() { if (process.env.FAIL_BOOT) throw new Error("upstream is down"); } });
`;

beforeAll(() => {
  cwd = tempProject({
    "runtime.config.yaml": `kernel:\n  logLevel: warn\n  pluginTimeoutMs: 120000\nstore:\n  driver: pglite\n  dataDir: .ark/data\nevents:\n  redis:\n    url: redis://127.0.0.1:1\nplugins:\n  - from: ${path.join(repo, "plugins/migrations-runtime")}\n  - from: ./fragile.mjs\n`,
    "fragile.mjs": fragilePlugin,
    "broken.json": JSON.stringify({ nodes: [{ id: 1, node_type: "start" }], edges: [{ id: 1, source_node_id: 1, target_node_id: 2 }] }),
  });
});

/** `ark ...args` like test/support/cli.ts's runArk, with a longer limit: each call boots PGlite, slow on a busy machine. */
function runArk(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [arkBin, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: 240_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>;

describe("ark flows import --legacy and ark migrate", () => {
  it("imports the legacy example at schema version 1 and refuses a broken export whole", async () => {
    const broken = await runArk(["flows", "import", "--legacy", "broken.json"], { cwd });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("ARK_FLOW_LEGACY_INVALID");
    expect(broken.stderr).toContain("broken.json.edges[0].target_node_id names node 2, which is not in the export.");
    const imported = await runArk(["flows", "import", "--legacy", example, "--json"], { cwd });
    expect(imported.code, imported.stderr).toBe(0);
    expect(json(imported.stdout)).toMatchObject({ ok: true, schema_version: 1, flowcharts: [{ legacyId: "41", name: "Support triage", nodes: 6, edges: 8 }, { legacyId: "42", nodes: 3, edges: 3 }] });
  }, 600_000);

  it("dry-runs with exit 2, evidence valid against --print-schema and byte-identical twice; non-strict policy passes", async () => {
    const first = await runArk(["migrate", "--export-json", "evidence/dry-1.json"], { cwd });
    expect(first.code, first.stderr).toBe(2);
    expect(first.stdout).toContain("Flowchart migration (dry-run) analyzed 2 flowchart(s); changed=1, blocked=1, applied=0.");
    expect(first.stdout).toContain("Compatibility gate blocked one or more flowcharts.");
    expect(first.stdout).toMatch(/flowchart 2 "Nightly digest" v1→v2 blocked .*blocking: policy\.non_decision_condition_key/);
    const second = await runArk(["migrate", "--export-json", "evidence/dry-2.json", "--non-strict-policy"], { cwd });
    expect(second.code).toBe(0);
    const schema = json((await runArk(["migrate", "--print-schema"], { cwd })).stdout);
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const report = JSON.parse(readFileSync(path.join(cwd, "evidence/dry-1.json"), "utf8"));
    expect(ajv.validate(schema, report), JSON.stringify(ajv.errors)).toBe(true);
    const again = await runArk(["migrate", "--export-json", "evidence/dry-3.json"], { cwd });
    expect(again.code).toBe(2);
    expect(readFileSync(path.join(cwd, "evidence/dry-3.json"), "utf8")).toBe(readFileSync(path.join(cwd, "evidence/dry-1.json"), "utf8"));
  }, 600_000);

  it("applies the ready flowchart, re-apply changes nothing, rollback restores the pre-snapshot hash", async () => {
    const dry = JSON.parse(readFileSync(path.join(cwd, "evidence/dry-1.json"), "utf8"));
    const applied = await runArk(["migrate", "--apply", "--flowchart-id", "1", "--json"], { cwd });
    expect(applied.code, applied.stderr).toBe(0);
    expect(json(applied.stdout)).toMatchObject({ apply_requested: true, flowchart_ids: ["1"], applied_count: 1, reports: [{ apply: { applied: true } }] });
    const reapplied = await runArk(["migrate", "--apply", "--flowchart-id", "1", "--json"], { cwd });
    expect(json(reapplied.stdout)).toMatchObject({ applied_count: 0, changed_count: 0, reports: [{ pending: false, apply: { skipped_reason: "up_to_date" } }] });
    const rolled = await runArk(["migrate", "rollback", "--json"], { cwd });
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(json(rolled.stdout).results).toEqual([expect.objectContaining({ flowchart_id: "1", verified: true, restored_hash: dry.reports[0].before_hash })]);
  }, 600_000);
});

describe("ark cutover and ark doctor", () => {
  it("refuses enable when the preflight fails, records --force, and disables even when a plugin cannot boot", async () => {
    const refused = await runArk(["cutover", "enable"], { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/ARK_CUTOVER_PREFLIGHT_FAILED.*redis \(127\.0\.0\.1:1/);
    const forced = await runArk(["cutover", "enable", "--force", "--actor", "ops"], { cwd });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/Cutover enabled \(settings version \d+, FORCED past failed preflight checks\)\./);
    const status = json((await runArk(["cutover", "status", "--json"], { cwd })).stdout);
    expect(status).toMatchObject({ enabled: true, last_change: { actor: "ops", changes: { agent_runtime_cutover_enabled: { from: "false", to: "true" } } } });
    expect(status.last_change.note).toMatch(/^forced: enabled with failed preflight checks: redis: /);
    const disabled = await runArk(["cutover", "disable", "--json"], { cwd, env: { FAIL_BOOT: "1" } });
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(json(disabled.stdout)).toMatchObject({ enabled: false, changed: true, degraded: expect.stringContaining("upstream is down") });
  }, 600_000);

  it("doctor --json lists every check with a hint for each that is not ok, and exits 1 on a fail", async () => {
    const doctor = await runArk(["doctor", "--json"], { cwd });
    expect(doctor.code).toBe(1);
    const checks = json(doctor.stdout).checks as { name: string; status: string; hint?: string }[];
    expect(checks.map((c) => c.name)).toEqual(["database", "schema migrations", "boot", "redis", "flow migrations", "executor images", "cutover", "tool host"]);
    // The tool host answers on this doctor's own API (a free loopback port, never the configured 8080).
    expect(checks.find((c) => c.name === "tool host")).toMatchObject({ status: "ok", detail: expect.stringMatching(/^http:\/\/127\.0\.0\.1:(?!8080\b)\d+ answered in .* with a node-run token; \d+ tool operation/) });
    expect(checks.find((c) => c.name === "redis")).toMatchObject({ status: "fail", hint: expect.stringContaining("Start Redis") });
    expect(checks.find((c) => c.name === "flow migrations")).toMatchObject({ status: "fail", detail: expect.stringContaining("blocked"), hint: expect.stringContaining("ark migrate") });
    for (const check of checks.filter((c) => c.status !== "ok")) expect(check.hint, check.name).toBeTruthy();
  }, 600_000);
});
