// Test support for the tools-memory tests: a local fake model behind an executor's complete() (a queue of canned
// answers, each request recorded), and a dispatcher that passes the node run's tool host the way `inline` does.
import {
  coreServices, definePlugin, toolHostRef, type DispatcherContribution, type ExecutorContribution, type KernelToolHost, type LlmCompletionRequest, type NodeTypeContribution,
} from "../../core/plugin-api/index.js";

/** The fake model's script: answers in order (an Error is thrown instead); the last one repeats. */
export interface FakeModel {
  answers: (string | Error)[];
  readonly requests: LlmCompletionRequest[];
}

/** A fake model with an empty script. */
export function fakeModel(): FakeModel {
  return { answers: [], requests: [] };
}

/** A plugin contributing the `frontier` executor whose complete() answers from `model`. */
export function fakeModelPlugin(model: FakeModel) {
  const executor: ExecutorContribution = {
    id: "frontier",
    description: "Test executor: a scripted model.",
    async execute() {
      throw new Error("the fake executor only completes");
    },
    async complete(request) {
      model.requests.push(request);
      const answer = model.answers[Math.min(model.requests.length - 1, model.answers.length - 1)] ?? new Error("no scripted answer");
      if (answer instanceof Error) throw answer;
      return { text: answer, provider: request.provider ?? "fake", model: request.model ?? "fake-1" };
    },
  };
  return definePlugin({ id: "test-fake-model", version: "1.0.0", kernel: "^1.0.0", register: (r) => r.executor(executor) });
}

/**
 * A dispatcher `tools-inline` that runs node types in process and passes `{ tools }` (the node run's tool host), as the
 * inline dispatcher does once wired to the tooling module. Route memory nodes to it with `execution.legacyDispatcher`.
 */
export function toolsInlinePlugin() {
  let host: KernelToolHost | null = null;
  let nodeTypes: ((type: string) => NodeTypeContribution | undefined) | null = null;
  const dispatcher: DispatcherContribution = {
    id: "tools-inline",
    async dispatch(request, options) {
      const type = nodeTypes?.(request.node_type);
      if (!type?.execute || !host) throw new Error(`tools-inline cannot run ${request.node_type}`);
      return type.execute(request, options.signal, { tools: host.forExecution(request) });
    },
  };
  return definePlugin({
    id: "test-tools-inline", version: "1.0.0", kernel: "^1.0.0", requires: ["tooling", "tooling-api", "flow", "flow-api"], consumes: [toolHostRef],
    register: (r) => r.dispatcher(dispatcher),
    init(ctx) {
      host = ctx.get(toolHostRef);
      const registries = ctx.get(coreServices.registries);
      nodeTypes = (type) => registries.nodeTypes.get(type);
    },
  });
}
