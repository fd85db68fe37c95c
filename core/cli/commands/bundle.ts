/**
 * `ark bundle`: builds executor bundles per image class for a plugin set, and with --push builds and pushes the
 * images. Every problem with the plugin set is reported before anything is built.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { ARK_ROOT, buildExecutorBundles, checkOutDir, IMAGE_CLASSES, imageReference, type BuiltClass, type ImageClass } from "../../bundle/build-bundle.js";
import { checkRegistry, checkTag, detectImageBuilder, publishImage } from "../../bundle/image-publish.js";
import { normalisePluginIds, readPluginSetFile, resolvePluginSet } from "../../bundle/plugin-set.js";
import { ArkError, isArkError } from "../../errors/index.js";
import { errorJson, out, outJson, printError } from "../output.js";

/** `ark bundle` flags. */
export interface BundleOptions {
  readonly executorFrontier?: boolean;
  readonly executorVllm?: boolean;
  readonly plugins?: string;
  readonly pluginSet?: string;
  readonly pluginDir?: readonly string[];
  readonly out?: string;
  readonly tag?: string;
  readonly registry?: string;
  readonly push?: boolean;
  readonly alsoLatest?: boolean;
  readonly force?: boolean;
  readonly baseImage?: string;
  readonly baseDigest?: string;
  readonly registryScheme?: "http" | "https";
  readonly root?: string;
  readonly json?: boolean;
}

function pluginIds(opts: BundleOptions): string[] {
  if (opts.plugins !== undefined && opts.pluginSet !== undefined) throw new ArkError("ARK_INVALID_ARGUMENT", "Give either --plugins or --plugin-set, not both.");
  if (opts.plugins === undefined && opts.pluginSet === undefined) throw new ArkError("ARK_INVALID_ARGUMENT", "Say which plugins to bundle: --plugins a,b,c or --plugin-set FILE (a YAML list).");
  return normalisePluginIds(opts.plugins !== undefined ? opts.plugins.split(",") : readPluginSetFile(opts.pluginSet!));
}

function checkImageOptions(opts: BundleOptions): void {
  if (opts.tag !== undefined) checkTag(opts.tag);
  if (opts.registry !== undefined) checkRegistry(opts.registry);
  if (!opts.push) return;
  if (!opts.registry) throw new ArkError("ARK_INVALID_ARGUMENT", "--push needs --registry (for example --registry registry.example.com/team).");
  if (!opts.tag) throw new ArkError("ARK_INVALID_ARGUMENT", "--push needs --tag (for example --tag 2026.11.27 or a commit sha).");
}

/**
 * Where plugin ids are looked up: ARK's plugins/, the plugins/ of the folder `ark bundle` runs in (a team's own
 * repository), then each --plugin-dir (relative to that folder).
 */
function pluginSearchDirs(root: string, opts: BundleOptions): string[] {
  const cwdPlugins = path.resolve("plugins");
  const local = cwdPlugins !== path.join(root, "plugins") && existsSync(cwdPlugins) && statSync(cwdPlugins).isDirectory() ? [cwdPlugins] : [];
  const extra = (opts.pluginDir ?? []).map((d) => path.resolve(d));
  const missing = extra.filter((d) => !existsSync(d) || !statSync(d).isDirectory());
  if (missing.length > 0) {
    throw new ArkError("ARK_INVALID_ARGUMENT", `--plugin-dir must be a folder of plugin folders; not a folder: ${missing.join(", ")}.`, { details: { missing } });
  }
  return [...new Set([...local, ...extra])];
}

/** One class's line in the --json result. */
function classJson(b: BuiltClass, pushed: Record<string, string[]>): Record<string, unknown> {
  return {
    image_class: b.imageClass, dir: b.dir, bundle_bytes: b.bundleBytes, build_ms: Math.round(b.buildMs), plugin_set_hash: b.manifest.plugin_set_hash,
    image: b.manifest.image, pushed: pushed[b.imageClass] ?? [],
  };
}

/** How to push one written folder by hand (for the no-builder message). */
function manualPush(b: BuiltClass, image: string): string {
  return `docker buildx build --file ${path.join(b.dir, "Dockerfile")} --tag ${image} --push ${b.dir}`;
}

/** Runs `ark bundle`; resolves with the exit code (errors throw and are printed by the CLI). */
export async function bundleCommand(opts: BundleOptions): Promise<number> {
  const classes = IMAGE_CLASSES.filter((c) => (c === "frontier" ? opts.executorFrontier : opts.executorVllm)) as ImageClass[];
  if (classes.length === 0) throw new ArkError("ARK_BUNDLE_CLASS_INVALID", "Choose at least one image class: --executor-frontier and/or --executor-vllm.");
  checkImageOptions(opts);
  const root = path.resolve(opts.root ?? ARK_ROOT);
  const outDir = path.resolve(opts.out ?? "dist/executor");
  checkOutDir(outDir, classes);
  const ids = pluginIds(opts);
  const plugins = await resolvePluginSet(ids, root, pluginSearchDirs(root, opts));
  const progress = (line: string): void => {
    if (!opts.json) out(line);
    else process.stderr.write(`${line}\n`);
  };
  const built = await buildExecutorBundles({
    root, outDir, classes, plugins, tag: opts.tag ?? null, registry: opts.registry ?? null,
    ...(opts.baseImage ? { baseImage: opts.baseImage } : {}), baseDigest: opts.baseDigest ?? null,
  }, progress);
  const pushed: Record<string, string[]> = {};
  let pushError: unknown = null;
  if (opts.push) {
    try {
      const builder = await detectImageBuilder().catch((err: unknown) => {
        if (!isArkError(err, "ARK_BUNDLE_NO_IMAGE_BUILDER")) throw err;
        const images = built.map((b) => ({ image_class: b.imageClass, dir: b.dir, image: imageReference(b.imageClass, opts.registry!, opts.tag!)! }));
        throw new ArkError("ARK_BUNDLE_NO_IMAGE_BUILDER", `The bundle was written to ${outDir} (${built.map((b) => b.imageClass).join(", ")}), but no image was built or pushed: ${err.message} `
          + `Install docker with buildx, podman or buildah and rerun, or push by hand: ${built.map((b) => manualPush(b, imageReference(b.imageClass, opts.registry!, opts.tag!)!)).join(" ; ")}`,
        { details: { ...err.details, written: true, pushed: false, images }, cause: err });
      });
      for (const b of built) {
        const image = imageReference(b.imageClass, opts.registry!, opts.tag!)!;
        progress(`pushing ${image} with ${builder.kind}`);
        pushed[b.imageClass] = await publishImage(builder, {
          dir: b.dir, image, alsoLatest: opts.alsoLatest === true, force: opts.force === true, ...(opts.registryScheme ? { registryScheme: opts.registryScheme } : {}),
        }, progress);
      }
    } catch (err) {
      pushError = err;
    }
  }
  if (opts.json) {
    outJson({
      ok: pushError === null,
      written: true,
      ...(opts.push ? { pushed: pushError === null } : {}),
      classes: built.map((b) => classJson(b, pushed)),
      ...(pushError !== null ? { error: (errorJson(pushError) as { error: unknown }).error } : {}),
    });
    return pushError === null ? 0 : 1;
  }
  for (const b of built) {
    const state = pushed[b.imageClass] ? ` (pushed ${pushed[b.imageClass]!.join(", ")})` : opts.push ? " (written, NOT pushed)" : "";
    out(`${b.imageClass}: plugin set ${b.manifest.plugin_set_hash} → ${b.dir}${state}`);
  }
  if (pushError !== null) {
    printError(pushError, false);
    return 1;
  }
  return 0;
}
