import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const repo = path.resolve(import.meta.dirname, "../..");
/** The `ark` launcher, run the way `npx ark` runs it. */
export const arkBin = path.join(repo, "bin/ark.js");
/** Import specifier of the plugin API for plugin files written by tests. */
export const pluginApiUrl = pathToFileURL(path.join(repo, "core/plugin-api/index.ts")).href;

/** Result of one CLI run. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `ark ...args` in `cwd` and resolves with its exit code and output (never rejects on a non-zero exit). */
export function runArk(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [arkBin, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `ark ...args` as a long-running child. */
export function spawnArk(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): ChildProcess {
  return spawn(process.execPath, [arkBin, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
}

/** A temp project folder with the given files (relative path → content). */
export function tempProject(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ark-cli-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

/** Source of a small plugin module with a config schema, for CLI tests. */
export function pluginModule(id: string, configSchema: object, extra = ""): string {
  return `import { definePlugin } from ${JSON.stringify(pluginApiUrl)};
export default definePlugin({ id: ${JSON.stringify(id)}, version: "1.2.3", kernel: "^1.0.0", configSchema: ${JSON.stringify(configSchema)}, ${extra} });\n`;
}
