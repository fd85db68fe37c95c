/** The `task` node type picks the executor of the node's class (vLLM providers → vllm, else frontier). */
import { describe, expect, it } from "vitest";
import { successResult, type ExecutorContribution, type ReadonlyRegistry } from "../../core/plugin-api/index.js";
import { llmRequest } from "../../test/fixtures/llm-fakes/index.js";
import { TaskNodeType } from "./task-node-type.js";

function executor(id: string): ExecutorContribution {
  return { id, execute: async (request) => successResult({ node_type: request.node_type, ran_on: id }) };
}

function registryOf(...executors: ExecutorContribution[]): ReadonlyRegistry<ExecutorContribution> {
  const byId = new Map(executors.map((e) => [e.id, e]));
  return {
    get: (id) => byId.get(id), require: (id) => byId.get(id)!, has: (id) => byId.has(id), ids: () => [...byId.keys()],
    entries: () => executors.map((value) => ({ pluginId: "p", value })), ownerOf: () => "p",
  };
}

const signal = new AbortController().signal;

describe("task node type", () => {
  it("runs frontier nodes on the frontier executor and vLLM nodes on the vllm executor of the kernel", async () => {
    const task = new TaskNodeType(executor("frontier"));
    task.bind(registryOf(executor("frontier"), executor("vllm")));
    expect((await task.execute(llmRequest({ task_prompt: "x", provider: "anthropic" }), signal)).output_state.ran_on).toBe("frontier");
    expect((await task.execute(llmRequest({ task_prompt: "x", model_provider: "vllm_remote" }), signal)).output_state.ran_on).toBe("vllm");
  });

  it("uses its own executor before init (executor sandbox) and names a missing executor class", async () => {
    const task = new TaskNodeType(executor("frontier"));
    expect((await task.execute(llmRequest({ task_prompt: "x" }), signal)).output_state.ran_on).toBe("frontier");
    const missing = await task.execute(llmRequest({ task_prompt: "x", provider: "vllm_local" }), signal);
    expect(missing.error).toMatchObject({ code: "config_error", message: "Node n1 needs the 'vllm' executor, which is not enabled in this kernel." });
  });
});
