/**
 * The workspace, git and command domains in a real kernel (PGlite, tooling envelope and ledger, flow engine, HTTP):
 * a flow that clones, writes, commits, pushes and lists in the run's own workspace; stable codes over POST /api/tools.
 * A commit replayed after a crash on a fresh kernel: test/tools/idempotent-replay.test.ts.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiServerRef, coreServices } from "../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../core/testing/index.js";
import commandPlugin from "../tools-command/index.js";
import { toolsInlinePlugin } from "../tools-memory/test-support.js";
import workspacePlugin from "../tools-workspace/index.js";
import gitPlugin from "./index.js";
import { git, gitFixture } from "./test-support.js";

function flowYaml(remote: string): string {
  return `schema_version: 1
name: Workspace, git and command
settings: { max_node_executions: 20, max_runtime_minutes: 5, max_parallel_nodes: 1 }
nodes:
  - { id: start, type: start }
  - id: clone
    type: git
    config: { operation: clone, input: { url: "${remote}", path: repo } }
  - id: write
    type: workspace
    config: { operation: write, input: { path: repo/hello.txt, content: "hello from a flow\\n" } }
  - id: commit
    type: git
    config: { operation: commit, input: { path: repo, message: "Add hello" } }
  - id: push
    type: git
    config: { operation: push, input: { path: repo } }
  - id: list
    type: command
    config: { operation: run, input: { command: [ls, repo] } }
  - { id: end, type: end }
connectors:
  - { source: start, target: clone }
  - { source: clone, target: write }
  - { source: write, target: commit }
  - { source: commit, target: push }
  - { source: push, target: list }
  - { source: list, target: end }
`;
}

describe("workspace, git and command in a kernel", () => {
  let kernel: TestKernel;
  let fx: Awaited<ReturnType<typeof gitFixture>>;
  const root = () => path.join(fx.dir, "kernel-ws");

  beforeAll(async () => {
    fx = await gitFixture();
    kernel = await startTestKernel({
      plugins: [workspacePlugin, gitPlugin, commandPlugin, toolsInlinePlugin()],
      pluginConfig: {
        "tools-workspace": { root: root() }, "tools-git": { root: root(), allowedUrlSchemes: ["file"] }, "tools-command": { root: root() },
      },
      config: {
        api: { port: 0 }, kernel: { pluginTimeoutMs: 60_000 },
        flow: { pollIntervalMs: 50, heartbeatMs: 500, leaseSeconds: 5 }, execution: { legacyDispatcher: "tools-inline" },
      },
    });
  }, 120_000);
  afterAll(async () => {
    await kernel?.stop();
    await fx?.cleanup();
  });

  const api = async (url: string, body: unknown) => {
    const response = await fetch(`${kernel.get(apiServerRef).address()!.url}${url}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: response.status, json: (await response.json()) as any };
  };

  it("runs a flow to completed, in the run's own workspace, with each node traced by the envelope", async () => {
    const { status, json: imported } = await api("/api/flowcharts/import", { content: flowYaml(fx.remote) });
    expect(status, JSON.stringify(imported)).toBe(201);
    const engine = kernel.get(coreServices.flow);
    const run = await engine.startRun({ flowchartId: imported.flowchart.id });
    const finished = await engine.waitForRun(run.id, { timeoutMs: 60_000 });
    const nodeRuns = (await engine.queries.listNodeRuns(run.id)).items;
    expect(finished.status, JSON.stringify(nodeRuns.map((n) => [n.nodeId, n.status, n.error]))).toBe("completed");
    const byNode = Object.fromEntries(nodeRuns.map((n) => [n.nodeId, n]));
    expect(byNode.commit!.outputState).toMatchObject({ node_type: "git", operation: "commit", result: { committed: true }, execution_status: "success", deterministic_tooling: { tool_name: "deterministic.git" } });
    expect(byNode.list!.outputState).toMatchObject({ node_type: "command", result: { exit_code: 0, stdout: "README.md\nhello.txt\n" } });
    const repo = path.join(root(), "default", `run-${run.id}`, "repo");
    expect(git(repo, "log", "-1", "--format=%an %s")).toBe("ARK Add hello");
    expect(git(fx.remote, "rev-parse", "refs/heads/main")).toBe(git(repo, "rev-parse", "HEAD"));
  });

  it("answers over POST /api/tools with the domains' stable codes", async () => {
    const injected = await api("/api/tools/git/branch", { input: { action: "create", name: "--upload-pack=x" }, scope: { workspace: "http" } });
    expect(injected.json).toMatchObject({ status: "failed", error: { code: "ARK_GIT_ARGUMENT_REJECTED" } });
    const escaped = await api("/api/tools/workspace/read", { input: { path: "../../etc/passwd" } });
    expect(escaped.json).toMatchObject({ status: "failed", error: { code: "ARK_WORKSPACE_PATH_ESCAPE" } });
    const shell = await api("/api/tools/command/run", { input: { command: "echo hi; id" } });
    expect(shell.json).toMatchObject({ status: "failed", error: { code: "ARK_COMMAND_SHELL_DISABLED" } });
    const badInput = await api("/api/tools/git/commit", { input: { path: "repo" } });
    expect([badInput.status, badInput.json.error.code]).toEqual([400, "ARK_TOOL_INPUT_INVALID"]);
  });
});
