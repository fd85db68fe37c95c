/**
 * `ark flows import|list`, `ark run` and `ark runs list|show|cancel` as a user runs them: real processes, one project
 * folder with an on-disk PGlite store shared by the tests of this file (they run in order). The config lists the
 * Socket.IO channel with `api.port: 1`: the flow commands must move the API to a free port to boot at all.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { endlessNapFlow, napperPlugin, runArk, spawnArk, tempProject } from "../support/cli.js";

const repo = path.resolve(import.meta.dirname, "../..");
const example = (name: string) => path.join(repo, "examples/flows", name);
let cwd: string;

const brokenFlow = `schema_version: 1
name: broken
nodes:
  - id: start
    type: start
  - id: end
    type: end
connectors:
  - source: start
    target: ghost
`;

/** A decision loop that never exits: max_node_executions stops it and the run fails. */
const guardrailFlow = `schema_version: 1
name: Guardrail stop
settings:
  max_node_executions: 5
nodes:
  - id: start
    type: start
  - id: spin
    type: decision
    config: { fan_in_mode: any }
connectors:
  - { source: start, target: spin }
  - { source: spin, target: spin, condition_key: again, condition: "node.execution_index != 0" }
`;

/** Lines of a `--json` run: events, then the run_summary. */
function jsonLines(stdout: string): Record<string, any>[] {
  return stdout.trim().split("\n").map((line) => JSON.parse(line));
}

async function flowchartCount(): Promise<number> {
  const list = await runArk(["flows", "list", "--json"], { cwd });
  expect(list.code).toBe(0);
  return JSON.parse(list.stdout).flowcharts.length;
}

beforeAll(() => {
  cwd = tempProject({
    "runtime.config.yaml": `kernel:\n  logLevel: warn\nstore:\n  driver: pglite\n  dataDir: .ark/data\napi:\n  port: 1\nplugins:\n  - from: ${path.join(repo, "plugins/channel-socketio")}\n  - from: ./napper.mjs\n`,
    "napper.mjs": napperPlugin,
    "broken.yaml": brokenFlow,
    "syntax.yaml": "schema_version: 1\nname: [oops\n",
    "guardrail.yaml": guardrailFlow,
    "endless.yaml": endlessNapFlow(1),
  });
});

describe("ark flows", () => {
  it("imports a flow file, updates it by name on re-import, creates another with --new, and lists them", async () => {
    const first = await runArk(["flows", "import", example("linear.yaml")], { cwd });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const id = /created flowchart (\d+) "Linear"/.exec(first.stdout)![1];
    const again = await runArk(["flows", "import", example("linear.yaml"), "--json"], { cwd });
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, action: "updated", flowchart: { id, name: "Linear" }, nodes: 3 });
    const fresh = await runArk(["flows", "import", example("linear.yaml"), "--new"], { cwd });
    const freshId = /created flowchart (\d+) "Linear"/.exec(fresh.stdout)![1];
    expect(freshId).not.toBe(id);
    const list = await runArk(["flows", "list"], { cwd });
    expect(list.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+SCHEMA\s+UPDATED/);
    expect(list.stdout.match(/Linear/g)).toHaveLength(2);
  }, 120_000);

  it("refuses an invalid file with every problem at file:line:col (exit 1) and writes nothing", async () => {
    const before = await flowchartCount();
    const broken = await runArk(["flows", "import", "broken.yaml"], { cwd });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("error [ARK_FLOW_FILE_INVALID]: broken.yaml has 2 problems:");
    expect(broken.stderr).toContain("broken.yaml:10:5 connectors[0].target: Edge target node ghost does not exist.");
    expect(broken.stderr).toContain("broken.yaml:6:5 nodes[1]: Disconnected required nodes found: end");
    expect(broken.stderr).toContain("what to do:");
    const syntax = await runArk(["flows", "import", "syntax.yaml", "--json"], { cwd });
    expect(syntax.code).toBe(1);
    expect(JSON.parse(syntax.stdout).error.details.issues[0]).toMatchObject({ file: "syntax.yaml", code: "yaml_syntax", line: 3, col: 1 });
    const missing = await runArk(["flows", "import", "nope.yaml"], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("ARK_INVALID_ARGUMENT");
    expect(await flowchartCount()).toBe(before);
  }, 120_000);
});

describe("ark run", () => {
  for (const name of ["linear.yaml", "decision-branch.yaml", "loop-with-guardrail.yaml", "fan-out-fan-in.yaml"]) {
    it(`runs ${name} to completion with --json: events in sequence order, then a summary (exit 0)`, async () => {
      const result = await runArk(["run", example(name), "--json"], { cwd });
      expect(result.code, result.stderr).toBe(0);
      const lines = jsonLines(result.stdout);
      const summary = lines.pop()!;
      expect(summary).toMatchObject({ kind: "run_summary", ok: true, status: "completed", timed_out: false });
      expect(lines.map((e) => e.sequence)).toEqual(lines.map((_, i) => i + 1));
      expect(new Set(lines.map((e) => e.sequence_stream))).toEqual(new Set([`flowchart_run:${summary.run_id}`]));
      expect(lines[0]).toMatchObject({ event_type: "flowchart:run:updated", payload: { transition: "started" } });
      expect(lines.at(-1)).toMatchObject({ event_type: "flowchart:run:updated", payload: { transition: "completed", status: "completed" } });
      const finished = lines.filter((e) => e.event_type === "flowchart:node:updated" && e.payload.status === "succeeded").length;
      expect(summary.counts).toEqual({ succeeded: finished });
    }, 120_000);
  }

  it("shows a line per node-run transition with --watch and a final summary", async () => {
    const result = await runArk(["run", example("decision-branch.yaml"), "--watch"], { cwd });
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(/^(created|updated) flowchart \d+ "Decision branch"/);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}▸ triage\s+decision\s+#1\s+running$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}✓ accepted\s+end\s+#1\s+succeeded\s+\d+ ms$/));
    expect(lines).toContain("  run completed");
    expect(lines).toContainEqual(expect.stringMatching(/^run \d+ completed in .* — 3 node runs: 3 succeeded$/));
  }, 120_000);

  it("runs a stored flowchart by id", async () => {
    const id = JSON.parse((await runArk(["flows", "list", "--json"], { cwd })).stdout).flowcharts.find((f: { name: string }) => f.name === "Decision branch").id;
    const result = await runArk(["run", id], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`run \\d+ of flowchart ${id} "Decision branch" started`));
  }, 120_000);

  it("exits 1 when the guardrail stops a loop, and says why", async () => {
    const watched = await runArk(["run", "guardrail.yaml", "--watch"], { cwd });
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/run \d+ failed in/);
    expect(watched.stdout).toContain("failure: Flowchart exceeded max_node_executions (5).");
    expect(watched.stdout).toMatch(/details: ark runs show \d+/);
    const json = jsonLines((await runArk(["run", "guardrail.yaml", "--json"], { cwd })).stdout);
    expect(json.at(-1)).toMatchObject({ kind: "run_summary", ok: false, status: "failed" });
  }, 120_000);

  it("cancels the run and exits 1 after --timeout", async () => {
    const result = await runArk(["run", "endless.yaml", "--timeout", "3"], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/run (\d+) did not finish within 3 s \(status running\); canceling it/);
    expect(result.stdout).toMatch(/run \d+ canceled in .* — \d+ node runs: 1 canceled, \d+ succeeded/);
  }, 120_000);

  it("stops the run gracefully on Ctrl-C (exit 1, run stopped)", async () => {
    const child = spawnArk(["run", "endless.yaml", "--watch"], { cwd });
    let stdout = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no node lines:\n${stdout}`)), 60_000);
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/#3 /.test(stdout)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    expect(await exit).toBe(1);
    expect(stdout).toMatch(/stopping run \d+/);
    expect(stdout).toMatch(/run \d+ stopped in/);
  }, 120_000);

  it("answers usage errors with exit 2 and a missing target with exit 1", async () => {
    expect((await runArk(["run", "endless.yaml", "--timeout", "soon"], { cwd })).code).toBe(2);
    expect((await runArk(["run"], { cwd })).code).toBe(2);
    const missing = await runArk(["run", "missing.yaml"], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('There is no file "missing.yaml"');
    const invalid = await runArk(["run", "broken.yaml", "--json"], { cwd });
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stdout).error.code).toBe("ARK_FLOW_FILE_INVALID");
  }, 120_000);
});

describe("ark runs", () => {
  it("lists runs with a status filter and shows one with its per-node table", async () => {
    const failed = JSON.parse((await runArk(["runs", "list", "--status", "failed", "--json"], { cwd })).stdout);
    expect(failed.runs.length).toBeGreaterThanOrEqual(2);
    expect(failed.runs.every((r: { status: string }) => r.status === "failed")).toBe(true);
    const table = await runArk(["runs", "list", "--limit", "3"], { cwd });
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+FLOWCHART\s+STATUS\s+ORIGIN\s+CREATED\s+DURATION/);
    const id = failed.runs[0].id;
    const shown = await runArk(["runs", "show", id], { cwd });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`run ${id} · flowchart`);
    expect(shown.stdout).toMatch(/failure: /);
    expect(shown.stdout).toMatch(/#\s+NODE\s+TYPE\s+EXEC\s+STATUS\s+MS\s+ERROR/);
    expect(shown.stdout).toMatch(/spin\s+decision\s+4\s+succeeded/);
    expect(shown.stdout).toMatch(/spin\s+decision\s+5\s+failed\s+\d+\s+Flowchart exceeded max_node_executions \(5\)\./);
    const json = JSON.parse((await runArk(["runs", "show", id, "--json"], { cwd })).stdout);
    expect(json).toMatchObject({ ok: true, run: { id, status: "failed" } });
    expect(json.node_runs.length).toBeGreaterThan(1);
  }, 120_000);

  it("reports unknown runs and bad ids", async () => {
    const unknown = await runArk(["runs", "show", "999999"], { cwd });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("error [ARK_NOT_FOUND]: Flowchart run 999999 was not found.");
    expect((await runArk(["runs", "show", "abc"], { cwd })).code).toBe(2);
    expect((await runArk(["runs", "list", "--status", "sleeping"], { cwd })).code).toBe(2);
    expect((await runArk(["runs", "cancel", "999999"], { cwd })).code).toBe(1);
  }, 120_000);

  it("cancels a run left active by a killed process: graceful leaves it stopping, --force cancels it", async () => {
    const child = spawnArk(["run", "endless.yaml", "--watch"], { cwd });
    let stdout = "";
    const runId = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no progress:\n${stdout}`)), 60_000);
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const id = /run (\d+) of flowchart/.exec(stdout)?.[1];
        if (id && /#3 /.test(stdout)) {
          clearTimeout(timer);
          resolve(id);
        }
      });
    });
    const exit = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    child.kill("SIGKILL");
    await exit;
    const active = JSON.parse((await runArk(["runs", "show", runId, "--json"], { cwd })).stdout);
    expect(active.run.status).toBe("running");
    const graceful = await runArk(["runs", "cancel", runId], { cwd });
    expect(graceful.code).toBe(0);
    expect(graceful.stdout).toContain(`run ${runId} is stopping`);
    const forced = JSON.parse((await runArk(["runs", "cancel", runId, "--force", "--json"], { cwd })).stdout);
    expect(forced).toMatchObject({ ok: true, action: "canceled", canceled: true, run: { status: "canceled" } });
    const again = await runArk(["runs", "cancel", runId], { cwd });
    expect(again.stdout).toContain(`run ${runId} is already canceled; nothing to cancel.`);
  }, 180_000);
});
