/**
 * The tool example flows (examples/flows) run to `completed` in ONE kernel booted with the plugin list of the
 * repository's runtime.config.yaml — the embedded default `ark run` uses: the same file import, the default (inline)
 * dispatcher, PGlite, each plugin's `config:` from the file. Only the tool plugins' workspace root is moved to a temp
 * folder, and relative collection paths are resolved against the repository (the config file's folder).
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importFlowText, nodeTypeRegistryOf } from "../../core/flow/api/flow-file-import.js";
import { coreServices, type PluginDefinition } from "../../core/plugin-api/index.js";
import type { TestKernel } from "../../core/testing/index.js";
import { repo, startConfiguredKernel } from "./support/configured-kernel.js";

describe("tool example flows on the embedded default", () => {
  let kernel: TestKernel;
  let root: string;
  let plugins: readonly PluginDefinition[];

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "ark-tool-examples-"));
    ({ kernel, plugins } = await startConfiguredKernel(root));
  }, 240_000); // one kernel boot with every configured plugin: slow only on a loaded machine
  afterAll(async () => {
    await kernel?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  }, 60_000);

  /** Imports examples/flows/<file> the way `ark run` does, runs it, and answers the run and its node runs by node id. */
  async function runExample(file: string) {
    const engine = kernel.get(coreServices.flow);
    const text = await readFile(path.join(repo, "examples/flows", file), "utf8");
    const context = { engine, db: kernel.get(coreServices.store), registry: nodeTypeRegistryOf(kernel.get(coreServices.registries)) };
    const imported = await importFlowText(context, text, `examples/flows/${file}`, { matchName: true });
    expect(imported.warnings).toEqual([]);
    const run = await engine.waitForRun((await engine.startRun({ flowchartId: imported.flowchart.id })).id, { timeoutMs: 90_000 });
    const nodeRuns = (await engine.queries.listNodeRuns(run.id)).items;
    expect(run.status, JSON.stringify(nodeRuns.map((n) => [n.nodeId, n.status, n.error]))).toBe("completed");
    return { run, byNode: Object.fromEntries(nodeRuns.map((n) => [n.nodeId, n])), trace: nodeRuns.map((n) => `${n.nodeId}#${n.executionIndex}:${n.status}`) };
  }

  it("boots every plugin runtime.config.yaml enables, without API keys or a vLLM endpoint", () => {
    const started = kernel.report.plugins.filter((p) => p.status === "started").map((p) => p.id);
    expect(started).toEqual(expect.arrayContaining(plugins.map((p) => p.id)));
    expect(plugins.map((p) => p.id)).toEqual(expect.arrayContaining(["tools-memory", "tools-plan", "tools-milestone", "tools-decision", "tools-workspace", "tools-git", "tools-command", "tools-rag", "executor-frontier", "executor-vllm"]));
    expect(plugins.map((p) => p.id)).not.toContain("dispatch-kubernetes");
  });

  it("workspace-git-command.yaml writes a file, reads it with a command, commits it once in the run's workspace", async () => {
    const { run, byNode, trace } = await runExample("workspace-git-command.yaml");
    expect(trace).toEqual(["start", "write_notes", "read_back", "check_output", "git_init", "commit", "status", "end"].map((id) => `${id}#1:succeeded`));
    expect(byNode.read_back!.outputState).toMatchObject({ result: { command: ["cat", "notes/hello.txt"], shell: false, exit_code: 0, stdout: "hello from ARK\n" } });
    expect(byNode.commit!.outputState).toMatchObject({ node_type: "git", operation: "commit", result: { committed: true } });
    // The default dispatcher hands node runs the kernel's tool host: the envelope (and its ledger key) applies.
    const tooling = (byNode.commit!.outputState as { deterministic_tooling: Record<string, unknown> }).deterministic_tooling;
    expect(tooling).toMatchObject({ tool_name: "deterministic.git", idempotency_key: expect.stringContaining(`node_run:${byNode.commit!.id}:git.commit`) });
    expect(tooling).not.toHaveProperty("via");
    expect(byNode.status!.outputState).toMatchObject({ result: { clean: true, entries: [] } });
    const workspace = path.join(root, "default", `run-${run.id}`);
    expect(await readFile(path.join(workspace, "notes/hello.txt"), "utf8")).toBe("hello from ARK\n");
    const log = execFileSync("git", ["log", "--format=%an|%s"], { cwd: workspace, encoding: "utf8", env: { PATH: process.env.PATH ?? "", GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" } });
    expect(log.trim().split("\n")).toEqual(["ARK|Add notes/hello.txt"]);
  }, 120_000);

  it("memory-plan-milestone.yaml stores and finds a memory, writes a plan and completes a milestone it created", async () => {
    const { byNode, trace } = await runExample("memory-plan-milestone.yaml");
    expect(trace).toEqual(["start", "remember", "recall", "found", "plan", "milestone", "end"].map((id) => `${id}#1:succeeded`));
    expect(byNode.recall!.outputState).toMatchObject({ mode: "deterministic", mode_fallback_used: false, retrieved_memories: [{ description: expect.stringContaining("two approvals") }] });
    expect(byNode.found!.outputState).toMatchObject({ matched_connector_ids: ["found"] });
    const plan = (byNode.plan!.outputState as { plan: { name: string; stages: { name: string; tasks: { name: string }[] }[] }; plan_created: boolean });
    expect(plan.plan_created).toBe(true);
    expect(plan.plan.name).toBe("Release plan");
    expect(plan.plan.stages.map((s) => [s.name, s.tasks.map((t) => t.name)])).toEqual([["Prepare", ["Read the release checklist", "Collect two approvals"]], ["Ship", ["Tag the release"]]]);
    expect(byNode.milestone!.outputState).toMatchObject({ milestone_created: true, action: "mark_complete", milestone: { name: "Release ready", status: "done", completed: true, progress_percent: 100 } });
    const db = kernel.get(coreServices.store);
    const counts = await db.query<{ plans: number; milestones: number }>("SELECT (SELECT count(*) FROM ark_plans)::int AS plans, (SELECT count(*) FROM ark_milestones)::int AS milestones");
    expect(counts.rows[0]).toEqual({ plans: 1, milestones: 1 });
  }, 120_000);

  it("rag-index-query.yaml indexes the example notes and cites the release note first, again on a second run", async () => {
    for (const pass of [1, 2]) {
      const { byNode, trace } = await runExample("rag-index-query.yaml");
      expect(trace, `pass ${pass}`).toEqual(["start", "index_notes", "ask", "cited", "end"].map((id) => `${id}#1:succeeded`));
      expect(byNode.index_notes!.outputState).toMatchObject({ node_type: "rag", index_summary: { mode: "fresh_index", collections: ["example_notes"], total_files: 3 } });
      expect(byNode.ask!.outputState).toMatchObject({ answer: null, retrieval_stats: { provider: "postgres" }, retrieval_context: [{ collection: "example_notes", path: "release.md", retrieval: "fts" }] });
    }
  }, 120_000);
});
