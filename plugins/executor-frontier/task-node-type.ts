/**
 * The `task` node type (orchestration §16.4): an LLM node whose executor class follows its model provider, as the
 * router decides it (vLLM providers → the `vllm` executor, everything else → `frontier`). The node type only picks
 * the executor; the executor runs the prompt, the tool loop and the output schema.
 */
import {
  executorClassFor,
  failedResult,
  type ExecutionRequest,
  type ExecutionResult,
  type ExecutorContribution,
  type NodeExecutionContext,
  type NodeTypeContribution,
  type ReadonlyRegistry,
} from "../../core/plugin-api/index.js";

/** The node type id. */
export const TASK_NODE_TYPE = "task";

/** The `task` node type; its capabilities are the reference row (no ref, all bindings, `task_prompt` required). */
export class TaskNodeType implements NodeTypeContribution {
  readonly type = TASK_NODE_TYPE;
  readonly description = "An LLM task: task_prompt + input context through the frontier or vLLM executor, with the node run's tools.";
  private executors: ReadonlyRegistry<ExecutorContribution> | null = null;

  /** `own` serves the frontier class when the kernel's executor registry is not bound (inside an executor sandbox). */
  constructor(private readonly own: ExecutorContribution) {}

  /** Binds the kernel's executor registry (plugin init), so vLLM nodes reach the `vllm` executor. */
  bind(executors: ReadonlyRegistry<ExecutorContribution>): void {
    this.executors = executors;
  }

  async execute(request: ExecutionRequest, signal: AbortSignal, context?: NodeExecutionContext): Promise<ExecutionResult> {
    const executorClass = executorClassFor(request);
    const executor = context?.executors?.(executorClass) ?? this.executors?.get(executorClass) ?? (executorClass === this.own.id ? this.own : undefined);
    if (!executor) {
      return failedResult("config_error", `Node ${String(request.node_id)} needs the '${executorClass}' executor, which is not enabled in this kernel.`, {
        details: { executor_class: executorClass, enabled: this.executors?.ids() ?? [this.own.id] },
      });
    }
    return executor.execute(request, signal, context);
  }
}
