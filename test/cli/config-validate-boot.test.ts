import { describe, expect, it } from "vitest";
import { pluginApiUrl, runArk, tempProject, type CliResult } from "../support/cli.js";

/**
 * `ark config validate` must refuse what `ark start` refuses from the config alone, with the same code and path:
 * both run the same checks (the sections' schemas and their checkConfig) before anything boots.
 */

interface JsonIssue {
  readonly code: string;
  readonly path: string;
  readonly message: string;
  readonly file?: string;
  readonly line?: number | null;
  readonly col?: number | null;
  readonly env?: string;
}

/** No ARK_DATABASE_URL from the machine running the tests unless a test sets one (blank counts as unset). */
const NO_DB_ENV = { ARK_DATABASE_URL: "" };
/** Keeps a boot that gets past the config cheap: in-memory store, any free port. */
const CHEAP = "store:\n  dataDir: memory://\n";

async function validateJson(cwd: string, env: Record<string, string> = {}): Promise<{ result: CliResult; issues: JsonIssue[] }> {
  const result = await runArk(["config", "validate", "--json"], { cwd, env: { ...NO_DB_ENV, ...env } });
  const parsed = JSON.parse(result.stdout) as { ok: boolean; issues: JsonIssue[] };
  return { result, issues: parsed.issues };
}

/** `ark start`; the boot error lists each problem as `- [CODE] file:line:col path: message`. */
async function start(cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return runArk(["start"], { cwd, env: { ...NO_DB_ENV, ...env } });
}

function everyIssueHasCodePathMessage(issues: readonly JsonIssue[]): void {
  for (const issue of issues) {
    expect(issue.code).toMatch(/^ARK_[A-Z_]+$/);
    expect(typeof issue.path).toBe("string");
    expect(issue.message).not.toBe("");
  }
}

describe("ark config validate refuses what boot refuses", () => {
  it("a short api.token: validate and start both say ARK_CONFIG_INVALID at api.token", async () => {
    const cwd = tempProject({ "runtime.config.yaml": `${CHEAP}api:\n  port: 0\n  token: s3cr3\n` });
    const { result, issues } = await validateJson(cwd);
    expect(result.code).toBe(1);
    everyIssueHasCodePathMessage(issues);
    expect(issues).toEqual([expect.objectContaining({ code: "ARK_CONFIG_INVALID", path: "api.token", line: 5, message: expect.stringContaining("at least 16") })]);
    expect(result.stdout).not.toContain("s3cr3"); // the value is a secret

    const text = await runArk(["config", "validate"], { cwd, env: NO_DB_ENV });
    expect(text.stdout).toMatch(/runtime\.config\.yaml:5:3 api\.token: is 5 characters long.*\[ARK_CONFIG_INVALID\]/);

    const boot = await start(cwd);
    expect(boot.code).toBe(1);
    expect(boot.stderr).toMatch(/- \[ARK_CONFIG_INVALID\] runtime\.config\.yaml:5:3 api\.token: is 5 characters long/);
    // An empty token (or only spaces) means no auth and stays valid.
    const open = tempProject({ "runtime.config.yaml": `${CHEAP}api:\n  token: "  "\n` });
    expect((await validateJson(open)).result.code).toBe(0);
  }, 90_000);

  it("a malformed ARK_DATABASE_URL is reported as store.url (from ARK_DATABASE_URL), by validate and by start", async () => {
    const cwd = tempProject({ "runtime.config.yaml": "api:\n  port: 0\n" });
    const env = { ARK_DATABASE_URL: "postgres://ark:hunter2@db.internal:notaport/ark" };
    const { result, issues } = await validateJson(cwd, env);
    expect(result.code).toBe(1);
    everyIssueHasCodePathMessage(issues);
    expect(issues).toEqual([expect.objectContaining({ code: "ARK_CONFIG_INVALID", path: "store.url (from ARK_DATABASE_URL)", env: "ARK_DATABASE_URL" })]);
    expect(result.stdout).not.toContain("hunter2");

    const boot = await start(cwd, env);
    expect(boot.code).toBe(1);
    expect(boot.stderr).toMatch(/- \[ARK_CONFIG_INVALID\] runtime\.config\.yaml store\.url \(from ARK_DATABASE_URL\): is not a valid URL/);
    expect(boot.stderr).not.toContain("hunter2");

    // Not a PostgreSQL URL at all: the same path, the env variable named.
    const other = await validateJson(cwd, { ARK_DATABASE_URL: "mysql://db.internal/ark" });
    expect(other.issues).toEqual([expect.objectContaining({ code: "ARK_CONFIG_INVALID", path: "store.url (from ARK_DATABASE_URL)", message: expect.stringContaining("postgres://") })]);
  }, 90_000);

  it("a malformed store.url in the file is reported at its line, by validate and by start", async () => {
    const cwd = tempProject({ "runtime.config.yaml": "api:\n  port: 0\nstore:\n  driver: postgres\n  url: postgres://ark@[db.internal/ark\n" });
    const { result, issues } = await validateJson(cwd);
    expect(result.code).toBe(1);
    expect(issues).toEqual([expect.objectContaining({ code: "ARK_CONFIG_INVALID", path: "store.url", line: 5, col: 3 })]);
    const boot = await start(cwd);
    expect(boot.code).toBe(1);
    expect(boot.stderr).toMatch(/- \[ARK_CONFIG_INVALID\] runtime\.config\.yaml:5:3 store\.url: is not a valid URL/);
  }, 90_000);

  it("a malformed ${...} and an unset variable each have a code, a path and a position", async () => {
    const cwd = tempProject({ "runtime.config.yaml": `${CHEAP}api:\n  host: \${1HOST}\n  token: \${ARK_TEST_UNSET_TOKEN}\n` });
    const { result, issues } = await validateJson(cwd);
    expect(result.code).toBe(1);
    everyIssueHasCodePathMessage(issues);
    expect(issues).toEqual([
      expect.objectContaining({ code: "ARK_CONFIG_PARSE", path: "api.host", line: 4, col: 9, message: expect.stringContaining("invalid expression") }),
      expect.objectContaining({ code: "ARK_CONFIG_ENV_MISSING", path: "api.token", line: 5, col: 10 }),
    ]);
    const boot = await start(cwd);
    expect(boot.code).toBe(1);
    expect(boot.stderr).toContain("error [ARK_CONFIG_PARSE]");
    expect(boot.stderr).toContain("runtime.config.yaml:4:9 api.host: invalid expression");

    const missingOnly = tempProject({ "runtime.config.yaml": "api:\n  token: ${ARK_TEST_UNSET_TOKEN}\n" });
    const missing = await validateJson(missingOnly);
    expect(missing.issues).toEqual([expect.objectContaining({ code: "ARK_CONFIG_ENV_MISSING", path: "api.token", line: 2, col: 10 })]);
  }, 90_000);

  it("YAML syntax errors carry ARK_CONFIG_PARSE and the root path", async () => {
    const cwd = tempProject({ "runtime.config.yaml": "api:\n  port: 1\n  port: 2\n" });
    const { result, issues } = await validateJson(cwd);
    expect(result.code).toBe(1);
    everyIssueHasCodePathMessage(issues);
    expect(issues[0]).toMatchObject({ code: "ARK_CONFIG_PARSE", path: "", line: 3 });
  });

  it("flow.heartbeatMs not below flow.leaseSeconds: validate and start both refuse it at flow.heartbeatMs", async () => {
    const cwd = tempProject({ "runtime.config.yaml": `${CHEAP}api:\n  port: 0\nflow:\n  leaseSeconds: 5\n  heartbeatMs: 5000\n` });
    const { result, issues } = await validateJson(cwd);
    expect(result.code).toBe(1);
    expect(issues).toEqual([expect.objectContaining({ code: "ARK_CONFIG_INVALID", path: "flow.heartbeatMs", line: 7 })]);
    const boot = await start(cwd);
    expect(boot.code).toBe(1);
    expect(boot.stderr).toMatch(/- \[ARK_CONFIG_INVALID\] runtime\.config\.yaml:7:3 flow\.heartbeatMs: must be shorter than flow\.leaseSeconds/);
  }, 90_000);

  it("reports every such problem at once, with a plugin's own checkConfig among them", async () => {
    const plugin = `import { definePlugin } from ${JSON.stringify(pluginApiUrl)};
export default definePlugin({
  id: "pair", version: "1.0.0", kernel: "^1.0.0",
  configSchema: { type: "object", properties: { min: { type: "integer", default: 1 }, max: { type: "integer", default: 10 } } },
  checkConfig: (c) => (c.min > c.max ? [{ path: ["min"], message: "must not exceed max" }] : []),
});
`;
    const cwd = tempProject({
      "pair.mjs": plugin,
      "runtime.config.yaml": "api:\n  token: tooshort\nflow:\n  heartbeatMs: 60000\nplugins:\n  - from: ./pair.mjs\n    config:\n      min: 5\n      max: 2\n",
    });
    const { result, issues } = await validateJson(cwd, { ARK_DATABASE_URL: "mysql://db/ark" });
    expect(result.code).toBe(1);
    expect(issues.map((i) => [i.code, i.path])).toEqual([
      ["ARK_CONFIG_INVALID", "api.token"],
      ["ARK_CONFIG_INVALID", "flow.heartbeatMs"],
      ["ARK_CONFIG_INVALID", "plugins[0].config.min"],
      ["ARK_CONFIG_INVALID", "store.url (from ARK_DATABASE_URL)"],
    ]);
    expect(issues.find((i) => i.path === "plugins[0].config.min")).toMatchObject({ line: 8, message: "must not exceed max" });

    // A section that fails its schema is not handed to its check (which may rely on the schema): one problem, not two.
    const typo = tempProject({ "pair.mjs": plugin, "runtime.config.yaml": "plugins:\n  - from: ./pair.mjs\n    config:\n      min: lots\n" });
    const schemaOnly = await validateJson(typo);
    expect(schemaOnly.issues.map((i) => i.path)).toEqual(["plugins[0].config.min"]);
    expect(schemaOnly.issues[0]!.message).toContain("must be integer");
  });
});

/** A plugin (file `remote.mjs`, id `remote-dispatch`) contributing the dispatcher `remote`. */
const remotePlugin = `import { definePlugin } from ${JSON.stringify(pluginApiUrl)};
export default definePlugin({
  id: "remote-dispatch", version: "1.0.0", kernel: "^1.0.0",
  register(r) {
    r.dispatcher({ id: "remote", async dispatch() { throw new Error("not in this test"); } });
  },
});
`;

describe("ark config validate refuses config values naming contributions nobody registers", () => {
  it("an unknown dispatcher in execution.dispatcher, legacyDispatcher and routes: ARK_DISPATCHER_UNKNOWN at each path, by validate and by start", async () => {
    const cwd = tempProject({
      "runtime.config.yaml": `${CHEAP}api:\n  port: 0\nexecution:\n  dispatcher: nosuch\n  legacyDispatcher: proces\n  routes:\n    task: inline\n    exec_echo: inlin\n`,
    });
    const { result, issues } = await validateJson(cwd);
    expect(result.code).toBe(1);
    everyIssueHasCodePathMessage(issues);
    expect(issues).toEqual([
      expect.objectContaining({ code: "ARK_DISPATCHER_UNKNOWN", path: "execution.dispatcher", line: 6, col: 3, known: ["inline", "process"] }),
      expect.objectContaining({ code: "ARK_DISPATCHER_UNKNOWN", path: "execution.legacyDispatcher", line: 7, col: 3, message: expect.stringContaining("did you mean 'process'?") }),
      expect.objectContaining({ code: "ARK_DISPATCHER_UNKNOWN", path: "execution.routes.exec_echo", line: 10, col: 5, message: expect.stringContaining("did you mean 'inline'?") }),
    ]);
    expect(issues[0]!.message).toBe("dispatcher 'nosuch' is not registered by any enabled plugin; registered dispatchers: inline, process");

    const text = await runArk(["config", "validate"], { cwd, env: NO_DB_ENV });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("runtime.config.yaml:6:3 execution.dispatcher: dispatcher 'nosuch' is not registered by any enabled plugin; registered dispatchers: inline, process  [ARK_DISPATCHER_UNKNOWN]");

    // start refuses the same values with the same code and paths, before any plugin's init (no store is opened).
    const boot = await start(cwd);
    expect(boot.code).toBe(1);
    expect(boot.stderr).toContain("error [ARK_DISPATCHER_UNKNOWN]");
    expect(boot.stderr).toContain("- [ARK_DISPATCHER_UNKNOWN] runtime.config.yaml:6:3 execution.dispatcher: dispatcher 'nosuch' is not registered");
    expect(boot.stderr).toContain("- [ARK_DISPATCHER_UNKNOWN] runtime.config.yaml:7:3 execution.legacyDispatcher: dispatcher 'proces'");
    expect(boot.stderr).toContain("- [ARK_DISPATCHER_UNKNOWN] runtime.config.yaml:10:5 execution.routes.exec_echo: dispatcher 'inlin'");
    expect(boot.stderr).not.toContain("store opened");
  }, 90_000);

  it("a dispatcher whose plugin is disabled is reported naming that plugin; enabled, the same config is valid", async () => {
    const config = (enabled: boolean) =>
      `${CHEAP}api:\n  port: 0\nexecution:\n  legacyDispatcher: remote\nplugins:\n  - from: ./remote.mjs\n    enabled: ${enabled}\n`;
    const cwd = tempProject({ "remote.mjs": remotePlugin, "runtime.config.yaml": config(false) });
    const { result, issues } = await validateJson(cwd);
    expect(result.code).toBe(1);
    expect(issues).toEqual([
      expect.objectContaining({
        code: "ARK_DISPATCHER_UNKNOWN",
        path: "execution.legacyDispatcher",
        line: 6,
        col: 3,
        message: "dispatcher 'remote' comes from plugin 'remote-dispatch', which is disabled (plugins[0].enabled: false); enable it, or name one of the registered dispatchers: inline, process",
      }),
    ]);
    const boot = await start(cwd);
    expect(boot.code).toBe(1);
    expect(boot.stderr).toContain("- [ARK_DISPATCHER_UNKNOWN] runtime.config.yaml:6:3 execution.legacyDispatcher: dispatcher 'remote' comes from plugin 'remote-dispatch', which is disabled");

    // Enabled, the plugin's dispatcher is known wherever it is named; built-in ones too.
    const valid = tempProject({
      "remote.mjs": remotePlugin,
      "runtime.config.yaml": `${config(true)}execution:\n  dispatcher: remote\n  legacyDispatcher: process\n  routes:\n    task: remote\n    decision: inline\n`.replace("execution:\n  legacyDispatcher: remote\n", ""),
    });
    const ok = await validateJson(valid);
    expect(ok.issues).toEqual([]);
    expect(ok.result.code).toBe(0);
    // And the default config (no execution section) stays valid.
    expect((await validateJson(tempProject({ "runtime.config.yaml": CHEAP }))).result.code).toBe(0);
  }, 90_000);
});
