import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pluginNewToolDomain } from "../../core/cli/commands/plugin-new.js";
import { isArkError } from "../../core/errors/index.js";
import { runArk } from "../support/cli.js";

const repo = path.resolve(import.meta.dirname, "../..");
// Inside the checkout (so `vitest` and the core resolve) but under the git-ignored .ark/ folder.
const scratch = path.join(repo, ".ark", "generated");
mkdirSync(scratch, { recursive: true });
const dir = mkdtempSync(path.join(scratch, "t-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function vitest(config: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repo, "node_modules/vitest/vitest.mjs"), "run", "--config", config, "--root", repo],
      { cwd: repo, timeout: 240_000, env: { ...process.env, NO_COLOR: "1" } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, output: `${stdout}${stderr}` }));
  });
}

describe("ark plugin new tool-domain", () => {
  it("generates a plugin whose own tests and the conformance suite pass unchanged", async () => {
    const folder = pluginNewToolDomain("ticket_queue", { dir, json: true });
    expect(readdirSync(folder).sort()).toEqual(["README.md", "conformance.test.ts", "index.ts", "ticket-queue-domain.test.ts", "ticket-queue-domain.ts"]);
    const config = path.join(dir, "vitest.generated.config.mjs");
    writeFileSync(config, `export default { test: { include: [${JSON.stringify(`${path.relative(repo, folder)}/**/*.test.ts`)}], setupFiles: ["./test/setup.ts"], pool: "forks", testTimeout: 60000, hookTimeout: 120000 } };\n`);
    const raw = await vitest(config);
    // eslint-disable-next-line no-control-regex
    const run = { ...raw, output: raw.output.replace(/\u001b\[[0-9;]*m/g, "") };
    expect(run.output).toMatch(/Test Files\s+2 passed/);
    expect(run.output).toMatch(/Tests\s+\d+ passed/);
    expect(run.code, run.output.slice(-3000)).toBe(0);
  }, 300_000);

  it("generates a plugin that loads outside ARK's repository too, with a package.json declaring ES modules", async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), "ark-team-plugins-"));
    try {
      const folder = pluginNewToolDomain("weather", { dir: outside, json: true });
      expect(JSON.parse(readFileSync(path.join(folder, "package.json"), "utf8"))).toMatchObject({ type: "module", private: true });
      writeFileSync(path.join(outside, "runtime.config.yaml"), 'store:\n  dataDir: "memory://"\nplugins:\n  - from: ./tools-weather\n');
      const listed = await runArk(["plugins", "--json"], { cwd: outside });
      expect(listed.code, listed.stdout + listed.stderr).toBe(0);
      expect(JSON.parse(listed.stdout).plugins).toContainEqual(expect.objectContaining({ id: "tools-weather", status: "enabled", contributions: { toolDomain: ["weather"], nodeType: ["weather"] } }));
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  }, 120_000);

  it("refuses bad names and existing folders", () => {
    for (const bad of ["Weather", "9lives", "a b", "../escape", ""]) {
      expect(() => pluginNewToolDomain(bad, { dir, json: true })).toThrow(expect.objectContaining({ code: "ARK_INVALID_ARGUMENT" }));
    }
    pluginNewToolDomain("twice", { dir, json: true });
    try {
      pluginNewToolDomain("twice", { dir, json: true });
      throw new Error("expected a refusal");
    } catch (err) {
      expect(isArkError(err, "ARK_INVALID_ARGUMENT") && err.message).toContain("already exists");
    }
    expect(existsSync(path.join(dir, "tools-twice", "index.ts"))).toBe(true);
  });

  it("says which path it cannot create and what to do, instead of crashing", () => {
    const refusal = (name: string, options: { dir: string }): string => {
      try {
        pluginNewToolDomain(name, { ...options, json: true });
      } catch (err) {
        if (isArkError(err, "ARK_INVALID_ARGUMENT")) return err.message;
        throw err;
      }
      throw new Error("expected a refusal");
    };
    const file = path.join(dir, "a-file");
    writeFileSync(file, "");
    expect(refusal("x", { dir: file })).toBe(`Cannot create the plugin in ${file}/tools-x: part of that path is a file, not a folder. Give --dir a folder, or a path where one can be created.`);
    expect(refusal("x", { dir: path.join(file, "sub") })).toContain("part of that path is a file, not a folder.");
    const tooLong = "a".repeat(300);
    expect(refusal(tooLong, { dir })).toBe(`Cannot create the plugin in ${dir}/tools-${tooLong}: a name on that path is too long for the file system. Choose a shorter NAME (or --dir).`);
    // The folder name fits, one of its files does not: nothing is left behind, so a retry is not "already exists".
    const folderFits = "b".repeat(245);
    expect(refusal(folderFits, { dir })).toContain("too long for the file system");
    expect(existsSync(path.join(dir, `tools-${folderFits}`))).toBe(false);
  });

  // In a child process: the failure this guards against is Node's recursive mkdir spinning forever, synchronously.
  it.skipIf(!existsSync("/proc/self"))("refuses a --dir where mkdir answers ENOENT under an existing parent, without looping (/proc)", async () => {
    const result = await runArk(["plugin", "new", "tool-domain", "x", "--dir", "/proc/self", "--json"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: "ARK_INVALID_ARGUMENT", details: { folder: "/proc/self/tools-x", errno: "ENOENT" } });
  }, 120_000);
});
