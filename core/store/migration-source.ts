import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ArkError } from "../errors/index.js";
import type { Owned, SchemaMigrationContribution } from "../plugin-api/contributions.js";

/** One schema migration ready to apply: a namespaced id (`core/0001_x`, `<pluginId>/0001_x`) and its SQL. */
export interface MigrationSource {
  readonly id: string;
  readonly sql: string;
}

/** `NNNN_description`: four digits, then letters, digits, `_` or `-`. */
const MIGRATION_ID = /^(\d{4})_([A-Za-z0-9][A-Za-z0-9_-]*)$/;

/** The folder holding core's numbered SQL files. */
export const CORE_MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));

/** sha256 (hex) of a migration's SQL; line endings are normalised so a CRLF checkout does not count as an edit. */
export function migrationChecksum(sql: string): string {
  return createHash("sha256").update(sql.replace(/\r\n/g, "\n")).digest("hex");
}

function invalid(message: string, details: Record<string, unknown>): ArkError {
  return new ArkError("ARK_MIGRATION_INVALID", message, { details });
}

/** Sorts ids of one namespace by number, rejecting bad names and numbers used twice (every problem at once). */
function orderNamespace(namespace: string, ids: readonly string[], what: (id: string) => string): string[] {
  const problems: string[] = [];
  const byNumber = new Map<string, string>();
  for (const id of ids) {
    const match = MIGRATION_ID.exec(id);
    if (!match) {
      problems.push(`${what(id)}: name must look like NNNN_description (four digits, "_", then letters, digits, "_" or "-")`);
      continue;
    }
    const previous = byNumber.get(match[1]!);
    if (previous !== undefined) problems.push(`${what(id)}: number ${match[1]} is already used by ${what(previous)}`);
    else byNumber.set(match[1]!, id);
  }
  if (problems.length > 0) {
    throw invalid(`Invalid ${namespace} schema migrations:\n  ${problems.join("\n  ")}`, { namespace, problems });
  }
  return [...byNumber.keys()].sort().map((n) => byNumber.get(n)!);
}

/** Reads core's `NNNN_description.sql` files in number order (other files in the folder are ignored). */
export async function loadCoreMigrations(dir: string = CORE_MIGRATIONS_DIR): Promise<MigrationSource[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql"));
  const ids = orderNamespace("core", files.map((f) => f.slice(0, -".sql".length)), (id) => `${id}.sql`);
  return Promise.all(ids.map(async (id) => ({ id: `core/${id}`, sql: await readFile(join(dir, `${id}.sql`), "utf8") })));
}

/**
 * Plugin migrations as sources: ids namespaced `<pluginId>/<id>`, each plugin's in number order, plugins in the
 * order they first appear (the kernel lists them in boot order). Accepts ids already prefixed with the plugin id.
 */
export function pluginMigrationSources(entries: readonly Owned<SchemaMigrationContribution>[]): MigrationSource[] {
  const byPlugin = new Map<string, Map<string, string>>();
  for (const { pluginId, value } of entries) {
    if (typeof value?.sql !== "string" || value.sql.trim() === "") {
      throw invalid(`Schema migration ${pluginId}/${String(value?.id)} has no SQL.`, { pluginId, id: value?.id });
    }
    const id = String(value.id).startsWith(`${pluginId}/`) ? String(value.id).slice(pluginId.length + 1) : String(value.id);
    const migrations = byPlugin.get(pluginId) ?? new Map<string, string>();
    if (migrations.has(id)) throw invalid(`Schema migration ${pluginId}/${id} is contributed twice.`, { pluginId, id });
    migrations.set(id, value.sql);
    byPlugin.set(pluginId, migrations);
  }
  const sources: MigrationSource[] = [];
  for (const [pluginId, migrations] of byPlugin) {
    for (const id of orderNamespace(`plugin "${pluginId}"`, [...migrations.keys()], (m) => `${pluginId}/${m}`)) {
      sources.push({ id: `${pluginId}/${id}`, sql: migrations.get(id)! });
    }
  }
  return sources;
}

/** Core migrations (from the folder) followed by the plugins' ones: the order boot applies them in. */
export async function collectMigrations(pluginEntries: readonly Owned<SchemaMigrationContribution>[] = []): Promise<MigrationSource[]> {
  return [...(await loadCoreMigrations()), ...pluginMigrationSources(pluginEntries)];
}
