/**
 * A bundle's plugin set: the ids asked for (`--plugins a,b` or a YAML list file), resolved to plugin folders, imported
 * and inspected (manifest, executor capability, contributions). Every problem is collected so one run reports them all.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { ArkError, errorMessage } from "../errors/index.js";
import { importPlugin } from "../kernel/plugin-loader.js";
import { KernelRegistries } from "../kernel/kernel-registries.js";
import { checkManifest } from "../kernel/manifest-check.js";
import { registerPlugin } from "../kernel/plugin-registrar.js";
import type { PluginDefinition } from "../plugin-api/plugin.js";

/** One plugin of a set, ready to bundle. */
export interface BundlePlugin {
  readonly id: string;
  readonly version: string;
  /** Absolute path of the plugin's entry module (what the generated entry imports). */
  readonly entryFile: string;
  /** Absolute folder whose files make up the plugin. */
  readonly folder: string;
  /** sha256 over the plugin's source files (relative path + bytes, sorted), tests excluded. */
  readonly sourceSha256: string;
  readonly executorIds: readonly string[];
  readonly executorClasses: readonly string[];
  readonly nodeTypes: readonly string[];
  readonly toolDomains: readonly string[];
}

const PLUGIN_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Reads a `--plugin-set` file: a YAML list of plugin ids (or `{ plugins: [...] }`). */
export function readPluginSetFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ArkError("ARK_BUNDLE_PLUGIN_SET_INVALID", `Cannot read plugin set ${file}: ${errorMessage(err)}`, { details: { file } });
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new ArkError("ARK_BUNDLE_PLUGIN_SET_INVALID", `${file} is not valid YAML: ${errorMessage(err)}`, { details: { file } });
  }
  const list = Array.isArray(value) ? value : (value as { plugins?: unknown } | null)?.plugins;
  if (!Array.isArray(list) || !list.every((id) => typeof id === "string")) {
    throw new ArkError("ARK_BUNDLE_PLUGIN_SET_INVALID", `${file} must be a YAML list of plugin ids (or { plugins: [ids] }).`, { details: { file } });
  }
  return list as string[];
}

/** Splits and checks a `--plugins a,b,c` value; duplicates and malformed ids are reported together. */
export function normalisePluginIds(ids: readonly string[]): string[] {
  const cleaned = ids.map((id) => id.trim()).filter((id) => id !== "");
  const bad = cleaned.filter((id) => !PLUGIN_ID.test(id));
  const dupes = cleaned.filter((id, i) => cleaned.indexOf(id) !== i);
  if (bad.length > 0 || dupes.length > 0) {
    throw new ArkError("ARK_BUNDLE_PLUGIN_SET_INVALID", [
      bad.length ? `not plugin ids: ${bad.join(", ")}` : "",
      dupes.length ? `listed twice: ${[...new Set(dupes)].join(", ")}` : "",
    ].filter(Boolean).join("; "), { details: { invalid: bad, duplicates: [...new Set(dupes)] } });
  }
  return [...cleaned].sort();
}

/** sha256 over a folder's files (sorted relative paths and bytes), skipping tests, READMEs and dot-folders. */
export function folderSha256(folder: string): string {
  const hash = createHash("sha256");
  const walk = (dir: string): string[] =>
    readdirSync(dir).sort().flatMap((name) => {
      if (name.startsWith(".") || name === "node_modules") return [];
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return walk(full);
      return /\.test\.[cm]?[jt]s$/.test(name) || /^readme/i.test(name) ? [] : [full];
    });
  for (const file of walk(folder)) {
    hash.update(path.relative(folder, file).split(path.sep).join("/")).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}

type Discovered = { def: PluginDefinition; entryFile: string; folder: string };

const INDEX_FILES = ["index.ts", "index.js", "index.mjs"];

async function importFolder(folder: string): Promise<Discovered | null> {
  const entryFile = INDEX_FILES.map((f) => path.join(folder, f)).find((f) => existsSync(f));
  if (!entryFile) return null;
  const imported = await importPlugin(entryFile, { baseDir: folder });
  return "definition" in imported ? { def: imported.definition, entryFile, folder } : null;
}

/**
 * Finds the plugin with `id` under the search dirs: the folder named like the id first (the convention, and one
 * import), else every folder (a plugin whose folder is named differently). Null when none declares the id.
 */
async function findPlugin(id: string, searchDirs: readonly string[], scanned: Map<string, Discovered>): Promise<Discovered | null> {
  for (const dir of searchDirs) {
    const hit = existsSync(path.join(dir, id)) ? await importFolder(path.join(dir, id)) : null;
    if (hit?.def.id === id) return hit;
  }
  if (scanned.size === 0) {
    for (const dir of searchDirs.filter((d) => existsSync(d))) {
      for (const name of readdirSync(dir).sort()) {
        const hit = await importFolder(path.join(dir, name));
        if (hit && !scanned.has(hit.def.id)) scanned.set(hit.def.id, hit);
      }
    }
  }
  return scanned.get(id) ?? null;
}

function inspect(def: PluginDefinition, entryFile: string, folder: string): BundlePlugin {
  const registries = new KernelRegistries();
  registerPlugin(def, registries, []);
  const executors = registries.executors.entries().map((e) => e.value);
  return {
    id: def.id, version: def.version, entryFile, folder, sourceSha256: folderSha256(folder),
    executorIds: executors.map((e) => e.id).sort(),
    executorClasses: [...new Set(executors.map((e) => e.imageClass ?? e.id))].sort(),
    nodeTypes: registries.nodeTypes.ids().sort(),
    toolDomains: registries.toolDomains.ids().sort(),
  };
}

/**
 * Resolves ids against `<root>/plugins/*` and any extra plugin dirs; unknown ids, broken manifests and plugins that
 * cannot run in an executor fail together with ARK_BUNDLE_PLUGIN_SET_INVALID (details list each).
 */
export async function resolvePluginSet(ids: readonly string[], root: string, extraDirs: readonly string[] = []): Promise<BundlePlugin[]> {
  const searchDirs = [path.join(root, "plugins"), ...extraDirs.map((d) => path.resolve(root, d))];
  const scanned = new Map<string, Discovered>();
  const problems: { id: string; problem: string }[] = [];
  const plugins: BundlePlugin[] = [];
  for (const id of ids) {
    const hit = await findPlugin(id, searchDirs, scanned);
    if (!hit) {
      problems.push({ id, problem: `unknown plugin (available: ${[...scanned.keys()].join(", ") || "none"})` });
      continue;
    }
    const manifest = checkManifest(hit.def, {});
    if (manifest.length > 0) problems.push(...manifest.map((m) => ({ id, problem: m.message })));
    else if (hit.def.runsInExecutor !== true) problems.push({ id, problem: "cannot run in an executor (its manifest does not declare runsInExecutor: true)" });
    else plugins.push(inspect(hit.def, hit.entryFile, hit.folder));
  }
  if (problems.length > 0) {
    throw new ArkError("ARK_BUNDLE_PLUGIN_SET_INVALID", `Cannot bundle: ${problems.map((p) => `${p.id}: ${p.problem}`).join("; ")}.`, { details: { problems } });
  }
  return plugins;
}
