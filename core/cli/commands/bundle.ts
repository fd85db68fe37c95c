/**
 * `ark bundle`: builds executor bundles per image class for a plugin set, and with --push builds and pushes the
 * images. Every problem with the plugin set is reported before anything is built.
 */
import path from "node:path";
import { buildExecutorBundles, IMAGE_CLASSES, imageReference, type ImageClass } from "../../bundle/build-bundle.js";
import { detectImageBuilder, publishImage } from "../../bundle/image-publish.js";
import { normalisePluginIds, readPluginSetFile, resolvePluginSet } from "../../bundle/plugin-set.js";
import { ArkError } from "../../errors/index.js";
import { out, outJson } from "../output.js";

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
  if (opts.plugins && opts.pluginSet) throw new ArkError("ARK_INVALID_ARGUMENT", "Give either --plugins or --plugin-set, not both.");
  if (!opts.plugins && !opts.pluginSet) throw new ArkError("ARK_INVALID_ARGUMENT", "Say which plugins to bundle: --plugins a,b,c or --plugin-set FILE (a YAML list).");
  return normalisePluginIds(opts.plugins ? opts.plugins.split(",") : readPluginSetFile(opts.pluginSet!));
}

function checkPushOptions(opts: BundleOptions): void {
  if (!opts.push) return;
  if (!opts.registry) throw new ArkError("ARK_INVALID_ARGUMENT", "--push needs --registry (for example --registry registry.example.com/team).");
  if (!opts.tag) throw new ArkError("ARK_INVALID_ARGUMENT", "--push needs --tag (for example --tag 2026.11.27 or a commit sha).");
}

/** Runs `ark bundle`; resolves with the exit code (errors throw and are printed by the CLI). */
export async function bundleCommand(opts: BundleOptions): Promise<number> {
  const classes = IMAGE_CLASSES.filter((c) => (c === "frontier" ? opts.executorFrontier : opts.executorVllm)) as ImageClass[];
  if (classes.length === 0) throw new ArkError("ARK_BUNDLE_CLASS_INVALID", "Choose at least one image class: --executor-frontier and/or --executor-vllm.");
  checkPushOptions(opts);
  const root = path.resolve(opts.root ?? process.cwd());
  const plugins = await resolvePluginSet(pluginIds(opts), root, opts.pluginDir ?? []);
  // Find the builder before spending time on bundles, so "no builder" is said at once.
  const builder = opts.push ? await detectImageBuilder() : null;
  const progress = (line: string): void => {
    if (!opts.json) out(line);
    else process.stderr.write(`${line}\n`);
  };
  const built = await buildExecutorBundles({
    root, outDir: path.resolve(opts.out ?? "dist/executor"), classes, plugins, tag: opts.tag ?? null, registry: opts.registry ?? null,
    ...(opts.baseImage ? { baseImage: opts.baseImage } : {}), baseDigest: opts.baseDigest ?? null,
  }, progress);
  const pushed: Record<string, string[]> = {};
  if (builder) {
    for (const b of built) {
      const image = imageReference(b.imageClass, opts.registry!, opts.tag!)!;
      progress(`pushing ${image} with ${builder.kind}`);
      pushed[b.imageClass] = await publishImage(builder, {
        dir: b.dir, image, alsoLatest: opts.alsoLatest === true, force: opts.force === true, ...(opts.registryScheme ? { registryScheme: opts.registryScheme } : {}),
      }, progress);
    }
  }
  if (opts.json) {
    outJson({
      ok: true,
      classes: built.map((b) => ({
        image_class: b.imageClass, dir: b.dir, bundle_bytes: b.bundleBytes, build_ms: Math.round(b.buildMs), plugin_set_hash: b.manifest.plugin_set_hash,
        image: b.manifest.image, pushed: pushed[b.imageClass] ?? [],
      })),
    });
  } else {
    for (const b of built) out(`${b.imageClass}: plugin set ${b.manifest.plugin_set_hash} → ${b.dir}${pushed[b.imageClass] ? ` (pushed ${pushed[b.imageClass]!.join(", ")})` : ""}`);
  }
  return 0;
}
