import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ArkError } from "../errors/index.js";
import { collectMigrations, loadCoreMigrations, migrationChecksum, pluginMigrationSources } from "./migration-source.js";

const dirs: string[] = [];

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "ark-migrations-"));
  dirs.push(dir);
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  return dir;
}

function thrown(fn: () => unknown): ArkError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ArkError);
    return err as ArkError;
  }
  throw new Error("expected a throw");
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("core migration files", () => {
  it("ships 0001_idempotency_ledger first, ids namespaced core/ and sorted by number", async () => {
    const core = await loadCoreMigrations();
    expect(core[0]!.id).toBe("core/0001_idempotency_ledger");
    expect(core[0]!.sql).toContain("CREATE TABLE ark_idempotency_ledger");
    expect(core.map((m) => m.id)).toEqual([...core.map((m) => m.id)].sort());
  });

  it("orders by number and ignores files that are not .sql", async () => {
    const dir = await folder({ "0010_later.sql": "SELECT 10", "0002_early.sql": "SELECT 2", "README.md": "docs" });
    expect((await loadCoreMigrations(dir)).map((m) => m.id)).toEqual(["core/0002_early", "core/0010_later"]);
  });

  it("rejects bad names and duplicate numbers with ARK_MIGRATION_INVALID listing each", async () => {
    const dir = await folder({ "1_short.sql": "", "0003_a.sql": "", "0003_b.sql": "", "0004 space.sql": "" });
    const err = await loadCoreMigrations(dir).then(
      () => {
        throw new Error("expected a failure");
      },
      (e: unknown) => e as ArkError,
    );
    expect(err.code).toBe("ARK_MIGRATION_INVALID");
    expect(err.message).toContain("1_short.sql: name must look like NNNN_description");
    expect(err.message).toContain("0004 space.sql");
    expect(err.message).toMatch(/0003_b\.sql: number 0003 is already used by 0003_a\.sql/);
  });
});

describe("plugin migrations", () => {
  it("namespaces by plugin id, sorts each plugin's by number, keeps plugins in the order given", () => {
    const sources = pluginMigrationSources([
      { pluginId: "tools-plan", value: { id: "0002_stages", sql: "SELECT 'plan 2'" } },
      { pluginId: "tools-memory", value: { id: "0001_memories", sql: "SELECT 'memory 1'" } },
      { pluginId: "tools-plan", value: { id: "tools-plan/0001_plans", sql: "SELECT 'plan 1'" } },
    ]);
    expect(sources.map((s) => s.id)).toEqual(["tools-plan/0001_plans", "tools-plan/0002_stages", "tools-memory/0001_memories"]);
  });

  it("rejects bad ids, duplicate numbers, duplicates and empty SQL", () => {
    expect(thrown(() => pluginMigrationSources([{ pluginId: "p", value: { id: "first", sql: "SELECT 1" } }])).message).toContain("p/first");
    const dupes = thrown(() =>
      pluginMigrationSources([
        { pluginId: "p", value: { id: "0001_a", sql: "SELECT 1" } },
        { pluginId: "p", value: { id: "0001_b", sql: "SELECT 1" } },
      ]),
    );
    expect(dupes.code).toBe("ARK_MIGRATION_INVALID");
    expect(dupes.message).toContain("p/0001_b: number 0001 is already used by p/0001_a");
    expect(thrown(() => pluginMigrationSources([
      { pluginId: "p", value: { id: "0001_a", sql: "SELECT 1" } },
      { pluginId: "p", value: { id: "p/0001_a", sql: "SELECT 2" } },
    ])).message).toContain("contributed twice");
    expect(thrown(() => pluginMigrationSources([{ pluginId: "p", value: { id: "0001_a", sql: "  " } }])).message).toContain("has no SQL");
  });

  it("puts core migrations before plugin ones", async () => {
    const all = await collectMigrations([{ pluginId: "p", value: { id: "0001_a", sql: "SELECT 1" } }]);
    expect(all[0]!.id).toBe("core/0001_idempotency_ledger");
    expect(all.at(-1)!.id).toBe("p/0001_a");
  });

  it("checksums SQL with sha256, ignoring CRLF vs LF", () => {
    expect(migrationChecksum("SELECT 1;\n")).toBe(migrationChecksum("SELECT 1;\r\n"));
    expect(migrationChecksum("SELECT 1;")).not.toBe(migrationChecksum("SELECT 2;"));
    expect(migrationChecksum("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
});
