/**
 * A bundle's plugin set: the ids asked for (`--plugins a,b` or a YAML list file), resolved to plugin folders, imported
 * and inspected (manifest, executor capability, contributions). Every problem is collected so one run reports them all.
 */
import { createHash } from "node:crypto";
import { closeSync, constants, existsSync, fstatSync, openSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { ArkError, errorMessage } from "../errors/index.js";
import { resolveArkDependenciesFrom } from "../kernel/ark-dependency-resolution.js";
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

/** Plugin-set files are a few lines; anything much larger is not one. */
const MAX_PLUGIN_SET_BYTES = 1024 * 1024;

function setFileInvalid(file: string, reason: string, message: string, cause?: unknown): never {
  throw new ArkError("ARK_BUNDLE_PLUGIN_SET_INVALID", message, { details: { file, reason }, ...(cause ? { cause } : {}) });
}

/**
 * The text of a plugin-set file. Checked on the open descriptor: a folder has no text, and a FIFO or device would block
 * or never end (opened without blocking, refused before any read).
 */
function readSetText(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") setFileInvalid(file, "missing", `There is no plugin-set file ${file}: give the path of a YAML list of plugin ids (e.g. deploy/plugin-sets/frontier-git.yaml), or use --plugins a,b.`, err);
    if (code === "EISDIR") setFileInvalid(file, "directory", `${file} is a directory, not a plugin-set file: give the path of a YAML file in it.`, err);
    return setFileInvalid(file, "unreadable", `Cannot read plugin-set file ${file}: ${errorMessage(err)}.`, err);
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) setFileInvalid(file, "directory", `${file} is a directory, not a plugin-set file: give the path of a YAML file in it.`);
    if (!stats.isFile()) setFileInvalid(file, "not_a_file", `${file} is not a regular file: save the plugin set to a file and give that path.`);
    if (stats.size > MAX_PLUGIN_SET_BYTES) setFileInvalid(file, "too_large", `${file} is ${stats.size} bytes; a plugin-set file is a short YAML list of plugin ids (at most ${MAX_PLUGIN_SET_BYTES} bytes).`);
    return readFileSync(fd, "utf8");
  } catch (err) {
    if (err instanceof ArkError) throw err;
    return setFileInvalid(file, "unreadable", `Cannot read plugin-set file ${file}: ${errorMessage(err)}.`, err);
  } finally {
    closeSync(fd);
  }
}

/** Reads a `--plugin-set` file: a YAML list of plugin ids (or `{ plugins: [...] }`). */
export function readPluginSetFile(file: string): string[] {
  const text = readSetText(file);
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    return setFileInvalid(file, "yaml", `${file} is not valid YAML: ${errorMessage(err)}`, err);
  }
  const list = Array.isArray(value) ? value : value && typeof value === "object" && !Array.isArray(value) ? (value as { plugins?: unknown }).plugins : undefined;
  if (!Array.isArray(list)) {
    return setFileInvalid(file, "shape", `${file} must be a YAML list of plugin ids (or { plugins: [ids] }), e.g. "- executor-frontier".`);
  }
  const notStrings = list.map((id, i) => ({ id, i })).filter(({ id }) => typeof id !== "string");
  if (notStrings.length > 0) {
    return setFileInvalid(file, "shape", `${file}: every entry must be a plugin id (a string); not one: ${notStrings.map(({ id, i }) => `item ${i + 1} (${JSON.stringify(id) ?? String(id)})`).join(", ")}.`);
  }
  return list as string[];
}

/** Splits and checks a `--plugins a,b,c` value; duplicates and malformed ids are reported together. */
export function normalisePluginIds(ids: readonly string[]): string[] {
  const cleaned = ids.map((id) => id.trim()).filter((id) => id !== "");
  if (cleaned.length === 0) {
    throw new ArkError("ARK_BUNDLE_PLUGIN_SET_INVALID", "No plugin ids given: list at least one, e.g. --plugins executor-frontier,tools-git (or a non-empty --plugin-set file).", { details: { invalid: [], duplicates: [], empty: true } });
  }
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
/** A folder that has an entry module but could not be imported (syntax error, missing package, no definePlugin). */
type LoadFailure = { folder: string; entryFile: string; error: string };

const INDEX_FILES = ["index.ts", "index.js", "index.mjs"];

async function importFolder(folder: string): Promise<Discovered | LoadFailure | null> {
  const entryFile = INDEX_FILES.map((f) => path.join(folder, f)).find((f) => existsSync(f));
  if (!entryFile) return null;
  const imported = await importPlugin(entryFile, { baseDir: folder });
  if ("definition" in imported) return { def: imported.definition, entryFile, folder };
  return { folder, entryFile, error: imported.error };
}

const isDiscovered = (hit: Discovered | LoadFailure | null): hit is Discovered => hit !== null && "def" in hit;

/** Plugin folders that could not be imported while searching, by folder (reported when an id stays unknown). */
type Scan = { found: Map<string, Discovered>; failed: Map<string, LoadFailure>; done: boolean };

/**
 * Finds the plugin with `id` under the search dirs: the folder named like the id first (the convention, and one
 * import), else every folder (a plugin whose folder is named differently). A folder named like the id that cannot be
 * imported is that plugin, broken: its load error is returned rather than "unknown plugin".
 */
async function findPlugin(id: string, searchDirs: readonly string[], scan: Scan): Promise<Discovered | LoadFailure | null> {
  let failure: LoadFailure | null = null;
  for (const dir of searchDirs) {
    const hit = existsSync(path.join(dir, id)) ? await importFolder(path.join(dir, id)) : null;
    if (isDiscovered(hit) && hit.def.id === id) return hit;
    if (hit && !isDiscovered(hit)) failure ??= hit;
  }
  if (!scan.done) {
    scan.done = true;
    for (const dir of searchDirs.filter((d) => existsSync(d) && statSync(d).isDirectory())) {
      for (const name of readdirSync(dir).sort()) {
        if (name.startsWith(".") || name === "node_modules" || !statSync(path.join(dir, name)).isDirectory()) continue;
        const hit = await importFolder(path.join(dir, name));
        if (isDiscovered(hit)) {
          if (!scan.found.has(hit.def.id)) scan.found.set(hit.def.id, hit);
        } else if (hit) scan.failed.set(hit.folder, hit);
      }
    }
  }
  return scan.found.get(id) ?? failure;
}

/** Where a plugin-load error says the problem is: `file:line:col` of the first location it names, if any. */
function errorLocation(error: string): string | null {
  return /(\/[^\s:]+\.[cm]?[jt]sx?):(\d+)(?::(\d+))?/.exec(error)?.slice(1).filter(Boolean).join(":") ?? null;
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
  // Plugins outside `root` import its dependencies by bare name, as the bundle build lets them (esbuild nodePaths).
  resolveArkDependenciesFrom(root);
  const searchDirs = [path.join(root, "plugins"), ...extraDirs.map((d) => path.resolve(root, d))];
  const scan: Scan = { found: new Map(), failed: new Map(), done: false };
  const problems: { id: string; problem: string; file?: string; location?: string | null }[] = [];
  const plugins: BundlePlugin[] = [];
  for (const id of ids) {
    const hit = await findPlugin(id, searchDirs, scan);
    if (!hit) {
      const broken = [...scan.failed.values()].map((f) => path.basename(f.folder));
      problems.push({ id, problem: `unknown plugin: no folder under ${searchDirs.join(", ")} declares it (available: ${[...scan.found.keys()].join(", ") || "none"}${broken.length ? `; folders that failed to load: ${broken.join(", ")}` : ""})` });
      continue;
    }
    if (!isDiscovered(hit)) {
      problems.push({ id, problem: hit.error, file: hit.entryFile, location: errorLocation(hit.error) });
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
