/**
 * Plugins kept outside ARK's folder (a team's own repository) import ARK's dependencies (reflect-metadata, tsyringe,
 * ajv, …) by bare name although their folder has no node_modules with them. A Node resolve hook makes that work the
 * same way wherever a plugin is imported — the kernel's plugin loader (`ark start`, `run`, `plugins`, `config
 * validate`) and the bundle's plugin-set inspection — as the bundle build does with esbuild nodePaths. This module
 * also words the hints for the two ways such a plugin still fails to load (a package nobody has; files read as
 * CommonJS), so every caller says the same thing.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { register } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

let arkRootMemo: string | null | undefined;

/**
 * ARK's root: the folder holding ARK's package.json, the nearest one above this module (the source tree, or a
 * precompiled copy of it). Null when there is none (a bundled executor, whose plugins are imported statically).
 */
export function arkRoot(): string | null {
  if (arkRootMemo !== undefined) return arkRootMemo;
  arkRootMemo = null;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) {
      arkRootMemo = dir;
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  return arkRootMemo;
}

const hookedRoots = new Set<string>();

/**
 * Registers (once per process and root) a resolve hook: a bare specifier that the importer's own node_modules cannot
 * resolve is resolved again from `root`. The importer's own resolution always runs first, so a plugin's own
 * dependencies still come from its folder; a resolution that succeeded is never changed, and one that fails both
 * ways fails with the importer's original error. The hook is plain JavaScript and calls `next`, so it chains with
 * tsx's loader hooks (the CLI runs under tsx) and works as well without them (precompiled JavaScript).
 */
export function resolveArkDependenciesFrom(root: string): void {
  if (hookedRoots.has(root)) return;
  hookedRoots.add(root);
  const fallbackParent = pathToFileURL(path.join(root, "package.json")).href;
  const hooks = `const FALLBACK = ${JSON.stringify(fallbackParent)};
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (err?.code !== "ERR_MODULE_NOT_FOUND" || /^(\\.|\\/|#|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier) || context.parentURL === FALLBACK) throw err;
    try { return await next(specifier, { ...context, parentURL: FALLBACK }); } catch { throw err; }
  }
}
`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** Whether `file` lies outside `root` (symlinks followed). */
function isOutside(file: string, root: string): boolean {
  const rel = path.relative(real(root), real(file));
  return rel === "" ? false : rel.startsWith("..") || path.isAbsolute(rel);
}

/**
 * Call before importing a plugin module: when `file` lies outside ARK's root, ARK's dependencies become resolvable
 * for it (and for everything imported after it: the hook is process-wide and registered once).
 */
export function resolveArkDependenciesFor(file: string): void {
  const root = arkRoot();
  if (root !== null && isOutside(file, root)) resolveArkDependenciesFrom(root);
}

/** The nearest folder at or above `dir` holding a package.json, or null. */
function packageFolder(dir: string): string | null {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, "package.json"))) return d;
    if (path.dirname(d) === d) return null;
  }
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`, `name/sub` → `name`). */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** The package a "not found" load error names, when it is a package (not a relative or absolute file). */
function missingPackage(error: string): string | null {
  const found = /Cannot find package '([^']+)'/.exec(error)?.[1] ?? /Cannot find module '([^']+)'/.exec(error)?.[1];
  if (!found || /^(\.|\/|[a-zA-Z]:[\\/]|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(found)) return null;
  return packageName(found);
}

/**
 * Why a plugin outside ARK's folder may load as CommonJS: tsx and Node read `.ts`/`.js` files as ES modules only
 * under a package.json with "type": "module" (ARK's own has one; a team's plugin folder often has none). Empty when
 * the nearest package.json above `folder` says "type": "module".
 */
export function moduleTypeHint(folder: string): string {
  const dir = packageFolder(folder);
  if (dir === null) return ` (no package.json with "type": "module" above ${folder}, so its files may load as CommonJS: add one there with {"type": "module"})`;
  const pkg = path.join(dir, "package.json");
  try {
    if ((JSON.parse(readFileSync(pkg, "utf8")) as { type?: unknown }).type === "module") return "";
  } catch {
    // an unreadable package.json is as good as none
  }
  return ` (${pkg} does not say "type": "module", so the plugin's files may load as CommonJS: add "type": "module" to it)`;
}

const LOADED_AS_COMMONJS = /require\(\) ES Module|Cannot use import statement outside a module|ERR_REQUIRE_ESM|exports is not defined in ES module/;

/**
 * What to add to the error of a plugin module (`entryFile`) that failed to load: which package to install where when
 * a package is missing (neither the plugin's folder nor ARK has it), or to add "type": "module" when its files were
 * read as CommonJS. Empty when neither applies.
 */
export function pluginLoadHint(error: string, entryFile: string): string {
  const folder = path.dirname(entryFile);
  if (LOADED_AS_COMMONJS.test(error)) return moduleTypeHint(folder);
  const pkg = missingPackage(error);
  if (pkg === null) return "";
  const where = packageFolder(folder) ?? folder;
  return ` (package ${pkg} is installed neither in the plugin's folder nor in ARK: install it in the plugin's folder, e.g. cd ${where} && npm install ${pkg})`;
}
