import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ArkError, isArkError } from "../errors/index.js";
import { loadConfigSource } from "./index.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "ark-config-load-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

async function loadError(options: Parameters<typeof loadConfigSource>[0]): Promise<ArkError> {
  try {
    await loadConfigSource(options);
  } catch (err) {
    if (isArkError(err)) return err;
    throw err;
  }
  throw new Error("expected loadConfigSource to throw");
}

describe("finding the config file", () => {
  it("prefers runtime.config.yaml, then .arkrc.yaml, then ark.config.yaml", async () => {
    await write("runtime.config.yaml", "kernel: { logLevel: info }\n");
    await write(".arkrc.yaml", "kernel: { logLevel: warn }\n");
    await write("ark.config.yaml", "kernel: { logLevel: error }\n");
    const first = await loadConfigSource({ cwd: dir, env: {} });
    expect(first.value).toEqual({ kernel: { logLevel: "info" } });
    expect(first.filePath).toBe(path.join(dir, "runtime.config.yaml"));
    expect(first.displayPath).toBe("runtime.config.yaml");

    await rm(path.join(dir, "runtime.config.yaml"));
    const second = await loadConfigSource({ cwd: dir, env: {} });
    expect(second.displayPath).toBe(".arkrc.yaml");
    expect(second.value).toEqual({ kernel: { logLevel: "warn" } });

    await rm(path.join(dir, ".arkrc.yaml"));
    const third = await loadConfigSource({ cwd: dir, env: {} });
    expect(third.displayPath).toBe("ark.config.yaml");
    expect(third.text).toBe("kernel: { logLevel: error }\n");
  });

  it("lets an explicit configPath (--config) win over the search, relative to cwd", async () => {
    await write("runtime.config.yaml", "kernel: { logLevel: info }\n");
    await write("conf/other.yaml", "kernel: { logLevel: debug }\n");
    const source = await loadConfigSource({ cwd: dir, configPath: "conf/other.yaml", env: {} });
    expect(source.value).toEqual({ kernel: { logLevel: "debug" } });
    expect(source.filePath).toBe(path.join(dir, "conf", "other.yaml"));
    expect(source.displayPath).toBe(path.join("conf", "other.yaml"));
  });

  it("reads an empty file as an empty config instead of skipping it", async () => {
    await write("runtime.config.yaml", "");
    await write("ark.config.yaml", "kernel: {}\n");
    const source = await loadConfigSource({ cwd: dir, env: {} });
    expect(source.displayPath).toBe("runtime.config.yaml");
    expect(source.value).toEqual({});
  });

  it("says where it looked when no file exists, and does not climb to parent folders", async () => {
    await write("runtime.config.yaml", "kernel: {}\n");
    const child = path.join(dir, "child");
    await mkdir(child);
    const err = await loadError({ cwd: child, env: {} });
    expect(err.code).toBe("ARK_CONFIG_NOT_FOUND");
    expect(err.message).toContain(child);
    expect(err.message).toContain("runtime.config.yaml, .arkrc.yaml, ark.config.yaml");
  });

  it("names a configPath that does not exist, or is a folder", async () => {
    const missing = await loadError({ cwd: dir, configPath: "nope.yaml", env: {} });
    expect(missing.code).toBe("ARK_CONFIG_NOT_FOUND");
    expect(missing.message).toContain(path.join(dir, "nope.yaml"));
    expect(missing.message).toContain("does not exist");
    await mkdir(path.join(dir, "folder.yaml"));
    const folder = await loadError({ cwd: dir, configPath: "folder.yaml", env: {} });
    expect(folder.code).toBe("ARK_CONFIG_NOT_FOUND");
    expect(folder.message).toContain("is a folder");
  });
});

describe("parsing", () => {
  it("reports every YAML syntax error with file:line:col", async () => {
    await write("runtime.config.yaml", ["kernel:", "  logLevel: info", "plugins: [a, b", "store:", "  driver: x", "  driver: y", ""].join("\n"));
    const err = await loadError({ cwd: dir, env: {} });
    expect(err.code).toBe("ARK_CONFIG_PARSE");
    const errors = err.details.errors as { line: number; col: number; message: string }[];
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors.map((e) => e.line)).toContain(6); // the duplicate key
    expect(err.message).toMatch(/runtime\.config\.yaml:6:3 Map keys must be unique/);
    expect(err.message).toMatch(/runtime\.config\.yaml:\d+:\d+ .*Flow sequence/);
  });

  it("rejects a file whose root is not a mapping, with its position", async () => {
    await write("runtime.config.yaml", "# a list by mistake\n- kernel\n- plugins\n");
    const err = await loadError({ cwd: dir, env: {} });
    expect(err.code).toBe("ARK_CONFIG_INVALID");
    expect(err.message).toContain("runtime.config.yaml:2:1");
    expect(err.message).toContain("not a list");
  });

  it("does not echo the source line (which may hold a pasted secret) in parse errors", async () => {
    await write("runtime.config.yaml", 'store:\n  password: "sk-live-SUPERSECRET\n');
    const err = await loadError({ cwd: dir, env: {} });
    expect(err.code).toBe("ARK_CONFIG_PARSE");
    expect(err.message).not.toContain("SUPERSECRET");
    expect(JSON.stringify(err.details)).not.toContain("SUPERSECRET");
  });

  it("positions keys, list items and absent paths (nearest ancestor)", async () => {
    await write("runtime.config.yaml", ["kernel:", "  logLevel: info", "plugins:", "  - from: ./a", "  - from: ./b", "    config:", "      namespace: 42", ""].join("\n"));
    const source = await loadConfigSource({ cwd: dir, env: {} });
    expect(source.positionOf([])).toEqual({ line: 1, col: 1 });
    expect(source.positionOf(["kernel", "logLevel"])).toEqual({ line: 2, col: 3 });
    expect(source.positionOf(["plugins", 1])).toEqual({ line: 5, col: 5 });
    expect(source.positionOf(["plugins", 1, "config", "namespace"])).toEqual({ line: 7, col: 7 });
    expect(source.positionOf(["plugins", 1, "config", "missing", "deeper"])).toEqual({ line: 6, col: 5 });
    expect(source.positionOf(["plugins", 9])).toEqual({ line: 3, col: 1 });
  });
});

describe("interpolation", () => {
  it("substitutes ${VAR} and ${VAR:-default}, also inside larger strings", async () => {
    await write("runtime.config.yaml", [
      "store:",
      "  url: postgres://${DB_USER}:${DB_PASS:-pw}@${HOST:-localhost}:5432/db",
      "  name: ${NAME}",
      "  empty: ${EMPTY:-fallback}",
      "  kept: ${KEPT:-fallback}",
      "  block: |",
      "    user=${DB_USER}",
      "",
    ].join("\n"));
    const source = await loadConfigSource({ cwd: dir, env: { DB_USER: "ark", NAME: "main", EMPTY: "", KEPT: "set" } });
    expect(source.value.store).toEqual({
      url: "postgres://ark:pw@localhost:5432/db",
      name: "main",
      empty: "fallback",
      kept: "set",
      block: "user=ark\n",
    });
  });

  it("turns $${ into a literal ${ and does not interpolate keys or environment values", async () => {
    await write("runtime.config.yaml", "a: $${HOME} and $${X:-y}\n${KEY}: v\nb: ${INDIRECT}\n");
    const source = await loadConfigSource({ cwd: dir, env: { KEY: "k", INDIRECT: "${KEY}" } });
    expect(source.value).toEqual({ a: "${HOME} and ${X:-y}", "${KEY}": "v", b: "${KEY}" });
  });

  it("types a plain scalar that is exactly one expression, keeps quoted and mixed ones as strings", async () => {
    await write("runtime.config.yaml", [
      "port: ${PORT:-8080}",
      "ratio: ${RATIO}",
      "on: ${ON:-true}",
      'quoted: "${PORT:-8080}"',
      "mixed: ${PORT:-8080}/x",
      "word: ${WORD:-null}",
      "hexish: ${HEX}",
      "",
    ].join("\n"));
    const source = await loadConfigSource({ cwd: dir, env: { RATIO: "0.5", HEX: "0x1F" } });
    expect(source.value).toEqual({ port: 8080, ratio: 0.5, on: true, quoted: "8080", mixed: "8080/x", word: "null", hexish: 31 });
  });

  it("reports every unset variable without default at once, each with file:line:col and path", async () => {
    await write("runtime.config.yaml", [
      "store:",
      "  url: postgres://${DB_USER}:${DB_PASS}@db/x",
      "plugins:",
      "  - from: ./plugins/llm",
      "    config:",
      "      apiKey: ${OPENAI_API_KEY}",
      "      model: ${MODEL:-gpt}",
      "",
    ].join("\n"));
    const err = await loadError({ cwd: dir, env: { DB_USER: "ark" } });
    expect(err.code).toBe("ARK_CONFIG_ENV_MISSING");
    const missing = err.details.missing as { variable: string; line: number; col: number; path: string }[];
    expect(missing.map(({ variable, line, col, path: p }) => ({ variable, line, col, path: p }))).toEqual([
      { variable: "DB_PASS", line: 2, col: 30, path: "store.url" },
      { variable: "OPENAI_API_KEY", line: 6, col: 15, path: "plugins[0].config.apiKey" },
    ]);
    expect(err.message).toContain("runtime.config.yaml:2:30 store.url: environment variable DB_PASS is not set");
    expect(err.message).toContain("runtime.config.yaml:6:15 plugins[0].config.apiKey: environment variable OPENAI_API_KEY is not set");
    expect(err.hint).toContain("${VAR:-default}");
  });

  it("rejects malformed expressions with their position", async () => {
    await write("runtime.config.yaml", "a: ${1BAD}\nb: ${OPEN\nc: ${X-y}\n");
    const err = await loadError({ cwd: dir, env: { X: "x" } });
    expect(err.code).toBe("ARK_CONFIG_PARSE");
    expect(err.message).toContain("runtime.config.yaml:1:4 a: invalid expression '${1BAD}'");
    expect(err.message).toContain("runtime.config.yaml:2:4 b: unclosed '${'");
    expect(err.message).toContain("runtime.config.yaml:3:4 c: invalid expression '${X-y}'");
  });

  it("reads process.env when no env is given", async () => {
    const name = `ARK_CONFIG_TEST_${process.pid}`;
    process.env[name] = "from-process";
    try {
      await write("runtime.config.yaml", `a: \${${name}}\n`);
      const source = await loadConfigSource({ cwd: dir });
      expect(source.value).toEqual({ a: "from-process" });
    } finally {
      delete process.env[name];
    }
  });
});
