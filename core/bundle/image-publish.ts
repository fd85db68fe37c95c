/**
 * `ark bundle --push`: builds and pushes each class's image with whichever builder the machine has (docker buildx,
 * podman or buildah, in that order), after asking the registry (Docker Registry HTTP API v2) whether the tag exists,
 * so a published tag is never overwritten without --force.
 */
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { ArkError, errorMessage } from "../errors/index.js";

/** An image builder found on PATH. */
export interface ImageBuilder {
  readonly kind: "docker-buildx" | "podman" | "buildah";
  readonly bin: string;
}

/** What to publish for one class. */
export interface PublishRequest {
  readonly dir: string;
  /** `REGISTRY/ark-executor-<class>:<tag>`. */
  readonly image: string;
  readonly alsoLatest: boolean;
  readonly force: boolean;
  /** `http` for a plain registry (localhost ones default to it), else `https`. */
  readonly registryScheme?: "http" | "https";
}

function run(bin: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const full = path.join(dir, name);
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      // not in this folder
    }
  }
  return null;
}

/** The first usable builder, or ARK_BUNDLE_NO_IMAGE_BUILDER naming what was looked for. */
export async function detectImageBuilder(env: NodeJS.ProcessEnv = process.env): Promise<ImageBuilder> {
  const docker = onPath("docker", env);
  if (docker && (await run(docker, ["buildx", "version"], env)).code === 0) return { kind: "docker-buildx", bin: docker };
  const podman = onPath("podman", env);
  if (podman) return { kind: "podman", bin: podman };
  const buildah = onPath("buildah", env);
  if (buildah) return { kind: "buildah", bin: buildah };
  throw new ArkError("ARK_BUNDLE_NO_IMAGE_BUILDER", `No image builder found on PATH: looked for docker (with buildx${docker ? "; docker is there but `docker buildx version` failed" : ""}), podman and buildah.`, {
    details: { looked_for: ["docker buildx", "podman", "buildah"], docker_without_buildx: docker !== null },
  });
}

/** A tag as registries accept it: letters, digits, `_`, `.`, `-`, not starting with `.` or `-`, at most 128. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** A registry host (name or IPv4, optional port; or [IPv6]:port) and optional lower-case repository path. */
const REGISTRY_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** Checks `--tag` (ARK_INVALID_ARGUMENT saying what a tag may hold). */
export function checkTag(tag: string): void {
  if (!TAG.test(tag)) {
    throw new ArkError("ARK_INVALID_ARGUMENT", `--tag ${JSON.stringify(tag)} is not a valid image tag: use letters, digits, "_", "." and "-" (not first), at most 128 characters, e.g. 2026.11.27 or the commit sha.`, { details: { tag } });
  }
}

/** Checks `--registry` (`host[:port][/path]`, no scheme, lower-case path; ARK_INVALID_ARGUMENT otherwise). */
export function checkRegistry(registry: string): void {
  const fail = (why: string): never => {
    throw new ArkError("ARK_INVALID_ARGUMENT", `--registry ${JSON.stringify(registry)} ${why}`, { details: { registry } });
  };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(registry);
  if (scheme) fail(`must not include a scheme: drop "${scheme[0]}" (e.g. --registry ${registry.slice(scheme[0].length).replace(/\/+$/, "") || "registry.example.com/ark"}); use --registry-scheme http for a plain-HTTP registry.`);
  const [host = "", ...rest] = registry.replace(/\/+$/, "").split("/");
  if (!REGISTRY_HOST.test(host)) fail("must start with a registry host name, optionally with :port (e.g. registry.example.com/ark or localhost:5000).");
  const bad = rest.filter((c) => !PATH_COMPONENT.test(c));
  if (bad.length > 0) fail(`has invalid path parts (${bad.map((c) => JSON.stringify(c)).join(", ")}): after the host, use lower-case letters, digits and single ".", "_" or "-" between them, e.g. registry.example.com/team/ark.`);
  if (host.length + rest.join("/").length + 40 > 255) fail("is too long for an image name (255 characters with ark-executor-<class>).");
}

/** Splits `host[:port]/path/name:tag` into the parts the registry API needs. */
export function parseImageReference(image: string): { registry: string; repository: string; tag: string } {
  const match = /^([^/]+)\/(.+):([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(image);
  if (!match) throw new ArkError("ARK_INVALID_ARGUMENT", `Image reference ${JSON.stringify(image)} must look like REGISTRY/NAME:TAG (pass --registry and --tag).`);
  return { registry: match[1]!, repository: match[2]!, tag: match[3]! };
}

/** Whether the registry already has the tag (HEAD /v2/<name>/manifests/<tag>); `unknown` when it will not say. */
export async function registryHasTag(image: string, scheme?: "http" | "https"): Promise<boolean | "unknown"> {
  const { registry, repository, tag } = parseImageReference(image);
  const useScheme = scheme ?? (/^(localhost|127\.0\.0\.1)(:|$)/.test(registry) ? "http" : "https");
  try {
    const res = await fetch(`${useScheme}://${registry}/v2/${repository}/manifests/${tag}`, {
      method: "HEAD",
      headers: { accept: "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json" },
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    return "unknown";
  } catch {
    return "unknown";
  }
}

/** The builder commands that build `dir` and push every tag. */
export function publishCommands(builder: ImageBuilder, dir: string, tags: readonly string[]): string[][] {
  const dockerfile = path.join(dir, "Dockerfile");
  if (builder.kind === "docker-buildx") {
    return [["buildx", "build", "--file", dockerfile, ...tags.flatMap((t) => ["--tag", t]), "--push", dir]];
  }
  const buildVerb = builder.kind === "podman" ? "build" : "bud";
  return [[buildVerb, "--file", dockerfile, ...tags.flatMap((t) => ["--tag", t]), dir], ...tags.map((t) => ["push", t])];
}

/** Builds and pushes one image (and `latest` when asked); refuses an existing tag unless forced. */
export async function publishImage(builder: ImageBuilder, request: PublishRequest, onProgress: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const { registry, repository, tag } = parseImageReference(request.image);
  const exists = await registryHasTag(request.image, request.registryScheme);
  if (exists === true && !request.force) {
    throw new ArkError("ARK_BUNDLE_IMAGE_EXISTS", `${request.image} already exists in the registry; not overwriting it.`, { details: { image: request.image } });
  }
  if (exists === "unknown") onProgress(`  could not ask ${registry} whether ${repository}:${tag} exists (auth or network); pushing anyway`);
  const tags = [request.image, ...(request.alsoLatest && tag !== "latest" ? [`${registry}/${repository}:latest`] : [])];
  for (const args of publishCommands(builder, request.dir, tags)) {
    onProgress(`  ${path.basename(builder.bin)} ${args.join(" ")}`);
    const result = await run(builder.bin, args, env).catch((err: unknown) => ({ code: 1, output: errorMessage(err) }));
    if (result.code !== 0) {
      throw new ArkError("ARK_BUNDLE_PUSH_FAILED", `${path.basename(builder.bin)} ${args[0]} failed with exit code ${result.code}.`, {
        details: { command: [builder.bin, ...args], output: result.output.slice(-4000) },
      });
    }
  }
  return tags;
}
