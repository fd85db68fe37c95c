/**
 * `ark migrate --export-json` and `ark migrate rollback --export-json` as real processes over an on-disk PGlite
 * project: a path that cannot be written fails before the database is touched (nothing applied, nothing left behind),
 * and a report that cannot be written after the run still reaches stdout, with exit 3 and an error saying the
 * changes were committed. The `saboteur` plugin turns the export file into a directory when the kernel stops — after
 * the apply committed, before the command writes the report.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { pluginApiUrl, runArk, tempProject } from "../../../test/support/cli.js";

const repo = path.resolve(import.meta.dirname, "../../..");
let cwd: string;

const saboteur = `import { mkdirSync, rmSync } from "node:fs";
import { definePlugin } from ${JSON.stringify(pluginApiUrl)};
export default definePlugin({ id: "saboteur", version: "1.0.0", kernel: "^1.0.0",
  stop() { const file = process.env.ARK_TEST_SABOTAGE; if (file) { rmSync(file, { force: true }); mkdirSync(file); } } });
`;

const ark = (args: readonly string[], env: Record<string, string> = {}) => runArk(args, { cwd, env });

/** Each flowchart's stored schema version, from a dry-run (which writes nothing). */
async function schemaVersions(): Promise<number[]> {
  const dry = await ark(["migrate", "--json"]);
  return (JSON.parse(dry.stdout) as { reports: { schema_version: { current: number } }[] }).reports.map((r) => r.schema_version.current);
}

beforeAll(async () => {
  cwd = tempProject({
    "runtime.config.yaml": `kernel:\n  logLevel: warn\n  pluginTimeoutMs: 120000\nstore:\n  driver: pglite\n  dataDir: .ark/data\nplugins:\n  - from: ${path.join(repo, "plugins/migrations-runtime")}\n  - from: ./saboteur.mjs\n`,
    "saboteur.mjs": saboteur,
    "a-file": "",
  });
  mkdirSync(path.join(cwd, "a-dir"));
  const imported = await ark(["flows", "import", "--legacy", path.join(repo, "examples/legacy/support-flows.json")]);
  expect(imported.code, imported.stderr).toBe(0);
}, 120_000);

describe("ark migrate --export-json", () => {
  it("refuses a path that cannot be written before touching the database", async () => {
    for (const [file, reason] of [["a-dir", "it is a directory (EISDIR)"], ["a-file/report.json", "a folder on its path is a file"]] as const) {
      const applied = await ark(["migrate", "--apply", "--export-json", file, "--json"]);
      expect(applied.code, applied.stderr).toBe(1);
      expect(JSON.parse(applied.stdout).error).toMatchObject({ code: "ARK_INVALID_ARGUMENT", message: expect.stringContaining(reason) });
      expect(applied.stdout).toContain("nothing was changed");
    }
    expect(await schemaVersions()).toEqual([1, 1]);
    // A run that fails for another reason leaves no empty report behind.
    const unknown = await ark(["migrate", "--apply", "--flowchart-id", "999999", "--export-json", "fresh.json"]);
    expect(unknown.stderr).toContain("ARK_NOT_FOUND");
    expect(existsSync(path.join(cwd, "fresh.json"))).toBe(false);
  }, 300_000);

  it("prints the report and exits 3 when the file cannot be written after the apply committed", async () => {
    const target = path.join(cwd, "apply.json");
    const applied = await ark(["migrate", "--apply", "--export-json", "apply.json", "--json"], { ARK_TEST_SABOTAGE: target });
    expect(applied.code, applied.stderr).toBe(3);
    expect(JSON.parse(applied.stdout)).toMatchObject({ apply_requested: true, applied_count: 1 });
    expect(applied.stderr).toContain("ARK_FLOW_MIGRATION_EVIDENCE_NOT_WRITTEN");
    expect(applied.stderr).toContain(`${target}: it is a directory (EISDIR); the changes to 1 flowchart(s) were applied and committed`);
    expect(await schemaVersions()).toEqual([2, 1]);
  }, 300_000);
});

describe("ark migrate rollback --export-json", () => {
  it("refuses a directory before rolling back, and prints the report with exit 3 when the write fails afterwards", async () => {
    const refused = await ark(["migrate", "rollback", "--export-json", "a-dir"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("ARK_INVALID_ARGUMENT");
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await schemaVersions()).toEqual([2, 1]);

    const target = path.join(cwd, "rollback.json");
    writeFileSync(target, "");
    const rolled = await ark(["migrate", "rollback", "--export-json", target], { ARK_TEST_SABOTAGE: target });
    expect(rolled.code, rolled.stderr).toBe(3);
    expect(rolled.stdout).toContain("Rolled back 1 flowchart(s).");
    expect(rolled.stdout).not.toContain("Evidence written");
    expect(rolled.stderr).toContain("ARK_FLOW_MIGRATION_EVIDENCE_NOT_WRITTEN");
    expect(rolled.stderr).not.toMatch(/\n\s+at /);
    expect(await schemaVersions()).toEqual([1, 1]);
  }, 300_000);
});
