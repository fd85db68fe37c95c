import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JSONSchema } from "../contracts/json-schema.js";
import {
  configInvalidError,
  configSourceFromObject,
  formatConfigIssue,
  loadConfigSource,
  validateConfig,
  type ConfigSource,
} from "./index.js";

const storeSchema: JSONSchema = {
  type: "object",
  properties: {
    driver: { type: "string", enum: ["pglite", "postgres"], default: "pglite" },
    dataDir: { type: "string", default: ".ark/data" },
    url: { type: "string", "x-ark-secret": true },
    poolSize: { type: "integer", minimum: 1, default: 10 },
  },
};
const memorySchema: JSONSchema = {
  type: "object",
  required: ["namespace"],
  properties: {
    namespace: { type: "string" },
    maxItems: { type: "integer", default: 1000 },
    limits: { type: "object", properties: { perRun: { type: "integer", default: 50 } }, default: {} },
  },
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "ark-config-validate-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function sourceOf(lines: string[], env: Record<string, string> = {}): Promise<ConfigSource> {
  const file = path.join(dir, `case-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, lines.join("\n") + "\n");
  return loadConfigSource({ cwd: dir, configPath: path.basename(file), env });
}

describe("validateConfig", () => {
  it("reports three independent mistakes at once, each with file:line:col and path, ordered by line", async () => {
    const source = await sourceOf([
      "kernel:",
      "  logLevel: info",
      "  pluginTimeoutMs: soon", // line 3: wrong type in a core section
      "store:",
      "  driver: pglite",
      "  dataDri: /var/ark", // line 6: unknown key, close to dataDir
      "plugins:",
      "  - from: ./plugins/tools-git",
      "    id: tools-git",
      "  - from: ./plugins/tools-memory",
      "    id: tools-memory",
      "    config:", // line 12: memory's config lacks its required namespace
      "      maxItems: 5",
    ]);
    const { issues } = validateConfig(source, { store: storeSchema }, [
      { index: 0, id: "tools-git" },
      { index: 1, id: "tools-memory", schema: memorySchema },
    ]);
    const file = source.displayPath;
    expect(issues).toEqual([
      { file, line: 3, col: 3, path: "kernel.pluginTimeoutMs", message: "must be integer" },
      { file, line: 6, col: 3, path: "store.dataDri", message: "unknown key 'dataDri' (did you mean 'dataDir'?)" },
      { file, line: 12, col: 5, path: "plugins[1].config", message: "missing required key 'namespace'" },
    ]);
    expect(issues.map(formatConfigIssue)).toEqual([
      `${file}:3:3 kernel.pluginTimeoutMs: must be integer`,
      `${file}:6:3 store.dataDri: unknown key 'dataDri' (did you mean 'dataDir'?)`,
      `${file}:12:5 plugins[1].config: missing required key 'namespace'`,
    ]);
    const error = configInvalidError(issues);
    expect(error.code).toBe("ARK_CONFIG_INVALID");
    expect(error.message).toContain("3 problems");
    expect(error.message).toContain(`${file}:12:5 plugins[1].config: missing required key 'namespace'`);
  });

  it("positions a wrong value inside a plugin section at its key, like the design's example", async () => {
    const source = await sourceOf([
      "plugins:",
      "  - from: ./a",
      "  - from: ./b",
      "  - from: ./c",
      "  - from: ./plugins/tools-memory",
      "    config:",
      "      namespace: 42",
    ]);
    const { issues } = validateConfig(source, {}, [{ index: 3, id: "tools-memory", schema: memorySchema }]);
    expect(issues.map(formatConfigIssue)).toEqual([`${source.displayPath}:7:7 plugins[3].config.namespace: must be string`]);
  });

  it("refuses a NUL character (YAML's \\0) in any value, at its position, in core and plugin sections", async () => {
    const source = await sourceOf([
      "store:",
      '  dataDir: "data\\0dir"',
      "plugins:",
      "  - from: ./plugins/tools-memory",
      "    config:",
      '      namespace: "ns\\0"',
    ]);
    const { issues } = validateConfig(source, { store: storeSchema }, [{ index: 0, id: "tools-memory", schema: memorySchema }]);
    expect(issues.map(formatConfigIssue)).toEqual([
      `${source.displayPath}:2:3 store.dataDir: must not contain a NUL character (U+0000)`,
      `${source.displayPath}:6:7 plugins[0].config.namespace: must not contain a NUL character (U+0000)`,
    ]);
  });

  it("applies defaults everywhere, freezes the result and leaves the source untouched", async () => {
    const source = await sourceOf(["store:", "  driver: postgres", "plugins:", "  - from: ./plugins/tools-memory", "    config: { namespace: ark }"]);
    const before = structuredClone(source.value);
    const { config, issues } = validateConfig(source, { store: storeSchema }, [{ index: 0, id: "tools-memory", schema: memorySchema }]);
    expect(issues).toEqual([]);
    expect(config).toEqual({
      kernel: { logLevel: "info", pluginTimeoutMs: 30000, stopTimeoutMs: 10000 },
      store: { driver: "postgres", dataDir: ".ark/data", poolSize: 10 },
      plugins: [{ from: "./plugins/tools-memory", enabled: true, config: { namespace: "ark", maxItems: 1000, limits: { perRun: 50 } } }],
    });
    expect(source.value).toEqual(before);
    const plugins = config.plugins as { config: { limits: object } }[];
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(plugins)).toBe(true);
    expect(Object.isFrozen(plugins[0]!.config.limits)).toBe(true);
    expect(() => {
      (config as Record<string, unknown>).kernel = {};
    }).toThrow(TypeError);
  });

  it("treats a section left empty in YAML (null) as absent, so its defaults apply", async () => {
    const source = await sourceOf(["kernel:", "  # logLevel: debug", "store:", "plugins:", "  - from: ./plugins/tools-memory", "    config:", "      # namespace: x"]);
    const { config, issues } = validateConfig(source, { store: storeSchema }, [{ index: 0, id: "tools-memory", schema: memorySchema }]);
    expect(issues.map(formatConfigIssue)).toEqual([`${source.displayPath}:6:5 plugins[0].config: missing required key 'namespace'`]);
    expect(config.kernel).toEqual({ logLevel: "info", pluginTimeoutMs: 30000, stopTimeoutMs: 10000 });
    expect(config.store).toEqual({ driver: "pglite", dataDir: ".ark/data", poolSize: 10 });
  });

  it("defaults an empty file to kernel defaults and no plugins", () => {
    const { config, issues } = validateConfig(configSourceFromObject({}), {}, []);
    expect(issues).toEqual([]);
    expect(config).toEqual({ kernel: { logLevel: "info", pluginTimeoutMs: 30000, stopTimeoutMs: 10000 }, plugins: [] });
  });

  it("skips the config of disabled entries (omitted by the caller) but still checks the entry's own shape", async () => {
    const source = await sourceOf([
      "plugins:",
      "  - from: ./plugins/tools-memory",
      "    enabled: false",
      "    onBootFailure: sometimes",
      "    timeoutMs: 0",
      "    config: { anything: goes }",
      "  - id: Tools_Git",
      "    enabld: true",
    ]);
    const { issues } = validateConfig(source, {}, []);
    expect(issues.map(formatConfigIssue)).toEqual([
      `${source.displayPath}:4:5 plugins[0].onBootFailure: must be one of: abort, continue`,
      `${source.displayPath}:5:5 plugins[0].timeoutMs: must be >= 1`,
      `${source.displayPath}:7:5 plugins[1]: missing required key 'from'`,
      `${source.displayPath}:7:5 plugins[1].id: must match pattern "^[a-z][a-z0-9-]*$"`,
      `${source.displayPath}:8:5 plugins[1].enabld: unknown key 'enabld' (did you mean 'enabled'?)`,
    ]);
  });

  it("also skips a plugin section whose entry says enabled: false even if the caller passes its schema", () => {
    const source = configSourceFromObject({ plugins: [{ from: "./m", enabled: false, config: { wrong: 1 } }] });
    expect(validateConfig(source, {}, [{ index: 0, id: "m", schema: memorySchema }]).issues).toEqual([]);
  });

  it("reports unknown top-level keys with a suggestion, and without one when nothing is close", () => {
    const source = configSourceFromObject({ plugin: [], stroe: {}, zzzzzz: 1 }, "ark.yaml");
    const { issues } = validateConfig(source, { store: storeSchema }, []);
    expect(issues.map(formatConfigIssue)).toEqual([
      "ark.yaml plugin: unknown key 'plugin' (did you mean 'plugins'?)",
      "ark.yaml stroe: unknown key 'stroe' (did you mean 'store'?)",
      "ark.yaml zzzzzz: unknown key 'zzzzzz'",
    ]);
    expect(issues[0]).toMatchObject({ file: "ark.yaml", line: null, col: null });
  });

  it("treats a plugin without configSchema as taking no config, and an invalid plugin schema as an issue", () => {
    const source = configSourceFromObject({ plugins: [{ from: "./a", config: { x: 1 } }, { from: "./b", config: {} }] });
    const { issues } = validateConfig(source, {}, [
      { index: 0, id: "a" },
      { index: 1, id: "b", schema: { type: "strnig" } },
    ]);
    expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      "plugins[0].config.x: unknown key 'x'",
      expect.stringMatching(/^plugins\[1\]: plugin 'b' declares an invalid configSchema/),
    ]);
  });

  it("validates plugin schemas that use local $refs or share an $id with another plugin", () => {
    const withRef = (type: string): JSONSchema => ({
      $id: "https://example.test/shared-config.json",
      type: "object",
      definitions: { value: { type } },
      properties: { v: { $ref: "#/definitions/value" } },
    });
    const localRef: JSONSchema = { type: "object", definitions: { n: { type: "integer", minimum: 1 } }, properties: { n: { $ref: "#/definitions/n" } } };
    const source = configSourceFromObject({
      plugins: [{ from: "./a", config: { v: 1 } }, { from: "./b", config: { v: 1 } }, { from: "./c", config: { n: 0 } }],
    });
    const { issues } = validateConfig(source, {}, [
      { index: 0, id: "a", schema: withRef("integer") },
      { index: 1, id: "b", schema: withRef("string") },
      { index: 2, id: "c", schema: localRef },
    ]);
    expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual(["plugins[1].config.v: must be string", "plugins[2].config.n: must be >= 1"]);
  });

  it("keeps free-form maps open and respects explicit additionalProperties", () => {
    const schema: JSONSchema = {
      type: "object",
      properties: { labels: { type: "object" }, env: { type: "object", additionalProperties: { type: "string" } } },
    };
    const source = configSourceFromObject({ plugins: [{ from: "./a", config: { labels: { team: "x" }, env: { A: "1", B: 2 } } }] });
    const { issues } = validateConfig(source, {}, [{ index: 0, id: "a", schema }]);
    expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual(["plugins[0].config.env.B: must be string"]);
  });

  it("collapses anyOf alternatives into one clear message", () => {
    const schema: JSONSchema = {
      type: "object",
      properties: {
        port: { anyOf: [{ type: "integer" }, { type: "string", pattern: "^\\$" }] },
        mode: { anyOf: [{ const: "fast" }, { const: "safe" }] },
        target: {
          oneOf: [
            { type: "object", properties: { kind: { const: "file" }, path: { type: "string" } }, required: ["kind", "path"] },
            { type: "object", properties: { kind: { const: "url" }, url: { type: "string" } }, required: ["kind", "url"] },
          ],
        },
      },
    };
    const source = configSourceFromObject({ plugins: [{ from: "./a", config: { port: true, mode: "slow", target: { kind: "url", ur: "x" } } }] });
    const { issues } = validateConfig(source, {}, [{ index: 0, id: "a", schema }]);
    expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      "plugins[0].config.port: must be integer or string",
      "plugins[0].config.mode: must be one of: fast, safe",
      "plugins[0].config.target: missing required key 'url'",
      "plugins[0].config.target.ur: unknown key 'ur' (did you mean 'url'?)",
    ]);
  });

  it("does not coerce types: a quoted number stays a string and is rejected where an integer is expected", async () => {
    const source = await sourceOf(["kernel:", '  pluginTimeoutMs: "5000"', "  stopTimeoutMs: ${STOP:-7000}"]);
    const { config, issues } = validateConfig(source, {}, []);
    expect(issues.map((issue) => `${issue.line}:${issue.col} ${issue.path}: ${issue.message}`)).toEqual(["2:3 kernel.pluginTimeoutMs: must be integer"]);
    expect((config.kernel as Record<string, unknown>).stopTimeoutMs).toBe(7000);
  });

  it("never echoes a secret's value in issues or formatted output", async () => {
    const secrets = { url: "postgres://ark:Hunter2Secret@db/x", key: "sk-live-TOPSECRET-123", token: "tok-VERYSECRET" };
    const llmSchema: JSONSchema = {
      type: "object",
      properties: {
        apiKey: { type: "string", "x-ark-secret": true, minLength: 64, pattern: "^sk-proj-" },
        token: { type: "integer" },
        mode: { enum: ["a", "b"] },
      },
    };
    const source = await sourceOf(
      ["store:", "  url: ${DB_URL}", "  poolSize: ${DB_URL}", "plugins:", "  - from: ./llm", "    config:", "      apiKey: ${KEY}", "      token: ${TOKEN}", "      mode: ${KEY}", "      ${KEY}: 1"],
      { DB_URL: secrets.url, KEY: secrets.key, TOKEN: secrets.token },
    );
    const { issues } = validateConfig(source, { store: { ...storeSchema, properties: { ...(storeSchema as { properties: object }).properties, url: { type: "integer" } } } }, [{ index: 0, id: "llm", schema: llmSchema }]);
    expect(issues.length).toBeGreaterThanOrEqual(5);
    const output = JSON.stringify(issues) + issues.map(formatConfigIssue).join("\n") + configInvalidError(issues).message;
    for (const secret of Object.values(secrets)) expect(output).not.toContain(secret);
  });
});
