import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { bundleCommand } from "../../core/cli/commands/bundle.js";
import { runArk } from "../support/cli.js";

const repo = path.resolve(import.meta.dirname, "../..");
const fixtures = "test/fixtures/bundle-plugins";
const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), "ark-bundle-cli-"));

describe("ark bundle (CLI)", () => {
  it("builds from a plugin-set file and prints JSON for scripts, progress on stderr", async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, "set.yaml"), "- bundle-echo-executor\n");
    const out = path.join(dir, "out");
    const result = await runArk(["bundle", "--executor-frontier", "--plugin-set", path.join(dir, "set.yaml"), "--plugin-dir", fixtures, "--out", out, "--tag", "v1", "--registry", "reg.test/ark", "--json"], { cwd: repo });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; classes: { image_class: string; image: string; plugin_set_hash: string }[] };
    expect(report.ok).toBe(true);
    expect(report.classes).toHaveLength(1);
    expect(report.classes[0]).toMatchObject({ image_class: "frontier", image: "reg.test/ark/ark-executor-frontier:v1" });
    expect(result.stderr).toContain("bundling frontier executor with bundle-echo-executor");
    const manifest = JSON.parse(readFileSync(path.join(out, "frontier", "bundle.json"), "utf8")) as { plugin_set_hash: string };
    expect(manifest.plugin_set_hash).toBe(report.classes[0]!.plugin_set_hash);
  }, 60_000);

  it("fails before building when no builder exists for --push, and says so", async () => {
    const dir = tmp();
    const out = path.join(dir, "out");
    const savedPath = process.env.PATH;
    process.env.PATH = path.join(dir, "empty-bin");
    try {
      await expect(bundleCommand({ executorFrontier: true, plugins: "bundle-echo-executor", pluginDir: [fixtures], root: repo, out, tag: "v1", registry: "127.0.0.1:1/ark", push: true }))
        .rejects.toMatchObject({ code: "ARK_BUNDLE_NO_IMAGE_BUILDER", message: expect.stringMatching(/docker.*podman.*buildah/) });
    } finally {
      process.env.PATH = savedPath;
    }
    expect(existsSync(out)).toBe(false);
  });

  it("rejects bad flag combinations with a clear message", async () => {
    const base = { root: repo, pluginDir: [fixtures] };
    await expect(bundleCommand({ ...base, plugins: "bundle-echo-executor" })).rejects.toMatchObject({ code: "ARK_BUNDLE_CLASS_INVALID" });
    await expect(bundleCommand({ ...base, executorFrontier: true, plugins: "a", pluginSet: "x.yaml" })).rejects.toThrow(/either --plugins or --plugin-set/);
    await expect(bundleCommand({ ...base, executorFrontier: true })).rejects.toThrow(/--plugins a,b,c or --plugin-set/);
    await expect(bundleCommand({ ...base, executorFrontier: true, plugins: "a", push: true, tag: "v1" })).rejects.toThrow(/--push needs --registry/);
    await expect(bundleCommand({ ...base, executorFrontier: true, plugins: "a", push: true, registry: "r.test/x" })).rejects.toThrow(/--push needs --tag/);
  });
});
