/**
 * The `inline` dispatcher: runs a node type's `execute` in this process, with the same request and result contracts
 * as the process and Kubernetes dispatchers (only the transport is skipped). Aborting the signal answers `cancelled`
 * at once, whether or not the node type itself listens to the signal.
 */
import { errorMessage } from "../errors/index.js";
import type { DispatcherContribution, ExecutionRequest, ExecutionResult, NodeExecutionContext, NodeTypeContribution } from "../plugin-api/contributions.js";
import { failedResult } from "./execution-results.js";

/** Where the inline dispatcher looks node types up (the kernel's nodeTypes registry). */
export interface NodeTypeLookup {
  get(type: string): NodeTypeContribution | undefined;
}

/** The id of the in-process dispatcher. */
export const INLINE_DISPATCHER_ID = "inline";

function cancelled(): ExecutionResult {
  return failedResult("cancelled", "Node execution was cancelled.", { status: "cancelled" });
}

/**
 * Creates the inline dispatcher over a node-type lookup (resolved per call, so plugins registered later are seen).
 * `contextFor` gives each node run its tool host (scoped to the run) and the kernel's executors.
 */
export function createInlineDispatcher(
  nodeTypes: () => NodeTypeLookup,
  contextFor: (request: ExecutionRequest) => NodeExecutionContext | undefined = () => undefined,
): DispatcherContribution {
  return {
    id: INLINE_DISPATCHER_ID,
    description: "Runs node types in the kernel process (same v1 contract, no transport).",
    async dispatch(request, options) {
      const { signal } = options;
      const startedAt = new Date().toISOString();
      const type = nodeTypes().get(request.node_type);
      if (!type?.execute) return failedResult("unsupported_node_type", `Unsupported flowchart node type '${request.node_type}'.`);
      if (signal.aborted) return cancelled();
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<ExecutionResult>((resolve) => {
        onAbort = () => resolve(cancelled());
        signal.addEventListener("abort", onAbort, { once: true });
      });
      try {
        const result = await Promise.race([type.execute(request, signal, contextFor(request)), aborted]);
        return { ...result, started_at: result.started_at ?? startedAt, finished_at: result.finished_at ?? new Date().toISOString() };
      } catch (err) {
        return signal.aborted ? cancelled() : failedResult("execution_error", `Node execution failed: ${errorMessage(err)}`);
      } finally {
        signal.removeEventListener("abort", onAbort!);
      }
    },
  };
}
