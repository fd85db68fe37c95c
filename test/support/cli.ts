import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
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

/** A plugin (file `napper.mjs`) contributing node type `nap`: sleeps `config.ms` (default 20) unless aborted first. */
export const napperPlugin = `import { definePlugin } from ${JSON.stringify(pluginApiUrl)};
export default definePlugin({
  id: "napper", version: "1.0.0", kernel: "^1.0.0",
  register(r) {
    r.nodeType({
      type: "nap",
      async execute(request, signal) {
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, Number(request.node_config.ms ?? 20));
          signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
        });
        return { contract_version: "v1", status: "success", exit_code: 0, output_state: { node_type: "nap" }, routing_state: {}, error: null };
      },
    });
  },
});
`;

/** An endless loop of `nap` nodes sleeping 30 ms each: a run that goes on until it is cancelled. */
export function endlessNapFlow(schemaVersion: 1 | 2): string {
  return `schema_version: ${schemaVersion}
name: Endless naps
settings: { max_node_executions: null }
nodes:
  - { id: start, type: start }
  - { id: nap, type: nap, config: { fan_in_mode: any, ms: 30 } }
connectors:
  - { source: start, target: nap }
  - { source: nap, target: nap }
`;
}

/**
 * Makes `dir` a team's own repository outside ARK's folder: a package.json declaring ES modules and one dependency of
 * its own, `team-words` (exporting `greeting(name)`) in its node_modules, and none of ARK's.
 */
export function teamRepository(dir: string): void {
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  write("package.json", JSON.stringify({ name: "team-plugins", private: true, type: "module" }));
  write("node_modules/team-words/package.json", JSON.stringify({ name: "team-words", version: "1.0.0", type: "module", main: "index.js" }));
  write("node_modules/team-words/index.js", 'export const greeting = (name) => `hello ${name} from team-words`;\n');
}
