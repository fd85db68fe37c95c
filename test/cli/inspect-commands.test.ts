import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pluginModule, runArk, tempProject } from "../support/cli.js";

const memoryPlugin = pluginModule(
  "tools-notes",
  { type: "object", properties: { maxItems: { type: "integer", default: 100 } } },
  `requires: ["store"], register(r) {
     r.toolDomain({ id: "notes", operations: {} });
     r.schemaMigration({ id: "0001_notes", sql: "CREATE TABLE notes (id serial primary key, body text not null)" });
   }`,
);

describe("ark plugins, doctor and db", () => {
  it("plugins lists boot order, versions, dependencies and contributions, also as JSON", async () => {
    const cwd = tempProject({
      "notes.mjs": memoryPlugin,
      "off.mjs": pluginModule("off", {}),
      "runtime.config.yaml": "store:\n  dataDir: memory://\nplugins:\n  - from: ./notes.mjs\n  - from: ./off.mjs\n    enabled: false\n",
    });
    const text = await runArk(["plugins"], { cwd });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/store\s+1\.0\.0\s+built-in/);
    expect(text.stdout).toMatch(/tools-notes\s+1\.2\.3\s+enabled\s+store\s+toolDomain: notes; schemaMigration: tools-notes\/0001_notes/);
    expect(text.stdout).toMatch(/off\s+-\s+disabled/);
    const json = JSON.parse((await runArk(["plugins", "--json"], { cwd })).stdout) as { plugins: { id: string; requires: string[] }[]; disabled: { id: string }[] };
    expect(json.plugins.map((p) => p.id)).toEqual(["store", "tools-notes"]);
    expect(json.disabled).toEqual([{ id: "off", from: "./off.mjs", status: "disabled" }]);
  }, 120_000);

  it("db status shows pending migrations, db migrate applies them once, doctor reports healthy", async () => {
    const cwd = tempProject({ "notes.mjs": memoryPlugin, "runtime.config.yaml": "store:\n  dataDir: .ark/data\nplugins:\n  - from: ./notes.mjs\n" });
    // No template dump on this first open: a newcomer's new data dir has every core migration pending as well.
    const firstOpen = { cwd, env: { ARK_PGLITE_TEMPLATE: "" } };
    const before = JSON.parse((await runArk(["db", "status", "--json"], firstOpen)).stdout) as { pending: number; migrations: { id: string; state: string }[] };
    expect(before.pending).toBeGreaterThanOrEqual(2);
    expect(before.migrations).toContainEqual(expect.objectContaining({ id: "core/0001_idempotency_ledger", state: "pending" }));
    expect(before.migrations).toContainEqual(expect.objectContaining({ id: "tools-notes/0001_notes", state: "pending" }));

    const migrate = await runArk(["db", "migrate"], { cwd });
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toContain("applied tools-notes/0001_notes");
    const again = await runArk(["db", "migrate", "--json"], { cwd });
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, applied: [] });

    const doctor = await runArk(["doctor", "--json"], { cwd });
    expect(doctor.code).toBe(0);
    const report = JSON.parse(doctor.stdout) as { ok: boolean; checks: { name: string; status: string }[]; startupReport: { plugins: { id: string; status: string }[] } };
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([["database", "ok"], ["schema migrations", "ok"], ["boot", "ok"], ["redis", "ok"], ["flow migrations", "ok"], ["executor images", "ok"], ["cutover", "ok"], ["tool host", "ok"]]);
    expect(report.startupReport.plugins).toContainEqual(expect.objectContaining({ id: "tools-notes", status: "started" }));
  }, 120_000);

  it("an edited applied migration makes db status and doctor fail with what to do", async () => {
    const cwd = tempProject({ "notes.mjs": memoryPlugin, "runtime.config.yaml": "store:\n  dataDir: .ark/data\nplugins:\n  - from: ./notes.mjs\n" });
    expect((await runArk(["db", "migrate"], { cwd })).code).toBe(0);
    writeFileSync(path.join(cwd, "notes.mjs"), memoryPlugin.replace("body text not null", "body text"));
    const status = await runArk(["db", "status"], { cwd });
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/tools-notes\/0001_notes\s+changed/);
    const doctor = await runArk(["doctor"], { cwd });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/schema migrations\s+FAIL\s+applied migrations were edited: tools-notes\/0001_notes/);
    const start = await runArk(["db", "migrate"], { cwd });
    expect(start.code).toBe(1);
    expect(start.stderr).toContain("ARK_MIGRATION_CHECKSUM_MISMATCH");
  }, 120_000);

  it("doctor fails clearly when PostgreSQL is unreachable", async () => {
    const cwd = tempProject({ "runtime.config.yaml": "store:\n  driver: postgres\n  url: postgres://ark@127.0.0.1:1/ark\n  connectTimeoutMs: 1000\n" });
    const doctor = await runArk(["doctor"], { cwd });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/database\s+FAIL\s+.*ARK_STORE_UNREACHABLE.*127\.0\.0\.1:1/);
    expect(doctor.stdout).toMatch(/boot\s+FAIL\s+skipped/);
  }, 120_000);
});
