/**
 * A team keeps its plugin in its own repository, outside ARK's folder, with no node_modules of ARK's dependencies.
 * The kernel loads it the way `ark bundle` does (test/cli/bundle-command.test.ts): ARK's dependencies imported by bare
 * name resolve from ARK's folder, the plugin's own first from its folder. A package nobody has, and a folder whose
 * files load as CommonJS, fail with ARK_PLUGIN_LOAD_FAILED saying what to do.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { pluginApiUrl, runArk, teamRepository } from "../support/cli.js";

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), "ark-outside-plugin-"));
const write = (file: string, text: string): void => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
};
const configWith = (from: string): string => `kernel:\n  logLevel: warn\nstore:\n  dataDir: memory://\nplugins:\n  - from: ${from}\n`;

type ErrorJson = { ok: boolean; error: { code: string; message: string; details: { issues: { code: string; message: string }[] } } };

describe("a plugin outside ARK's folder, loaded by the kernel", () => {
  let team: string;
  beforeAll(() => {
    team = tmp();
    teamRepository(team);
    write(path.join(team, "plugins/team-check/index.ts"), `import "reflect-metadata";
import { container } from "tsyringe";
import { Ajv } from "ajv";
import { definePlugin } from ${JSON.stringify(pluginApiUrl)};
import { greeting } from "team-words";

const valid = new Ajv().compile({ type: "object", required: ["name"], properties: { name: { type: "string" } } });

export default definePlugin({
  id: "team-check", version: "1.0.0", kernel: "^1.0.0",
  register(r) {
    r.nodeType({
      type: "team_check",
      async execute(request: { node_config: Record<string, unknown> }) {
        return {
          contract_version: "v1" as const, status: "success" as const, exit_code: 0, routing_state: {}, error: null,
          output_state: { node_type: "team_check", valid: valid(request.node_config), text: greeting(String(request.node_config.name)), di: typeof container.resolve },
        };
      },
    });
  },
});
`);
    write(path.join(team, "runtime.config.yaml"), configWith("./plugins/team-check"));
    write(path.join(team, "check.yaml"), `schema_version: 1
name: Team check
nodes:
  - { id: start, type: start }
  - { id: check, type: team_check, config: { name: ci } }
  - { id: end, type: end }
connectors:
  - { source: start, target: check }
  - { source: check, target: end }
`);
  });

  it("is listed by `ark plugins` with its node type, and imports ARK's dependencies by bare name", async () => {
    const result = await runArk(["plugins", "--json", "--config", path.join(team, "runtime.config.yaml")], { cwd: tmp() });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as { plugins: { id: string; contributions: Record<string, string[]> }[] };
    expect(json.plugins).toContainEqual(expect.objectContaining({ id: "team-check", contributions: { nodeType: ["team_check"] } }));
  }, 60_000);

  it("runs its node type in `ark run`", async () => {
    const result = await runArk(["run", path.join(team, "check.yaml"), "--config", path.join(team, "runtime.config.yaml"), "--json"], { cwd: tmp() });
    const lines = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.at(-1), result.stderr).toMatchObject({ kind: "run_summary", ok: true, status: "completed" });
    const done = lines.find((l) => l.event_type === "flowchart:node:updated" && (l.payload as { flowchart_node_id?: string; status?: string }).flowchart_node_id === "check"
      && (l.payload as { status?: string }).status === "succeeded");
    expect((done?.payload as { output_state?: unknown } | undefined)?.output_state).toEqual({ node_type: "team_check", valid: true, text: "hello ci from team-words", di: "function" });
    expect(result.code).toBe(0);
  }, 90_000);

  it("names a package neither the plugin's folder nor ARK has, and says to install it in the plugin's folder", async () => {
    write(path.join(team, "plugins/needy/index.ts"), `import { words } from "ark-test-package-nobody-has/words";
import { definePlugin } from ${JSON.stringify(pluginApiUrl)};
export default definePlugin({ id: "needy", version: "1.0.0", kernel: "^1.0.0", register() { void words; } });
`);
    write(path.join(team, "needy.config.yaml"), configWith("./plugins/needy"));
    const result = await runArk(["plugins", "--json", "--config", path.join(team, "needy.config.yaml")], { cwd: tmp() });
    expect(result.code).toBe(1);
    const { error } = JSON.parse(result.stdout) as ErrorJson;
    expect(error.code).toBe("ARK_PLUGIN_LOAD_FAILED");
    expect(error.details.issues).toHaveLength(1);
    expect(error.details.issues[0]!.code).toBe("ARK_PLUGIN_LOAD_FAILED");
    expect(error.details.issues[0]!.message).toContain("package ark-test-package-nobody-has is installed neither in the plugin's folder nor in ARK: install it in the plugin's folder");
    expect(error.details.issues[0]!.message).toContain(`cd ${team} && npm install ark-test-package-nobody-has`);
  }, 60_000);

  it("says to add a package.json with \"type\": \"module\" when the plugin's folder has none", async () => {
    const loose = tmp();
    write(path.join(loose, "plain/index.ts"), `import { definePlugin } from ${JSON.stringify(pluginApiUrl)};\nexport default definePlugin({ id: "plain", version: "1.0.0", kernel: "^1.0.0" });\n`);
    write(path.join(loose, "runtime.config.yaml"), configWith("./plain"));
    const result = await runArk(["plugins", "--json", "--config", path.join(loose, "runtime.config.yaml")], { cwd: tmp() });
    expect(result.code).toBe(1);
    const { error } = JSON.parse(result.stdout) as ErrorJson;
    expect(error.code).toBe("ARK_PLUGIN_LOAD_FAILED");
    expect(error.details.issues[0]!.message).toContain(`no package.json with "type": "module" above ${path.join(loose, "plain")}, so its files may load as CommonJS: add one there with {"type": "module"}`);
  }, 60_000);
});
