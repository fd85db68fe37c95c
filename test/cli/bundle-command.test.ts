import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bundleCommand } from "../../core/cli/commands/bundle.js";
import { parseExecutorOutput } from "../../core/execution/executor-markers.js";
import { pluginApiUrl, runArk, teamRepository } from "../support/cli.js";

const repo = path.resolve(import.meta.dirname, "../..");
const fixtures = "test/fixtures/bundle-plugins";
const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), "ark-bundle-cli-"));
const write = (file: string, text: string): void => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
};

/** Runs a built executor.mjs on one node the way the process dispatcher does, and returns its parsed output. */
function runExecutor(bundleDir: string, nodeType: string, nodeConfig: Record<string, unknown>) {
  const payload = {
    contract_version: "v1", result_contract_version: "v1", provider: "process", request_id: "req-1",
    node_execution: {
      executor_class: "frontier",
      request: {
        contract_version: "v1", node_id: "n1", node_type: nodeType, node_config: nodeConfig, input_context: {},
        execution_id: "1", execution_index: 1, idempotency_key: "run:1:node:n1:execution:1", attempt: 1,
      },
      request_context: { idempotency_key: "run:1:node:n1:execution:1", attempt: 1, flowchart_run_id: "1" },
    },
  };
  const child = spawnSync(process.execPath, [path.join(bundleDir, "executor.mjs"), "--payload-json", JSON.stringify(payload)], {
    cwd: tmp(), encoding: "utf8", env: { PATH: process.env.PATH ?? "" }, timeout: 30_000,
  });
  return { ...parseExecutorOutput(child.stdout), status: child.status, stderr: child.stderr };
}

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

  it("rejects bad flag combinations with a clear message", async () => {
    const base = { root: repo, pluginDir: [fixtures] };
    await expect(bundleCommand({ ...base, plugins: "bundle-echo-executor" })).rejects.toMatchObject({ code: "ARK_BUNDLE_CLASS_INVALID" });
    await expect(bundleCommand({ ...base, executorFrontier: true, plugins: "a", pluginSet: "x.yaml" })).rejects.toThrow(/either --plugins or --plugin-set/);
    await expect(bundleCommand({ ...base, executorFrontier: true })).rejects.toThrow(/--plugins a,b,c or --plugin-set/);
    await expect(bundleCommand({ ...base, executorFrontier: true, plugins: "a", push: true, tag: "v1" })).rejects.toThrow(/--push needs --registry/);
    await expect(bundleCommand({ ...base, executorFrontier: true, plugins: "a", push: true, registry: "r.test/x" })).rejects.toThrow(/--push needs --tag/);
  });
});

/**
 * A team keeps its plugin in its own repository, outside ARK's folder, and runs `ark bundle` from there. The plugin
 * imports ARK's plugin API by path, ARK's own dependencies by name (its repository has no copy of them) and a
 * dependency of its own from its own node_modules.
 */
describe("ark bundle: a plugin outside ARK's folder, run from outside it", () => {
  let team: string;
  beforeAll(() => {
    team = tmp();
    teamRepository(team);
    write(path.join(team, "plugins/team-greeter/index.ts"), `import "reflect-metadata";
import { container } from "tsyringe";
import { definePlugin } from ${JSON.stringify(pluginApiUrl)};
import { greeting } from "team-words";

export default definePlugin({
  id: "team-greeter", version: "1.0.0", kernel: "^1.0.0", runsInExecutor: true,
  register(r) {
    const execute = async (request: { node_config: Record<string, unknown> }) => ({
      contract_version: "v1" as const, status: "success" as const, routing_state: {},
      output_state: { text: greeting(String(request.node_config.name)), di: typeof container.resolve, metadata: typeof Reflect.getMetadata },
    });
    r.executor({ id: "frontier", imageClass: "frontier", execute });
    r.nodeType({ type: "team_greet", execute });
  },
});
`);
  });

  it("resolves ARK's dependencies from ARK and the plugin's from its folder, and the bundle runs", async () => {
    const out = path.join(tmp(), "executor");
    // cwd is the team's repository: its plugins/ is searched; --config points at ARK's config from outside.
    const result = await runArk(["--config", path.join(repo, "runtime.config.yaml"), "bundle", "--executor-frontier", "--plugins", "team-greeter", "--out", out, "--json"], { cwd: team });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; classes: { dir: string }[] };
    expect(report.classes[0]!.dir).toBe(path.join(out, "frontier"));
    expect(readdirSync(path.join(out, "frontier")).sort()).toEqual(["Dockerfile", "bundle.json", "executor.mjs"]);
    const ran = runExecutor(path.join(out, "frontier"), "team_greet", { name: "ci" });
    expect(ran.result?.status, ran.stderr).toBe("success");
    expect(ran.result?.output_state).toEqual({ text: "hello ci from team-words", di: "function", metadata: "function" });
    expect(ran.status).toBe(0);
  }, 60_000);

  it("names a plugin outside ARK that fails to load, with file:line, and writes nothing", async () => {
    const bad = tmp();
    write(path.join(bad, "package.json"), JSON.stringify({ type: "module" }));
    write(path.join(bad, "broken-tool/index.ts"), `import { definePlugin } from ${JSON.stringify(pluginApiUrl)};\nexport default definePlugin({ id: "broken-tool", version: "1.0.0", kernel: "^1.0.0", runsInExecutor: true,\n  register(r) { const x = ; } });\n`);
    const out = path.join(tmp(), "out");
    const result = await runArk(["bundle", "--executor-frontier", "--plugins", "executor-frontier,broken-tool", "--plugin-dir", bad, "--out", out, "--json"], { cwd: repo });
    expect(result.code).toBe(1);
    const error = (JSON.parse(result.stdout) as { error: { code: string; message: string; details: { problems: { id: string; location: string }[] } } }).error;
    expect(error.code).toBe("ARK_BUNDLE_PLUGIN_SET_INVALID");
    expect(error.message).toContain("broken-tool");
    expect(error.message).not.toContain("unknown plugin");
    expect(error.details.problems).toEqual([expect.objectContaining({ id: "broken-tool", location: `${path.join(bad, "broken-tool/index.ts")}:3:26` })]);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it("names the plugin and file:line when esbuild fails, and leaves no partial bundle", async () => {
    const bad = tmp();
    write(path.join(bad, "package.json"), JSON.stringify({ type: "module" }));
    write(path.join(bad, "lazy-tool/index.ts"), `import { definePlugin } from ${JSON.stringify(pluginApiUrl)};\nexport default definePlugin({ id: "lazy-tool", version: "1.0.0", kernel: "^1.0.0", runsInExecutor: true,\n  register(r) { r.nodeType({ type: "lazy", execute: async () => (await import("./lazy.js")).run() }); } });\n`);
    write(path.join(bad, "lazy-tool/lazy.ts"), "export function run() {\n  return {{ broken;\n}\n");
    const parent = tmp();
    const out = path.join(parent, "out");
    const result = await runArk(["bundle", "--executor-frontier", "--plugins", "executor-frontier,lazy-tool", "--plugin-dir", bad, "--out", out], { cwd: repo });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error [ARK_BUNDLE_BUILD_FAILED]: Cannot bundle the executor: plugin lazy-tool, ${path.join(bad, "lazy-tool/lazy.ts")}:2:11:`);
    expect(readdirSync(parent)).toEqual([]);
    // An earlier bundle in --out stays as it was.
    const previous = path.join(tmp(), "out");
    write(path.join(previous, "frontier/bundle.json"), "{}\n");
    const again = await runArk(["bundle", "--executor-frontier", "--plugins", "executor-frontier,lazy-tool", "--plugin-dir", bad, "--out", previous], { cwd: repo });
    expect(again.code).toBe(1);
    expect(readdirSync(previous)).toEqual(["frontier"]);
    expect(readdirSync(path.join(previous, "frontier"))).toEqual(["bundle.json"]);
  }, 60_000);
});

describe("ark bundle --push without an image builder", () => {
  it("writes the bundle, then fails the push with ARK_BUNDLE_NO_IMAGE_BUILDER and says how to push by hand", async () => {
    const dir = tmp();
    const out = path.join(dir, "out");
    const env = { PATH: path.join(dir, "empty-bin") };
    const args = ["bundle", "--executor-frontier", "--plugins", "bundle-echo-executor", "--plugin-dir", fixtures, "--out", out, "--tag", "v1", "--registry", "reg.test/ark", "--push"];
    const result = await runArk([...args, "--json"], { cwd: repo, env });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; written: boolean; pushed: boolean; classes: { dir: string; pushed: string[] }[]; error: { code: string; message: string; details: { written: boolean; pushed: boolean } } };
    expect(report).toMatchObject({ ok: false, written: true, pushed: false, classes: [{ dir: path.join(out, "frontier"), pushed: [] }] });
    expect(report.error).toMatchObject({ code: "ARK_BUNDLE_NO_IMAGE_BUILDER", details: { written: true, pushed: false } });
    expect(report.error.message).toMatch(/docker.*podman.*buildah/);
    expect(report.error.message).toContain(`docker buildx build --file ${path.join(out, "frontier", "Dockerfile")} --tag reg.test/ark/ark-executor-frontier:v1 --push`);
    expect(readdirSync(path.join(out, "frontier")).sort()).toEqual(["Dockerfile", "bundle.json", "executor.mjs"]);

    const text = await runArk(args, { cwd: repo, env });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("(written, NOT pushed)");
    expect(text.stdout).not.toMatch(/pushed reg\.test/);
    expect(text.stderr).toContain("error [ARK_BUNDLE_NO_IMAGE_BUILDER]: The bundle was written to");
  }, 60_000);
});

describe("ark bundle: bad input as a CI pipeline hits it", () => {
  let dir: string;
  beforeAll(() => {
    dir = tmp();
    write(path.join(dir, "broken.yaml"), "- [unclosed\n");
    write(path.join(dir, "numbers.yaml"), "- bundle-echo-executor\n- 42\n");
    write(path.join(dir, "empty.yaml"), "[]\n");
    write(path.join(dir, "a-file"), "not a folder\n");
    write(path.join(dir, "busy/frontier/notes.txt"), "someone's data\n");
  });
  const bundle = (...args: string[]) =>
    runArk(["bundle", "--executor-frontier", "--plugin-dir", fixtures, "--json", ...(args.includes("--out") ? [] : ["--out", path.join(dir, "never")]), ...args], { cwd: repo });
  const cases: [string, string[], string, RegExp][] = [
    ["unknown plugin id", ["--plugins", "bundle-echo-executor,no-such-plugin"], "ARK_BUNDLE_PLUGIN_SET_INVALID", /no-such-plugin: unknown plugin/],
    ["empty --plugins", ["--plugins", ""], "ARK_BUNDLE_PLUGIN_SET_INVALID", /No plugin ids given/],
    ["--plugins ,,,", ["--plugins", ",,,"], "ARK_BUNDLE_PLUGIN_SET_INVALID", /No plugin ids given/],
    ["malformed plugin-set YAML", ["--plugin-set", "BROKEN"], "ARK_BUNDLE_PLUGIN_SET_INVALID", /is not valid YAML/],
    ["plugin-set entries that are not ids", ["--plugin-set", "NUMBERS"], "ARK_BUNDLE_PLUGIN_SET_INVALID", /item 2 \(42\)/],
    ["empty plugin-set list", ["--plugin-set", "EMPTY"], "ARK_BUNDLE_PLUGIN_SET_INVALID", /No plugin ids given/],
    ["missing plugin-set file", ["--plugin-set", "MISSING"], "ARK_BUNDLE_PLUGIN_SET_INVALID", /There is no plugin-set file/],
    ["plugin-set is a directory", ["--plugin-set", "DIR"], "ARK_BUNDLE_PLUGIN_SET_INVALID", /is a directory, not a plugin-set file/],
    ["--tag with invalid characters", ["--plugins", "bundle-echo-executor", "--tag", "v1:latest"], "ARK_INVALID_ARGUMENT", /--tag "v1:latest" is not a valid image tag/],
    ["--registry with a scheme", ["--plugins", "bundle-echo-executor", "--registry", "https://reg.test/ark"], "ARK_INVALID_ARGUMENT", /must not include a scheme/],
    ["--registry with upper case", ["--plugins", "bundle-echo-executor", "--registry", "reg.test/Team"], "ARK_INVALID_ARGUMENT", /invalid path parts \("Team"\)/],
    ["--out is a file", ["--plugins", "bundle-echo-executor", "--out", "A_FILE"], "ARK_BUNDLE_OUT_INVALID", /is a file, not a folder/],
    ["--out class folder holds other files", ["--plugins", "bundle-echo-executor", "--out", "BUSY"], "ARK_BUNDLE_OUT_INVALID", /holds files ark bundle did not write \(notes\.txt\)/],
  ];
  it.each(cases)("%s: stable code, exit 1, nothing written", async (_name, rawArgs, code, message) => {
    const places: Record<string, string> = { BROKEN: "broken.yaml", NUMBERS: "numbers.yaml", EMPTY: "empty.yaml", MISSING: "missing.yaml", DIR: ".", A_FILE: "a-file", BUSY: "busy" };
    const args = rawArgs.map((a) => (places[a] ? path.join(dir, places[a]) : a));
    const result = await bundle(...args);
    expect(result.code, result.stderr).toBe(1);
    const error = (JSON.parse(result.stdout) as { ok: boolean; error: { code: string; message: string } }).error;
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(existsSync(path.join(dir, "never"))).toBe(false);
    expect(readdirSync(path.join(dir, "busy/frontier"))).toEqual(["notes.txt"]);
  }, 30_000);
});
