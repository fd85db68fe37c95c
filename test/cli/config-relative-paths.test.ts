/**
 * Relative paths in runtime.config.yaml are relative to the config file's folder, whatever the working directory:
 * `cd /tmp && ark ... --config /srv/app/runtime.config.yaml` uses the PGlite data dir next to the config file, not a
 * new empty one under /tmp.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runArk, tempProject } from "../support/cli.js";

const repo = path.resolve(import.meta.dirname, "../..");
const linear = path.join(repo, "examples/flows/linear.yaml");
const executorTestPlugin = path.join(repo, "test/fixtures/executor-test-plugin.ts");
const elsewhere = () => mkdtempSync(path.join(os.tmpdir(), "ark-cwd-"));

describe("relative paths in the config resolve against the config file's folder", () => {
  it("store.dataDir: commands run from other folders share the data dir next to the config file", async () => {
    const project = tempProject({ "runtime.config.yaml": "kernel:\n  logLevel: warn\nstore:\n  driver: pglite\n  dataDir: state/data\n" });
    const config = path.join(project, "runtime.config.yaml");
    const dataDir = path.join(project, "state", "data");

    const first = elsewhere();
    const imported = await runArk(["flows", "import", linear, "--config", config, "--json"], { cwd: first });
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    const id = (JSON.parse(imported.stdout) as { flowchart: { id: string } }).flowchart.id;
    expect(existsSync(path.join(dataDir, "PG_VERSION"))).toBe(true);
    expect(readdirSync(first)).toEqual([]);

    const second = elsewhere();
    const list = await runArk(["flows", "list", "--json", "--config", config], { cwd: second });
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { flowcharts: { id: string; name: string }[] }).flowcharts).toContainEqual(expect.objectContaining({ id, name: "Linear" }));

    const status = await runArk(["db", "status", "--json", "--config", config], { cwd: second });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ target: { driver: "pglite", location: dataDir } });
    const text = await runArk(["db", "status", "--config", config], { cwd: second });
    expect(text.stdout.split("\n")[0]).toBe(`pglite ${dataDir}: reachable, 0 pending, 0 changed`);
    expect(readdirSync(second)).toEqual([]);
  }, 120_000);

  it("execution.process.workspaceRoot: the process dispatcher's workspaces land next to the config file", async () => {
    const project = tempProject({
      "runtime.config.yaml": [
        "kernel:\n  logLevel: warn\n  pluginTimeoutMs: 60000",
        "store:\n  dataDir: state/data",
        "execution:\n  legacyDispatcher: process\n  process:\n    workspaceRoot: state/runs",
        `plugins:\n  - from: ${executorTestPlugin}`,
      ].join("\n") + "\n",
      "echo.yaml": "schema_version: 1\nname: echo\nnodes:\n  - { id: start, type: start }\n  - { id: work, type: exec_echo, config: { value: 7 } }\n  - { id: end, type: end }\nconnectors:\n  - { source: start, target: work }\n  - { source: work, target: end }\n",
    });
    const cwd = elsewhere();
    const run = await runArk(["run", path.join(project, "echo.yaml"), "--config", path.join(project, "runtime.config.yaml")], { cwd });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const runs = readdirSync(path.join(project, "state", "runs"));
    expect(runs).toHaveLength(1);
    const runFolder = path.join(project, "state", "runs", runs[0]!);
    const nodeTypes = readdirSync(runFolder).map((nodeRun) =>
      (JSON.parse(readFileSync(path.join(runFolder, nodeRun, "payload.json"), "utf8")) as { node_execution: { request: { node_type: string } } }).node_execution.request.node_type);
    expect(nodeTypes).toContain("exec_echo");
    expect(readdirSync(cwd)).toEqual([]);
  }, 120_000);

  it("a store.dataDir naming a file fails with ARK_STORE_DATA_DIR_INVALID and the resolved path", async () => {
    const project = tempProject({ "runtime.config.yaml": "store:\n  dataDir: conf/data\n" });
    mkdirSync(path.join(project, "conf"));
    writeFileSync(path.join(project, "conf", "data"), "not a folder\n");
    const cwd = elsewhere();
    const status = await runArk(["db", "status", "--config", path.join(project, "runtime.config.yaml")], { cwd });
    expect(status.code).toBe(1);
    expect(status.stderr).toContain("ARK_STORE_DATA_DIR_INVALID");
    expect(status.stderr).toContain(path.join(project, "conf", "data"));
    expect(status.stderr).toContain("not a folder");
    expect(status.stderr).not.toContain("EEXIST");
    expect(readdirSync(cwd)).toEqual([]);
  }, 120_000);
});
