/**
 * A flow with `task` nodes runs in a real kernel (PGlite store, flow engine, inline dispatcher) against local fakes:
 * the example flow examples/flows/task-hello.yaml on the frontier executor, a vLLM-provider node routed to the vLLM
 * executor, and a provider failure that fails the node run with the normalised error envelope.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importFlowText, nodeTypeRegistryOf } from "../../core/flow/api/flow-file-import.js";
import type { FlowEngine } from "../../core/flow/engine/flow-engine.js";
import { builtinModules } from "../../core/kernel/builtin-modules.js";
import { coreServices, definePlugin } from "../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../core/testing/index.js";
import { openAiReplies, startFakeLlmServer, type FakeLlmServer } from "../../test/fixtures/llm-fakes/index.js";
import vllmPlugin from "../executor-vllm/index.js";
import frontierPlugin from "./index.js";

const flowUser = definePlugin({ id: "flow-user", version: "1.0.0", kernel: "^1.0.0", requires: ["flow"] });
let openai: FakeLlmServer;
let vllm: FakeLlmServer;
let kernel: TestKernel;
let engine: FlowEngine;

async function runFlow(text: string, name: string) {
  const registries = kernel.get(coreServices.registries);
  const imported = await importFlowText({ engine, db: kernel.get(coreServices.store), registry: nodeTypeRegistryOf(registries) }, text, name, { matchName: true });
  const started = await engine.startRun({ flowchartId: imported.flowchart.id });
  const finished = await engine.waitForRun(started.id, { timeoutMs: 20_000 });
  return { run: finished, nodeRuns: (await engine.queries.listNodeRuns(finished.id)).items };
}

function taskFlow(name: string, config: Record<string, unknown>): string {
  return `schema_version: 1\nname: ${name}\nnodes:\n  - id: start\n    type: start\n  - id: ask\n    type: task\n    config: ${JSON.stringify(config)}\n  - id: end\n    type: end\nconnectors:\n  - source: start\n    target: ask\n  - source: ask\n    target: end\n`;
}

beforeAll(async () => {
  [openai, vllm] = await Promise.all([startFakeLlmServer(), startFakeLlmServer()]);
  kernel = await startTestKernel({
    plugins: [flowUser, frontierPlugin, vllmPlugin],
    builtins: builtinModules(),
    // PGlite's cold start is slow on a busy machine, hence the generous plugin timeout.
    config: { flow: { pollIntervalMs: 50, heartbeatMs: 500, leaseSeconds: 5 }, kernel: { pluginTimeoutMs: 60_000 } },
    pluginConfig: {
      "executor-frontier": { providers: { openai: { baseUrl: openai.url, apiKey: "sk-flow-test" } }, retry: { maxAttempts: 2, baseDelayMs: 1 } },
      "executor-vllm": { baseUrl: vllm.url, model: "served-model" },
    },
  });
  engine = kernel.get(coreServices.flow);
});
afterAll(async () => {
  await kernel?.stop();
  await Promise.all([openai?.close(), vllm?.close()]);
});

describe("task node in a flow (inline dispatcher)", () => {
  it("runs the example flow: the task node answers through the frontier executor and the run completes", async () => {
    openai.enqueue(openAiReplies.text("{\"greeting\": \"Hello, operator.\", \"route_key\": \"done\"}"));
    const text = readFileSync(new URL("../../examples/flows/task-hello.yaml", import.meta.url), "utf8");
    const { run, nodeRuns } = await runFlow(text, "task-hello.yaml");
    expect(run.status).toBe("completed");
    expect(nodeRuns.map((n) => `${n.nodeId}:${n.status}`)).toEqual(["start:succeeded", "greet:succeeded", "end:succeeded"]);
    const greet = nodeRuns[1]!;
    expect(greet.outputState).toMatchObject({ node_type: "task", provider: "openai", structured_output: { greeting: "Hello, operator.", route_key: "done" } });
    expect(greet.routingMetadata).toMatchObject({ dispatcher: "inline", executor_class: "frontier" });
    expect(openai.requests[0]!.body.messages[0].content).toContain("Greet the operator");
  });

  it("routes a vLLM-provider task node to the vllm executor", async () => {
    vllm.enqueue(openAiReplies.text("from vllm", "served-model"));
    const { run, nodeRuns } = await runFlow(taskFlow("vllm task", { provider: "vllm_remote", task_prompt: "Hi" }), "vllm.yaml");
    expect(run.status).toBe("completed");
    expect(nodeRuns[1]!.outputState).toMatchObject({ provider: "vllm", model: "served-model", raw_output: "from vllm" });
    expect(nodeRuns[1]!.routingMetadata).toMatchObject({ executor_class: "vllm" });
    expect(vllm.requests[0]!.path).toBe("/v1/chat/completions");
  });

  it("fails the node run with the provider's normalised error when the provider keeps failing", async () => {
    openai.reset();
    openai.enqueue(openAiReplies.error(500, "upstream down"), openAiReplies.error(500, "upstream down"));
    const { run, nodeRuns } = await runFlow(taskFlow("failing task", { task_prompt: "Hi" }), "failing.yaml");
    expect(run.status).toBe("failed");
    const ask = nodeRuns.find((n) => n.nodeId === "ask")!;
    expect(ask.status).toBe("failed");
    expect(ask.errorCode).toBe("provider_error");
    expect(ask.error).toBe("openai answered HTTP 500: upstream down");
    expect(openai.requests).toHaveLength(2);
  });
});
