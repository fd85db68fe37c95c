/**
 * `ark bundle`'s build: for each image class, esbuild bundles the executor entrypoint with exactly the chosen plugins
 * (a generated entry with static imports — nothing is loaded by path at run time) into one ESM file, then writes the
 * Dockerfile and `bundle.json`. Everything that could vary between machines is kept out of the bytes: paths are
 * relative to the project root, there are no timestamps, objects are key-sorted, so the same inputs give the same files.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
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

async function bundleEntry(root: string, entry: string, outfile: string): Promise<void> {
  try {
    await build({
      stdin: { contents: entry, resolveDir: root, sourcefile: "ark-executor-entry.ts", loader: "ts" },
      absWorkingDir: root,
      bundle: true, platform: "node", format: "esm", target: "node20", outfile,
      banner: { js: BANNER }, external: EXTERNAL, legalComments: "none", charset: "utf8", plugins: [precompiledPayloadValidator(root), sideEffectFreeSources],
      // Whitespace and syntax only: identifiers stay readable in stack traces.
      minifyWhitespace: true, minifySyntax: true, keepNames: true,
      define: { "process.env.NODE_ENV": '"production"' }, logLevel: "silent",
    });
  } catch (err) {
    const errors = ((err as BuildFailure).errors ?? []).map((e) => ({ file: e.location?.file ?? null, line: e.location?.line ?? null, message: e.text }));
    throw new ArkError("ARK_BUNDLE_BUILD_FAILED", `esbuild failed: ${errors[0]?.message ?? String(err)}`, { details: { errors }, cause: err });
  }
}

function arkVersion(root: string): string {
  try {
    return String((JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version?: unknown }).version ?? "0.0.0");
  } catch {
    return "0.0.0";
  }
}

/** Builds one class's folder: executor.mjs, Dockerfile, bundle.json. */
async function buildClass(options: BundleBuildOptions, imageClass: ImageClass): Promise<BuiltClass> {
  const started = performance.now();
  const dir = path.join(options.outDir, imageClass);
  mkdirSync(dir, { recursive: true });
  const pluginSetHash = bundlePluginSetHash(KERNEL_API_VERSION, options.plugins);
  await bundleEntry(options.root, executorEntrySource(options.root, imageClass, options.plugins, pluginSetHash), path.join(dir, "executor.mjs"));
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

/** Builds every requested class, in a fixed order. */
export async function buildExecutorBundles(options: BundleBuildOptions, onProgress: (line: string) => void = () => {}): Promise<BuiltClass[]> {
  checkClasses(options.classes, options.plugins);
  const built: BuiltClass[] = [];
  for (const imageClass of IMAGE_CLASSES.filter((c) => options.classes.includes(c))) {
    onProgress(`bundling ${imageClass} executor with ${options.plugins.map((p) => p.id).join(", ")}`);
    const result = await buildClass(options, imageClass);
    onProgress(`  ${path.relative(process.cwd(), result.dir) || "."}: executor.mjs ${(result.bundleBytes / 1024).toFixed(0)} KiB in ${result.buildMs.toFixed(0)} ms`);
    built.push(result);
  }
  return built;
}
