import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectImageBuilder, parseImageReference, publishImage, registryHasTag } from "../../core/bundle/image-publish.js";
import { isArkError } from "../../core/errors/index.js";

// No container engine runs here: the builders are stand-in executables on PATH that record their argv (and can fail),
// and the registry is a local HTTP server answering the Registry v2 manifest HEAD the way a real one does.
const tmp = (): string => mkdtempSync(path.join(tmpdir(), "ark-publish-"));

function fakeBuilder(dir: string, name: string, opts: { failOn?: string; buildxBroken?: boolean } = {}): string {
  const log = path.join(dir, `${name}.log`);
  const script = [
    "#!/bin/sh",
    `echo "$*" >> ${log}`,
    opts.buildxBroken ? 'if [ "$1 $2" = "buildx version" ]; then exit 1; fi' : "",
    opts.failOn ? `case "$1" in ${opts.failOn}) echo "denied: requested access to the resource is denied" >&2; exit 3;; esac` : "",
    "exit 0",
  ].join("\n");
  writeFileSync(path.join(dir, name), script);
  chmodSync(path.join(dir, name), 0o755);
  return log;
}

const calls = (log: string): string[] => readFileSync(log, "utf8").trim().split("\n");

describe("ark bundle --push", () => {
  let registry: Server;
  let host: string;
  const existing = new Set(["team/ark-executor-frontier:v1"]);

  beforeAll(async () => {
    registry = createServer((req, res) => {
      const m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(req.url ?? "");
      if (req.method !== "HEAD" || !m) return void res.writeHead(400).end();
      if (m[1] === "private/ark-executor-frontier") return void res.writeHead(401).end();
      res.writeHead(existing.has(`${m[1]}:${m[2]}`) ? 200 : 404).end();
    });
    await new Promise<void>((resolve) => registry.listen(0, "127.0.0.1", resolve));
    host = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => registry.close(() => resolve())));

  it("says clearly when no builder is installed", async () => {
    try {
      await detectImageBuilder({ PATH: tmp() });
      throw new Error("expected no builder");
    } catch (err) {
      expect(isArkError(err, "ARK_BUNDLE_NO_IMAGE_BUILDER")).toBe(true);
      expect((err as Error).message).toContain("podman");
    }
  });

  it("prefers docker buildx, falls back to podman when buildx is broken, then buildah", async () => {
    const dir = tmp();
    fakeBuilder(dir, "buildah");
    expect((await detectImageBuilder({ PATH: dir })).kind).toBe("buildah");
    fakeBuilder(dir, "podman");
    expect((await detectImageBuilder({ PATH: dir })).kind).toBe("podman");
    fakeBuilder(dir, "docker", { buildxBroken: true });
    expect((await detectImageBuilder({ PATH: dir })).kind).toBe("podman");
    fakeBuilder(dir, "docker");
    expect((await detectImageBuilder({ PATH: dir })).kind).toBe("docker-buildx");
  });

  it("asks the registry whether a tag exists", async () => {
    expect(await registryHasTag(`${host}/team/ark-executor-frontier:v1`)).toBe(true);
    expect(await registryHasTag(`${host}/team/ark-executor-frontier:v2`)).toBe(false);
    expect(await registryHasTag(`${host}/private/ark-executor-frontier:v1`)).toBe("unknown");
    expect(() => parseImageReference("no-registry:tag")).toThrow(/REGISTRY\/NAME:TAG/);
  });

  it("builds and pushes a new tag with docker buildx, plus latest only when asked", async () => {
    const dir = tmp();
    const log = fakeBuilder(dir, "docker");
    const env = { PATH: dir };
    const builder = await detectImageBuilder(env);
    const tags = await publishImage(builder, { dir: "/out/frontier", image: `${host}/team/ark-executor-frontier:v2`, alsoLatest: false, force: false }, () => {}, env);
    expect(tags).toEqual([`${host}/team/ark-executor-frontier:v2`]);
    expect(calls(log).at(-1)).toBe(`buildx build --file /out/frontier/Dockerfile --tag ${host}/team/ark-executor-frontier:v2 --push /out/frontier`);
    await publishImage(builder, { dir: "/out/frontier", image: `${host}/team/ark-executor-frontier:v3`, alsoLatest: true, force: false }, () => {}, env);
    expect(calls(log).at(-1)).toContain(`--tag ${host}/team/ark-executor-frontier:v3 --tag ${host}/team/ark-executor-frontier:latest --push`);
  });

  it("never overwrites an existing tag without --force", async () => {
    const dir = tmp();
    const log = fakeBuilder(dir, "podman");
    const env = { PATH: dir };
    const builder = await detectImageBuilder(env);
    const request = { dir: "/out/frontier", image: `${host}/team/ark-executor-frontier:v1`, alsoLatest: false, force: false };
    await expect(publishImage(builder, request, () => {}, env)).rejects.toMatchObject({ code: "ARK_BUNDLE_IMAGE_EXISTS" });
    await publishImage(builder, { ...request, force: true }, () => {}, env);
    expect(calls(log)).toEqual([
      `build --file /out/frontier/Dockerfile --tag ${host}/team/ark-executor-frontier:v1 /out/frontier`,
      `push ${host}/team/ark-executor-frontier:v1`,
    ]);
  });

  it("reports a failed push with the builder's output", async () => {
    const dir = tmp();
    fakeBuilder(dir, "buildah", { failOn: "push" });
    const env = { PATH: dir };
    const builder = await detectImageBuilder(env);
    const failure = publishImage(builder, { dir: "/out/vllm", image: `${host}/team/ark-executor-vllm:v9`, alsoLatest: false, force: false }, () => {}, env);
    await expect(failure).rejects.toMatchObject({ code: "ARK_BUNDLE_PUSH_FAILED", details: { output: expect.stringContaining("denied") } });
  });
});
