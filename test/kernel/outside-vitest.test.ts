import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const probe = path.resolve(import.meta.dirname, "../fixtures/di-probe.ts");
const expected = { results: ["hello probe (kernel 1.0.0)"], order: ["probe-provider", "probe-consumer"], state: "stopped" };

// vitest emits decorator metadata and tsx/esbuild do not, so DI must be proven where production runs.
describe("the kernel outside vitest", () => {
  it("boots and resolves services under tsx", async () => {
    const tsx = path.resolve("node_modules/.bin/tsx");
    const { stdout } = await run(tsx, [probe], { timeout: 60_000 });
    expect(JSON.parse(stdout.trim())).toEqual(expected);
  });

  it("boots and resolves services from an esbuild bundle run by node", async () => {
    // Inside the project so the bundle's externals (pg, PGlite) resolve from node_modules as in a real deployment.
    mkdirSync(path.resolve(".ark"), { recursive: true });
    const outfile = path.join(mkdtempSync(path.resolve(".ark/test-bundle-")), "probe.mjs");
    await build({
      entryPoints: [probe],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile,
      external: ["@electric-sql/pglite", "pg"],
      banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
      logLevel: "silent",
    });
    const { stdout } = await run(process.execPath, [outfile], { timeout: 60_000, cwd: path.resolve(".") });
    expect(JSON.parse(stdout.trim())).toEqual(expected);
  });
});
