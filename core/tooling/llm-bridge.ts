/**
 * `ToolCallContext.llm`: one completion from an enabled executor's model, so `llm_guided` tool modes go through the
 * execution plane's executor classes. The executor is picked per request, as the router picks a class for a node:
 * vLLM providers → `vllm`, others → `frontier`; failing that, the first executor that can complete.
 */
import type { ExecutorContribution, LlmCompletion, LlmCompletionRequest } from "../plugin-api/contributions.js";

/** Where executors are looked up (the kernel's executors registry fits). */
export interface ExecutorLookup {
  get(id: string): ExecutorContribution | undefined;
  ids(): string[];
}

/** A completion function, as ToolCallContext.llm has it. */
export type LlmComplete = (request: LlmCompletionRequest) => Promise<LlmCompletion>;

/** True for provider keys that run on vLLM (`vllm`, `vllm_local`, `vllm-remote`, ...). */
export function isVllmProvider(provider: string | undefined): boolean {
  return typeof provider === "string" && /^vllm([_-]|$)/i.test(provider.trim());
}

/** The executor that answers `request`, or undefined when none can complete. */
export function pickCompletingExecutor(executors: ExecutorLookup, request: Pick<LlmCompletionRequest, "provider">): ExecutorContribution | undefined {
  const preferred = isVllmProvider(request.provider) ? "vllm" : "frontier";
  const first = executors.get(preferred);
  if (first?.complete) return first;
  for (const id of executors.ids().sort()) {
    const executor = executors.get(id);
    if (executor?.complete) return executor;
  }
  return undefined;
}

/** ctx.llm over the registry, or undefined when no enabled executor has `complete` (checked per call). */
export function executorLlm(executors: ExecutorLookup): LlmComplete | undefined {
  if (!executors.ids().some((id) => executors.get(id)?.complete)) return undefined;
  return async (request) => {
    const executor = pickCompletingExecutor(executors, request);
    // Checked above; a registry never loses entries while the kernel runs.
    return executor!.complete!(request);
  };
}
