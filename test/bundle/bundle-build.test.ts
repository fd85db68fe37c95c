import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readBundleManifest } from "../../core/bundle/bundle-manifest.js";
import { buildExecutorBundles, type BuiltClass } from "../../core/bundle/build-bundle.js";
import { folderSha256, normalisePluginIds, readPluginSetFile, resolvePluginSet } from "../../core/bundle/plugin-set.js";
import { bundlePluginSetHash } from "../../core/bundle/bundle-manifest.js";
import { isArkError } from "../../core/errors/index.js";
import { parseExecutorOutput } from "../../core/execution/executor-markers.js";

const root = path.resolve(import.meta.dirname, "../..");
const fixtures = "test/fixtures/bundle-plugins";
const tmp = (): string => mkdtempSync(path.join(tmpdir(), "ark-bundle-"));

async function buildSet(ids: string[], outDir: string, extra: { baseDigest?: string } = {}): Promise<BuiltClass[]> {
  const plugins = await resolvePluginSet(normalisePluginIds(ids), root, [fixtures]);
  return buildExecutorBundles({ root, outDir, classes: ["frontier"], plugins, tag: "t1", registry: "registry.test:5000/team", ...extra });
}

function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(path.join(dir, f)).toString("base64")]));
}

async function expectArkError(promise: Promise<unknown> | (() => unknown), code: string): Promise<Record<string, unknown>> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (err) {
    expect(isArkError(err) ? err.code : err).toBe(code);
    return isArkError(err) ? err.details : {};
  }
  throw new Error(`expected ${code}`);
}

describe("ark bundle: build", () => {
  let first: BuiltClass[];
  let outA: string;

  beforeAll(async () => {
    outA = tmp();
    first = await buildSet(["bundle-greeting-domain", "bundle-echo-executor"], outA);
  }, 60_000);

  it("writes executor.mjs, Dockerfile and bundle.json per class, with a manifest that describes the set", () => {
    const dir = path.join(outA, "frontier");
    expect(readdirSync(dir).sort()).toEqual(["Dockerfile", "bundle.json", "executor.mjs"]);
    const manifest = readBundleManifest(path.join(dir, "bundle.json"));
    expect(manifest.image_class).toBe("frontier");
    expect(manifest.image).toBe("registry.test:5000/team/ark-executor-frontier:t1");
    expect(manifest.plugins.map((p) => `${p.id}@${p.version}`)).toEqual(["bundle-echo-executor@1.0.0", "bundle-greeting-domain@1.2.0"]);
    expect(manifest.node_types).toEqual(["bundle_echo", "bundle_greet"]);
    expect(manifest.tool_domains).toEqual(["greeting"]);
    expect(manifest.executors).toEqual(["frontier"]);
    expect(manifest.plugin_set_hash).toMatch(/^[0-9a-f]{64}$/);
    const sha = (f: string) => `sha256:${execFileSync("sha256sum", [path.join(dir, f)]).toString().split(" ")[0]}`;
    expect(manifest.files).toEqual({ Dockerfile: sha("Dockerfile"), "executor.mjs": sha("executor.mjs") });
    expect(first[0]!.manifest).toEqual(manifest);
  });

  it("produces byte-identical output for the same inputs, listed in any order", async () => {
    const outB = tmp();
    await buildSet(["bundle-echo-executor", "bundle-greeting-domain"], outB);
    expect(filesOf(path.join(outB, "frontier"))).toEqual(filesOf(path.join(outA, "frontier")));
  }, 60_000);

  it("changes the plugin-set hash when the set or one plugin's code changes", async () => {
    const outC = tmp();
    const [smaller] = await buildSet(["bundle-echo-executor"], outC);
    expect(smaller!.manifest.plugin_set_hash).not.toBe(first[0]!.manifest.plugin_set_hash);
    const plugins = await resolvePluginSet(["bundle-echo-executor"], root, [fixtures]);
    const edited = plugins.map((p) => ({ ...p, sourceSha256: "0".repeat(64) }));
    expect(bundlePluginSetHash("1.0.0", edited)).not.toBe(bundlePluginSetHash("1.0.0", plugins));
    const folder = tmp();
    writeFileSync(path.join(folder, "index.ts"), "export const a = 1;\n");
    const before = folderSha256(folder);
    writeFileSync(path.join(folder, "index.ts"), "export const a = 2;\n");
    expect(folderSha256(folder)).not.toBe(before);
    writeFileSync(path.join(folder, "index.test.ts"), "tests do not count\n");
    expect(folderSha256(folder)).toBe(folderSha256(folder));
  }, 60_000);

  it("writes a Dockerfile with a non-root user, the mounted paths and a digest-pinned base when given", async () => {
    const dockerfile = readFileSync(path.join(outA, "frontier", "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim$/m);
    expect(dockerfile).toContain("not pinned by digest");
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toContain("/ark/payload/payload.json");
    const outD = tmp();
    const digest = "a".repeat(64);
    await buildSet(["bundle-echo-executor"], outD, { baseDigest: `sha256:${digest}` });
    const pinned = readFileSync(path.join(outD, "frontier", "Dockerfile"), "utf8");
    expect(pinned).toMatch(new RegExp(`^FROM node:20-bookworm-slim@sha256:${digest}$`, "m"));
    expect(pinned).not.toContain("not pinned");
  }, 60_000);

  it("runs from the bundle alone and reports its plugin-set hash in the start marker", () => {
    const dir = path.join(outA, "frontier");
    const manifest = readBundleManifest(path.join(dir, "bundle.json"));
    const payload = {
      contract_version: "v1", result_contract_version: "v1", provider: "process", request_id: "req-1",
      node_execution: {
        executor_class: "frontier",
        request: {
          contract_version: "v1", node_id: "n1", node_type: "bundle_echo", node_config: { message: "from the bundle" }, input_context: {},
          execution_id: "1", execution_index: 1, idempotency_key: "run:1:node:n1:execution:1", attempt: 1,
        },
        request_context: { idempotency_key: "run:1:node:n1:execution:1", attempt: 1, flowchart_run_id: "1" },
      },
    };
    const child = spawnSync(process.execPath, [path.join(dir, "executor.mjs"), "--payload-json", JSON.stringify(payload)], {
      cwd: tmp(), encoding: "utf8", env: { PATH: process.env.PATH ?? "" }, timeout: 30_000,
    });
    const parsed = parseExecutorOutput(child.stdout);
    expect(parsed.startInfo?.plugin_set_hash).toBe(manifest.plugin_set_hash);
    expect(parsed.result?.status, child.stderr).toBe("success");
    expect(parsed.result?.output_state.message).toBe("from the bundle");
    expect(child.status).toBe(0);
  });
});

describe("ark bundle: bad plugin sets are refused before building", () => {
  it("reports unknown plugins and kernel-only plugins together", async () => {
    const details = await expectArkError(resolvePluginSet(["no-such-plugin", "bundle-kernel-only", "bundle-echo-executor"], root, [fixtures]), "ARK_BUNDLE_PLUGIN_SET_INVALID");
    const problems = details.problems as { id: string; problem: string }[];
    expect(problems.map((p) => p.id)).toEqual(["no-such-plugin", "bundle-kernel-only"]);
    expect(problems[1]!.problem).toContain("runsInExecutor");
  });

  it("rejects malformed and duplicate ids", async () => {
    const details = await expectArkError(() => normalisePluginIds(["Bad_Id", "a", "a"]), "ARK_BUNDLE_PLUGIN_SET_INVALID");
    expect(details).toEqual({ invalid: ["Bad_Id"], duplicates: ["a"] });
  });

  it("refuses a class no plugin in the set has an executor for", async () => {
    const plugins = await resolvePluginSet(["bundle-greeting-domain"], root, [fixtures]);
    await expectArkError(buildExecutorBundles({ root, outDir: tmp(), classes: ["frontier"], plugins }), "ARK_BUNDLE_CLASS_INVALID");
    const withExecutor = await resolvePluginSet(["bundle-echo-executor"], root, [fixtures]);
    const details = await expectArkError(buildExecutorBundles({ root, outDir: tmp(), classes: ["frontier", "vllm"], plugins: withExecutor }), "ARK_BUNDLE_CLASS_INVALID");
    expect(details.missing).toEqual(["vllm"]);
  });

  it("reads plugin-set files as YAML lists and rejects anything else", async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, "set.yaml"), "- bundle-echo-executor\n- bundle-greeting-domain\n");
    expect(readPluginSetFile(path.join(dir, "set.yaml"))).toEqual(["bundle-echo-executor", "bundle-greeting-domain"]);
    writeFileSync(path.join(dir, "obj.yaml"), "plugins: [bundle-echo-executor]\n");
    expect(readPluginSetFile(path.join(dir, "obj.yaml"))).toEqual(["bundle-echo-executor"]);
    writeFileSync(path.join(dir, "bad.yaml"), "plugins: {a: 1}\n");
    await expectArkError(() => readPluginSetFile(path.join(dir, "bad.yaml")), "ARK_BUNDLE_PLUGIN_SET_INVALID");
    writeFileSync(path.join(dir, "broken.yaml"), "- [unclosed\n");
    await expectArkError(() => readPluginSetFile(path.join(dir, "broken.yaml")), "ARK_BUNDLE_PLUGIN_SET_INVALID");
    await expectArkError(() => readPluginSetFile(path.join(dir, "missing.yaml")), "ARK_BUNDLE_PLUGIN_SET_INVALID");
  });

  it("rejects a bundle.json that is not an ARK manifest", async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, "bundle.json"), JSON.stringify({ schema: "other" }));
    await expectArkError(() => readBundleManifest(path.join(dir, "bundle.json")), "ARK_BUNDLE_MANIFEST_INVALID");
    await expectArkError(() => readBundleManifest(path.join(dir, "nope.json")), "ARK_BUNDLE_MANIFEST_INVALID");
  });
});
