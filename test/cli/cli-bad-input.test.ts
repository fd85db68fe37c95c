/**
 * Bad input to the CLI as a user gives it: real processes in one project folder. A reader that goes away mid-output,
 * files that are not flow files (a folder, a FIFO, a YAML alias bomb) and usage errors under --json must each end with
 * a stable ARK_* code (or the broken-pipe exit status), never a stack trace, a hang or a run left `running`.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { endlessNapFlow, napperPlugin, runArk, spawnArk, tempProject } from "../support/cli.js";

let cwd: string;

/** The "billion laughs" YAML: ten levels of nine aliases each, billions of nodes when expanded. */
function billionLaughs(): string {
  let text = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (let i = 1; i <= 9; i++) {
    const [name, previous] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
    text += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]\n`;
  }
  return `${text}schema_version: 2\nname: l\nnodes: *j\n`;
}

/** Exit code and stderr of a child, once it has exited. */
function exited(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr })));
}

/** The output of a process whose reader went away: quiet, no stack trace, exit status 141 (128 + SIGPIPE). */
function expectBrokenPipeExit(result: { code: number | null; stderr: string }): void {
  expect(result.stderr).not.toMatch(/EPIPE|\n\s+at |ARK_INTERNAL/);
  expect(result.code, result.stderr).toBe(141);
}

beforeAll(() => {
  cwd = tempProject({
    "runtime.config.yaml": "kernel:\n  logLevel: warn\nstore:\n  driver: pglite\n  dataDir: .ark/data\nplugins:\n  - from: ./napper.mjs\n",
    "napper.mjs": napperPlugin,
    "endless.yaml": endlessNapFlow(2),
    "laughs.yaml": billionLaughs(),
  });
  mkdirSync(path.join(cwd, "flows"));
  execFileSync("mkfifo", [path.join(cwd, "pipe.yaml")]);
});

describe("a reader that goes away", () => {
  it("makes `ark run` stop its run as on Ctrl-C and exit 141, without a stack trace", async () => {
    const child = spawnArk(["run", "endless.yaml", "--json"], { cwd });
    const result = exited(child);
    const runId = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no event line")), 60_000);
      child.stdout!.once("data", (chunk: Buffer) => {
        clearTimeout(timer);
        child.stdout!.destroy(); // like `| head -c 10`: the next event line hits a closed pipe
        resolve(/"sequence_stream":"flowchart_run:(\d+)"/.exec(chunk.toString())![1]!);
      });
    });
    expectBrokenPipeExit(await result);
    const shown = JSON.parse((await runArk(["runs", "show", runId, "--json"], { cwd })).stdout);
    expect(shown.run.status).toBe("stopped");
  }, 120_000);

  it("makes other commands exit 141 quietly after doing their work", async () => {
    const child = spawnArk(["runs", "list", "--json"], { cwd });
    const result = exited(child);
    child.stdout!.destroy(); // the reader is gone before the first write
    expectBrokenPipeExit(await result);
  }, 120_000);
});

describe("files that are not flow files", () => {
  it("are refused with what they are, by `ark run` and `ark flows import` alike", async () => {
    const folder = await runArk(["run", "flows"], { cwd });
    expect(folder.code).toBe(1);
    expect(folder.stderr).toBe("error [ARK_INVALID_ARGUMENT]: flows is a directory, not a flow file: give the path of a file in it.\n  what to do: Check the arguments against the command's --help.\n");
    for (const args of [["flows", "import", "pipe.yaml", "--json"], ["run", "pipe.yaml", "--json"], ["flows", "import", "--legacy", "pipe.yaml", "--json"]]) {
      const fifo = await runArk(args, { cwd });
      expect(fifo.code, args.join(" ")).toBe(1);
      expect(JSON.parse(fifo.stdout).error).toMatchObject({ code: "ARK_INVALID_ARGUMENT", details: { file: "pipe.yaml", reason: "not_a_file" } });
    }
  }, 120_000);

  it("refuse a YAML alias bomb as an invalid flow file at file:line:col", async () => {
    for (const command of [["flows", "import"], ["run"]]) {
      const result = await runArk([...command, "laughs.yaml"], { cwd });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error \[ARK_FLOW_FILE_INVALID\]: laughs\.yaml has 1 problem:\n {2}laughs\.yaml:2:8 Aliases expand into too many copies/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  }, 120_000);
});

describe("usage errors with --json", () => {
  it("print the JSON error object on stdout, still with exit 2", async () => {
    const cases: [string[], string, string][] = [
      [["run", "endless.yaml", "--timeout", "soon", "--json"], "commander.invalidArgument", "option '--timeout <seconds>' argument 'soon' is invalid. must be a positive number of seconds."],
      [["runs", "show", "abc", "--json"], "commander.invalidArgument", "command-argument value 'abc' is invalid for argument 'id'. must be a positive integer id."],
      [["runs", "list", "--bogus", "--json"], "commander.unknownOption", "unknown option '--bogus'"],
      [["run", "--json"], "commander.missingArgument", "missing required argument 'file|id'"],
    ];
    for (const [args, usage, message] of cases) {
      const result = await runArk(args, { cwd });
      expect(result.code, args.join(" ")).toBe(2);
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: "ARK_INVALID_ARGUMENT", message, details: { usage } } });
    }
    const text = await runArk(["runs", "show", "abc"], { cwd });
    expect(text).toMatchObject({ code: 2, stdout: "" });
    expect(text.stderr).toContain("error: command-argument value 'abc' is invalid");
  }, 120_000);
});
