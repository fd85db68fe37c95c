import { describe, expect, it } from "vitest";
import { pluginModule, runArk, tempProject } from "../support/cli.js";

const k8sSchema = {
  type: "object",
  required: ["namespace"],
  properties: { namespace: { type: "string" }, token: { type: "string", "x-ark-secret": true }, replicas: { type: "integer", default: 2 } },
};

describe("ark config", () => {
  it("validate lists three independent mistakes with file:line:col and path, and exits 1", async () => {
    const cwd = tempProject({
      "k8s.mjs": pluginModule("k8s", k8sSchema),
      "runtime.config.yaml": [
        "kernel:",
        "  pluginTimeoutMs: soon", // wrong type (line 2)
        "  logLevl: info", // unknown key, close to logLevel (line 3)
        "plugins:",
        "  - from: ./k8s.mjs",
        "    config:", // missing required namespace (line 6)
        "      replicas: 3",
        "",
      ].join("\n"),
    });
    const result = await runArk(["config", "validate"], { cwd });
    expect(result.code).toBe(1);
    const lines = result.stdout.split("\n").filter((l) => l.startsWith("runtime.config.yaml:"));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^runtime\.config\.yaml:2:\d+ kernel\.pluginTimeoutMs: must be integer/);
    expect(lines[1]).toMatch(/^runtime\.config\.yaml:3:\d+ kernel(\.logLevl)?: unknown key 'logLevl'.*did you mean 'logLevel'/);
    expect(lines[2]).toMatch(/^runtime\.config\.yaml:\d+:\d+ plugins\[0\]\.config: missing required key 'namespace'/);
    expect(result.stdout).toContain("3 problems found.");

    const json = await runArk(["config", "validate", "--json"], { cwd });
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; issues: { line: number; path: string }[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.issues.map((i) => i.line)).toEqual([2, 3, expect.any(Number)]);
  });

  it("validate exits 0 for a valid config and interpolates env with and without defaults", async () => {
    const cwd = tempProject({
      "k8s.mjs": pluginModule("k8s", k8sSchema),
      "runtime.config.yaml": "plugins:\n  - from: ./k8s.mjs\n    config:\n      namespace: ${ARK_NS}\n      replicas: ${ARK_REPLICAS:-5}\n",
    });
    const ok = await runArk(["config", "validate"], { cwd, env: { ARK_NS: "agents" } });
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("valid (1 plugins, 0 disabled)");
    const printed = await runArk(["config", "print", "--json"], { cwd, env: { ARK_NS: "agents" } });
    const config = JSON.parse(printed.stdout) as { plugins: { config: Record<string, unknown> }[] };
    expect(config.plugins[0]!.config).toEqual({ namespace: "agents", replicas: 5 });

    const missing = await runArk(["config", "validate"], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr + missing.stdout).toContain("ARK_NS");
  });

  it("print redacts secrets from the file and from the environment", async () => {
    const cwd = tempProject({
      "k8s.mjs": pluginModule("k8s", k8sSchema),
      "runtime.config.yaml":
        "store:\n  driver: postgres\n  url: postgres://ark:hunter2@db.internal:5432/ark\nplugins:\n  - from: ./k8s.mjs\n    config:\n      namespace: agents\n      token: ${K8S_TOKEN}\n",
    });
    const result = await runArk(["config", "print"], { cwd, env: { K8S_TOKEN: "s3cr3t-token-value" } });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("s3cr3t-token-value");
    expect(result.stdout).not.toContain("hunter2");
    expect(result.stdout).toContain("namespace: agents");
    expect(result.stdout).toContain("replicas: 2");
  });

  it("schema prints the stitched schema including plugin sections", async () => {
    const cwd = tempProject({ "k8s.mjs": pluginModule("k8s", k8sSchema), "runtime.config.yaml": "plugins:\n  - from: ./k8s.mjs\n    config: { namespace: x }\n" });
    const result = await runArk(["config", "schema"], { cwd });
    expect(result.code).toBe(0);
    const text = result.stdout;
    expect(JSON.parse(text)).toHaveProperty("properties.plugins");
    expect(text).toContain('"namespace"');
  });

  it("reports a missing config file and a broken plugin path with a code", async () => {
    const empty = tempProject({});
    const none = await runArk(["config", "validate", "--config", "nope.yaml"], { cwd: empty });
    expect(none.code).toBe(1);
    expect(none.stdout).toContain("ARK_CONFIG_NOT_FOUND");
    expect(none.stdout).toContain("nope.yaml");
    const broken = tempProject({ "runtime.config.yaml": "plugins:\n  - from: ./missing-plugin\n" });
    const result = await runArk(["config", "validate"], { cwd: broken });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/runtime\.config\.yaml:2:\d+ plugins\[0\]\.from: cannot load \.\/missing-plugin/);
  });
});
