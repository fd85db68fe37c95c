/**
 * `ark bundle`'s build: for each image class, esbuild bundles the executor entrypoint with exactly the chosen plugins
 * (a generated entry with static imports — nothing is loaded by path at run time) into one ESM file, then writes the
 * Dockerfile and `bundle.json`. Everything that could vary between machines is kept out of the bytes: paths are
 * relative to the project root, there are no timestamps, objects are key-sorted, so the same inputs give the same files.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type BuildFailure, type Plugin } from "esbuild";
import { ArkError } from "../errors/index.js";
import { KERNEL_API_VERSION } from "../kernel/api-version.js";
import { bundlePluginSetHash, manifestText, sha256Tag, type BundleManifest } from "./bundle-manifest.js";
import { DEFAULT_BASE_IMAGE, executorDockerfile, pinnedBaseImage } from "./executor-dockerfile.js";
import { precompiledPayloadValidator } from "./precompiled-payload-validator.js";
import type { BundlePlugin } from "./plugin-set.js";

/** Image classes `ark bundle` knows. */
export const IMAGE_CLASSES = ["frontier", "vllm"] as const;
/** One of IMAGE_CLASSES. */
export type ImageClass = (typeof IMAGE_CLASSES)[number];

/** Inputs of one `ark bundle` build. */
export interface BundleBuildOptions {
  /** Project root (the folder with core/ and plugins/). */
  readonly root: string;
  readonly outDir: string;
  readonly classes: readonly ImageClass[];
  readonly plugins: readonly BundlePlugin[];
  readonly tag?: string | null;
  readonly registry?: string | null;
  readonly baseImage?: string;
  readonly baseDigest?: string | null;
}

/** What was built for one class. */
export interface BuiltClass {
  readonly imageClass: ImageClass;
  readonly dir: string;
  readonly manifest: BundleManifest;
  readonly bundleBytes: number;
  readonly buildMs: number;
}

/**
 * ARK's own folder (core/, plugins/, node_modules/): where the executor's sources and ARK's dependencies come from,
 * wherever `ark bundle` is run from and wherever the bundled plugins live.
 */
export const ARK_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Files a class folder holds; a folder with anything else is not one `ark bundle` wrote, and is never replaced. */
const BUNDLE_FILES = new Set(["executor.mjs", "Dockerfile", "bundle.json"]);

/** Module the generated entry calls (relative to the project root). */
const EXECUTOR_RUNNER = "core/execution/executor-process.ts";

// Packages an executor never needs at run time and that cannot be bundled (PGlite's wasm/data files, pg's native addon).
const EXTERNAL = ["@electric-sql/pglite", "@electric-sql/pglite/*", "@electric-sql/pglite-pgvector", "pg-native"];

// ESM bundles that contain CommonJS packages need a `require` (DEPENDENCIES.md trap 9).
const BANNER = 'import { createRequire as __arkCreateRequire } from "node:module"; const require = __arkCreateRequire(import.meta.url);';

const posix = (p: string): string => p.split(path.sep).join("/");

/**
 * Marks ARK's own modules side-effect free, so esbuild drops every module the executor never calls — the plugin API
 * re-exports the HTTP server's port, the flow graph's file parser and more, and without this their packages (fastify,
 * yaml, pino) would all be in the bundle and parsed at every cold start. ARK's modules do no work at import time.
 */
const sideEffectFreeSources: Plugin = {
  name: "ark-side-effect-free-sources",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if ((args.pluginData as { inner?: boolean } | undefined)?.inner) return undefined;
      const resolved = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: { inner: true } });
      if (resolved.errors.length > 0 || resolved.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      return { path: resolved.path, sideEffects: false };
    });
  },
};

/** `import ... from "file:///…"` (Node resolves file URLs; esbuild does not): the path the URL names. */
const fileUrlImports = (root: string): Plugin => ({
  name: "ark-file-url-imports",
  setup(b) {
    b.onResolve({ filter: /^file:\/\// }, (args) => {
      const file = fileURLToPath(args.path);
      // .js names a .ts source under tsx and TypeScript's NodeNext resolution; esbuild does that for relative paths only.
      const ts = file.replace(/\.([cm]?)js$/, ".$1ts");
      const resolved = !existsSync(file) && existsSync(ts) ? ts : file;
      // ARK's own modules are side-effect free here too (see sideEffectFreeSources).
      const arkSource = resolved.startsWith(`${root}${path.sep}`) && !resolved.includes(`${path.sep}node_modules${path.sep}`);
      return { path: resolved, ...(arkSource ? { sideEffects: false } : {}) };
    });
  },
});

/** The generated entry: reflect-metadata first (trap 2), then every plugin as a static import. */
export function executorEntrySource(root: string, imageClass: string, plugins: readonly BundlePlugin[], pluginSetHash: string): string {
  const imports = plugins.map((p, i) => `import plugin${i} from "./${posix(path.relative(root, p.entryFile))}";`);
  return [
    'import "reflect-metadata";',
    `import { runExecutorProcess } from "./${EXECUTOR_RUNNER}";`,
    ...imports,
    // The baked-in hash wins over anything in the environment: it is what this file was built from.
    `process.env.ARK_EXECUTOR_PLUGIN_SET_HASH = ${JSON.stringify(pluginSetHash)};`,
    `process.env.ARK_EXECUTOR_CLASS = ${JSON.stringify(imageClass)};`,
    `await runExecutorProcess([${plugins.map((_, i) => `plugin${i}`).join(", ")}]);`,
    "",
  ].join("\n");
}

/** Checks that every class has a plugin contributing its executor (ARK_BUNDLE_CLASS_INVALID otherwise). */
export function checkClasses(classes: readonly string[], plugins: readonly BundlePlugin[]): void {
  if (classes.length === 0) throw new ArkError("ARK_BUNDLE_CLASS_INVALID", "Choose at least one image class: --executor-frontier and/or --executor-vllm.");
  const missing = classes.filter((c) => !plugins.some((p) => p.executorClasses.includes(c)));
  if (missing.length > 0) {
    throw new ArkError("ARK_BUNDLE_CLASS_INVALID", `No plugin in the set contributes an executor for: ${missing.join(", ")}.`, {
      details: { missing, executorsInSet: plugins.flatMap((p) => p.executorClasses) },
    });
  }
}

/**
 * Every node_modules folder esbuild would search from `root` (its own, then each parent's, where npm may have hoisted
 * ARK's dependencies): the fallback for imports in plugins kept outside ARK's folder. A plugin's own dependencies still
 * resolve from its folder first; only what it cannot find there (reflect-metadata, tsyringe, ajv, …) comes from ARK's.
 */
export function arkNodePaths(root: string): string[] {
  const paths: string[] = [];
  for (let dir = root; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules");
    if (existsSync(candidate)) paths.push(candidate);
    if (path.dirname(dir) === dir) return paths;
  }
}

/** The plugin whose folder holds `file` (esbuild reports files relative to the working dir), if any. */
function owningPlugin(root: string, file: string | null, plugins: readonly BundlePlugin[]): BundlePlugin | null {
  if (!file) return null;
  const abs = path.resolve(root, file);
  return plugins.find((p) => abs === p.folder || abs.startsWith(`${p.folder}${path.sep}`)) ?? null;
}

async function bundleEntry(root: string, entry: string, outfile: string, plugins: readonly BundlePlugin[]): Promise<void> {
  try {
    await build({
      stdin: { contents: entry, resolveDir: root, sourcefile: "ark-executor-entry.ts", loader: "ts" },
      absWorkingDir: root,
      bundle: true, platform: "node", format: "esm", target: "node20", outfile,
      nodePaths: arkNodePaths(root),
      banner: { js: BANNER }, external: EXTERNAL, legalComments: "none", charset: "utf8", plugins: [fileUrlImports(root), precompiledPayloadValidator(root), sideEffectFreeSources],
      // Whitespace and syntax only: identifiers stay readable in stack traces.
      minifyWhitespace: true, minifySyntax: true, keepNames: true,
      define: { "process.env.NODE_ENV": '"production"' }, logLevel: "silent",
    });
  } catch (err) {
    const errors = ((err as BuildFailure).errors ?? []).map((e) => {
      const plugin = owningPlugin(root, e.location?.file ?? null, plugins);
      const file = e.location?.file ? path.resolve(root, e.location.file) : null;
      return { plugin: plugin?.id ?? null, file, line: e.location?.line ?? null, column: e.location ? e.location.column + 1 : null, message: e.text };
    });
    const first = errors[0];
    const where = first?.file ? `${first.plugin ? `plugin ${first.plugin}, ` : ""}${first.file}:${first.line}:${first.column}: ` : "";
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? "s" : ""} in details.errors)` : "";
    throw new ArkError("ARK_BUNDLE_BUILD_FAILED", `Cannot bundle the executor: ${where}${first?.message ?? String(err)}${more}. Nothing was written.`, { details: { errors }, cause: err });
  }
}

function arkVersion(root: string): string {
  try {
    return String((JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version?: unknown }).version ?? "0.0.0");
  } catch {
    return "0.0.0";
  }
}

/** Builds one class's folder (`dir`, inside the staging folder): executor.mjs, Dockerfile, bundle.json. */
async function buildClass(options: BundleBuildOptions, imageClass: ImageClass, dir: string): Promise<BuiltClass> {
  const started = performance.now();
  mkdirSync(dir);
  const pluginSetHash = bundlePluginSetHash(KERNEL_API_VERSION, options.plugins);
  await bundleEntry(options.root, executorEntrySource(options.root, imageClass, options.plugins, pluginSetHash), path.join(dir, "executor.mjs"), options.plugins);
  const baseImage = pinnedBaseImage(options.baseImage ?? DEFAULT_BASE_IMAGE, options.baseDigest ?? null);
  const dockerfile = executorDockerfile({ imageClass, baseImage, pluginSetHash, kernelVersion: KERNEL_API_VERSION, pinned: Boolean(options.baseDigest) });
  writeFileSync(path.join(dir, "Dockerfile"), dockerfile);
  const bundle = readFileSync(path.join(dir, "executor.mjs"));
  const manifest: BundleManifest = {
    schema: "ark.bundle/v1", image_class: imageClass, image: imageReference(imageClass, options.registry ?? null, options.tag ?? null),
    kernel_version: KERNEL_API_VERSION, ark_version: arkVersion(options.root), base_image: baseImage,
    plugins: options.plugins.map((p) => ({ id: p.id, version: p.version, source_sha256: p.sourceSha256 })),
    plugin_set_hash: pluginSetHash,
    executors: [...new Set(options.plugins.flatMap((p) => p.executorIds))].sort(),
    node_types: [...new Set(options.plugins.flatMap((p) => p.nodeTypes))].sort(),
    tool_domains: [...new Set(options.plugins.flatMap((p) => p.toolDomains))].sort(),
    files: { Dockerfile: sha256Tag(dockerfile), "executor.mjs": sha256Tag(bundle) },
  };
  writeFileSync(path.join(dir, "bundle.json"), manifestText(manifest));
  return { imageClass, dir, manifest, bundleBytes: bundle.length, buildMs: performance.now() - started };
}

/** `REGISTRY/ark-executor-<class>:<tag>` (or null when neither is given). */
export function imageReference(imageClass: string, registry: string | null, tag: string | null): string | null {
  if (!registry && !tag) return null;
  const name = `ark-executor-${imageClass}`;
  return `${registry ? `${registry.replace(/\/+$/, "")}/` : ""}${name}:${tag ?? "latest"}`;
}

function outInvalid(outDir: string, message: string, cause?: unknown): never {
  throw new ArkError("ARK_BUNDLE_OUT_INVALID", message, { details: { out: outDir }, ...(cause ? { cause } : {}) });
}

/**
 * Checks --out before anything is built: it must be a folder (or not exist yet), and each `<out>/<class>` it would
 * replace must be absent or a folder `ark bundle` wrote (only executor.mjs, Dockerfile, bundle.json) — anything else
 * there is someone's data, and is refused rather than deleted.
 */
export function checkOutDir(outDir: string, classes: readonly ImageClass[]): void {
  for (let dir = outDir; ; dir = path.dirname(dir)) {
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) {
        outInvalid(outDir, dir === outDir ? `--out ${outDir} is a file, not a folder: give a folder (it is created if missing; each class gets <out>/<class>/).` : `--out ${outDir} cannot be created: ${dir} is a file, not a folder.`);
      }
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  for (const imageClass of classes) {
    const dir = path.join(outDir, imageClass);
    if (!existsSync(dir)) continue;
    if (!statSync(dir).isDirectory()) outInvalid(outDir, `${dir} is a file; ark bundle writes the ${imageClass} bundle into that folder. Remove the file or choose another --out.`);
    const foreign = readdirSync(dir).filter((name) => !BUNDLE_FILES.has(name));
    if (foreign.length > 0) {
      outInvalid(outDir, `${dir} holds files ark bundle did not write (${foreign.slice(0, 5).join(", ")}${foreign.length > 5 ? ", …" : ""}); it replaces that folder with the new bundle, so choose an empty or new --out, or remove them.`);
    }
  }
}

/**
 * Builds every requested class, in a fixed order. All classes are built in a staging folder inside `outDir` and only
 * moved to `<outDir>/<class>` when every one succeeded, so a failed build leaves the previous bundles as they were
 * and never a partial folder that looks complete.
 */
export async function buildExecutorBundles(options: BundleBuildOptions, onProgress: (line: string) => void = () => {}): Promise<BuiltClass[]> {
  checkClasses(options.classes, options.plugins);
  const classes = IMAGE_CLASSES.filter((c) => options.classes.includes(c));
  checkOutDir(options.outDir, classes);
  const createdOut = !existsSync(options.outDir);
  let staging: string;
  try {
    mkdirSync(options.outDir, { recursive: true });
    staging = path.join(options.outDir, `.ark-bundle-staging-${process.pid}-${Date.now()}`);
    mkdirSync(staging);
  } catch (err) {
    return outInvalid(options.outDir, `Cannot write to --out ${options.outDir}: ${(err as NodeJS.ErrnoException).code === "EACCES" ? "permission denied; give a folder you can write to" : String((err as Error).message)}.`, err);
  }
  const built: BuiltClass[] = [];
  try {
    for (const imageClass of classes) {
      onProgress(`bundling ${imageClass} executor with ${options.plugins.map((p) => p.id).join(", ")}`);
      built.push(await buildClass(options, imageClass, path.join(staging, imageClass)));
    }
    const placed = built.map((b) => {
      const dir = path.join(options.outDir, b.imageClass);
      rmSync(dir, { recursive: true, force: true });
      renameSync(b.dir, dir);
      return { ...b, dir };
    });
    for (const result of placed) {
      onProgress(`  ${path.relative(process.cwd(), result.dir) || "."}: executor.mjs ${(result.bundleBytes / 1024).toFixed(0)} KiB in ${result.buildMs.toFixed(0)} ms`);
    }
    return placed;
  } catch (err) {
    if (createdOut) rmSync(options.outDir, { recursive: true, force: true });
    throw err;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
