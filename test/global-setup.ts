/**
 * Once per test run: a PGlite template (a dump with the core migrations applied) that every new PGlite database the
 * tests open starts from (ARK_PGLITE_TEMPLATE) — in memory, or a data dir with no cluster yet, in this process and in
 * the `ark` processes tests start — instead of creating and migrating an empty cluster each time.
 */
import "reflect-metadata";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadCoreMigrations } from "../core/store/migration-source.js";
import { applyMigrations } from "../core/store/migrator.js";
import { PGLITE_TEMPLATE_ENV, PgliteStore } from "../core/store/pglite-store.js";

export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(path.join(tmpdir(), "ark-pglite-template-"));
  const store = await PgliteStore.open({ dataDir: null });
  await applyMigrations(store, await loadCoreMigrations());
  const dump = await store.db.dumpDataDir("none");
  await store.close();
  const file = path.join(dir, "template.tar");
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  process.env[PGLITE_TEMPLATE_ENV] = file;
  return () => rmSync(dir, { recursive: true, force: true });
}
