/**
 * The example flows in examples/flows parse and validate cleanly, and the pure semantics of this folder (input
 * context → decision → routing → fan-in) carry the built-in ones to the end a run should reach. The small in-memory
 * loop below is a test harness only; the durable orchestrator lives elsewhere. Examples with node types of plugins
 * (tools, the LLM `task`) are only validated here, against those type names: they run in test/e2e/tool-examples.test.ts
 * and plugins/executor-frontier/flow-run.test.ts (the `task` one needs a model, faked there).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { endNodeResult, startNodeResult } from "./built-in-node-results.js";
import { evaluateDecision } from "./decision-conditions.js";
import { emptyFanInState, joinRequirementOf, offerToken, type UpstreamToken } from "./fan-in.js";
import { formatFlowFileIssue, parseFlowFile, type FlowDefinition } from "./graph-file.js";
import { indexGraph } from "./graph-index.js";
import { BUILT_IN_NODE_TYPES, createNodeTypeCapabilityRegistry } from "./node-type-capabilities.js";
import { buildInputContext, type LatestResults } from "./input-context.js";
import { resolveOutgoingConnectors, tokensForSelected } from "./routing.js";

const examplesDir = fileURLToPath(new URL("../../../examples/flows/", import.meta.url));

/** Node types of plugins the examples may use, with the plugin that provides each (core never imports plugins). */
const PLUGIN_NODE_TYPES: Readonly<Record<string, string>> = {
  task: "executor-frontier", memory: "tools-memory", plan: "tools-plan", milestone: "tools-milestone",
  workspace: "tools-workspace", command: "tools-command", git: "tools-git", rag: "tools-rag",
};

function load(name: string): FlowDefinition {
  const result = parseFlowFile(readFileSync(join(examplesDir, name), "utf8"), `examples/flows/${name}`);
  expect(result.errors.map(formatFlowFileIssue)).toEqual([]);
  expect(result.warnings.map(formatFlowFileIssue)).toEqual([]);
  return result.definition!;
}

function execute(type: string, config: Record<string, unknown>, ctx: Record<string, unknown>, outgoing: ReturnType<ReturnType<typeof indexGraph>["outgoing"]>) {
  if (type === "start") return startNodeResult();
  if (type === "end") return endNodeResult();
  return evaluateDecision(config, ctx, outgoing);
}

/** Runs a definition to completion in memory; returns the executed node ids (with execution index) and the outcome. */
function simulate(def: FlowDefinition, maxNodeExecutions = def.settings.max_node_executions ?? 10_000) {
  const index = indexGraph(def.graph);
  const queue: { nodeId: string; tokens: UpstreamToken[] }[] = [{ nodeId: index.startNodeId!, tokens: [] }];
  const latest: Record<string, LatestResults[string]> = {};
  const counts = new Map<string, number>();
  const trace: string[] = [];
  let fanIn = emptyFanInState();
  let total = 0;
  while (queue.length > 0) {
    const batch = queue.splice(0, def.settings.max_parallel_nodes);
    const finished = [];
    for (const activation of batch) {
      if (total >= maxNodeExecutions) return { trace, status: `failed: Flowchart exceeded max_node_executions (${maxNodeExecutions}).` };
      const node = index.nodesById.get(activation.nodeId)!;
      const executionIndex = (counts.get(node.id) ?? 0) + 1;
      counts.set(node.id, executionIndex);
      total += 1;
      const ctx = buildInputContext({ flowchartId: 1, runId: 1, nodeId: node.id, nodeType: node.type, executionIndex, totalExecutionCount: total, incoming: index.incoming(node.id), latestResults: latest, upstreamTokens: activation.tokens });
      const result = execute(node.type, node.config, ctx as unknown as Record<string, unknown>, index.outgoing(node.id));
      latest[node.id] = { node_type: node.type, execution_index: executionIndex, sequence: total, output_state: result.output_state, routing_state: result.routing_state };
      trace.push(`${node.id}#${executionIndex}`);
      finished.push({ node, executionIndex, sequence: total, ...result });
    }
    for (const done of finished) {
      const outcome = resolveOutgoingConnectors(done.node, index.outgoing(done.node.id), done.routing_state);
      if (!outcome.ok) return { trace, status: `failed: ${outcome.message}` };
      if (outcome.terminateRun) return { trace, status: "completed" };
      const emission = { nodeId: done.node.id, nodeType: done.node.type, executionIndex: done.executionIndex, sequence: done.sequence, output_state: done.output_state, routing_state: done.routing_state };
      for (const { target, token } of tokensForSelected(emission, outcome.selected)) {
        const offered = offerToken(fanIn, target, token, joinRequirementOf(index, target));
        fanIn = offered.state;
        for (const tokens of offered.activations) queue.push({ nodeId: target, tokens });
      }
    }
  }
  return { trace, status: "completed" };
}

describe("examples/flows", () => {
  it("holds the four documented examples of the built-in node types (tool examples run in test/e2e/tool-examples.test.ts)", () => {
    expect(readdirSync(examplesDir).filter((f) => f.endsWith(".yaml"))).toEqual(expect.arrayContaining(["decision-branch.yaml", "fan-out-fan-in.yaml", "linear.yaml", "loop-with-guardrail.yaml"]));
  });

  it("examples use only built-in node types and these plugin types; task-hello.yaml validates as the frontier plugin registers `task`", () => {
    const known = new Set<string>([...BUILT_IN_NODE_TYPES, ...Object.keys(PLUGIN_NODE_TYPES)]);
    const typesOf = (file: string) => (parse(readFileSync(join(examplesDir, file), "utf8")) as { nodes: { type: string }[] }).nodes.map((n) => n.type);
    for (const file of readdirSync(examplesDir).filter((f) => f.endsWith(".yaml"))) {
      expect(typesOf(file).filter((t) => !known.has(t)), file).toEqual([]);
    }
    expect(new Set(typesOf("task-hello.yaml"))).toEqual(new Set(["start", "task", "end"]));
    // The plugin registers `task` without capabilities: it gets the reference row (task_prompt required).
    const text = readFileSync(join(examplesDir, "task-hello.yaml"), "utf8");
    const withTask = parseFlowFile(text, "examples/flows/task-hello.yaml", { registry: createNodeTypeCapabilityRegistry([{ type: "task", execute: async () => startNodeResult() as never }]) });
    expect([withTask.errors.map(formatFlowFileIssue), withTask.warnings.map(formatFlowFileIssue)]).toEqual([[], []]);
    expect(withTask.definition!.graph.nodes.find((n) => n.id === "greet")!.config).toMatchObject({ provider: "openai", task_prompt: expect.stringContaining("Greet the operator") });
    // Without the plugin the LLM example is refused, not silently accepted (and the built-in simulation never runs it).
    const bare = parseFlowFile(text, "examples/flows/task-hello.yaml");
    expect(bare.errors.map((e) => e.message)).toEqual(["Node greet has unknown node_type 'task'."]);
  });

  it("linear.yaml runs start → check → end", () => {
    expect(simulate(load("linear.yaml"))).toEqual({ trace: ["start#1", "check_start#1", "end#1"], status: "completed" });
  });

  it("decision-branch.yaml takes the accepted branch", () => {
    expect(simulate(load("decision-branch.yaml"))).toEqual({ trace: ["start#1", "triage#1", "accepted#1"], status: "completed" });
  });

  it("loop-with-guardrail.yaml loops until the fourth check, and the guardrail stops a shorter budget", () => {
    const def = load("loop-with-guardrail.yaml");
    expect(simulate(def)).toEqual({
      trace: ["start#1", "check#1", "again#1", "check#2", "again#2", "check#3", "again#3", "check#4", "end#1"],
      status: "completed",
    });
    expect(simulate(def, 5).status).toBe("failed: Flowchart exceeded max_node_executions (5).");
  });

  it("fan-out-fan-in.yaml runs both branches and joins them once", () => {
    const result = simulate(load("fan-out-fan-in.yaml"));
    expect(result).toEqual({ trace: ["start#1", "left#1", "right#1", "join#1", "end#1"], status: "completed" });
  });

  it("the loop without fan_in_mode any is flagged as a join that can never fire, at the node's line", () => {
    const text = readFileSync(join(examplesDir, "loop-with-guardrail.yaml"), "utf8").replace("    config:\n      fan_in_mode: any\n", "");
    const result = parseFlowFile(text, "loop.yaml");
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => [w.code, w.path, w.line])).toEqual([["join_never_fires", "nodes[1]", text.split("\n").indexOf("  - id: check") + 1]]);
    expect(simulate(result.definition!)).toEqual({ trace: ["start#1"], status: "completed" });
  });
});
