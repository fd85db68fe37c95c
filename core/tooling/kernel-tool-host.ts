/**
 * The in-process ToolHost over the invoker (what `toolHostRef` resolves to), with the helpers callers need around it:
 * hosts pinned to a scope or a node run, node-run tokens for sandboxes, and the callback URL they call.
 */
import type { ExecutionRequest, ToolDescriptor, ToolHost, ToolInvocation, ToolInvocationResult } from "../plugin-api/contributions.js";
import { mergeScope, nodeRunScope } from "./node-run-scope.js";
import type { NodeRunTokenSigner } from "./node-run-token.js";
import type { ToolCall } from "./tool-call.js";
import type { ToolInvoker } from "./tool-invoker.js";

/** The kernel's tool host: a ToolHost plus scoping, node-run tokens and the callback URL. */
export interface KernelToolHost extends ToolHost {
  /** Runs a call (a plain ToolInvocation, or a ToolCall with retry/fallback/trace options). */
  invoke(call: ToolCall): Promise<ToolInvocationResult>;
  /** A host whose calls always carry `scope` (its ids cannot be overridden by the call's own scope). */
  scoped(scope: Readonly<Record<string, unknown>>): ToolHost & { invoke(call: ToolCall): Promise<ToolInvocationResult> };
  /** The host of one node run (scope from its v1 execution request). */
  forExecution(request: ExecutionRequest): ToolHost & { invoke(call: ToolCall): Promise<ToolInvocationResult> };
  /** A token letting a sandbox call tools for the node run in `scope` only (`flowchart_run_id`, `node_run_id` required). */
  issueNodeRunToolToken(scope: Readonly<Record<string, unknown>>, ttlSeconds?: number): string;
  /** Where sandboxes call back (`ARK_TOOLHOST_URL`): the API's URL once it listens, else null. */
  callbackUrl(): string | null;
}

/** Builds the kernel tool host. */
export function createKernelToolHost(options: {
  invoker: ToolInvoker;
  signer: NodeRunTokenSigner;
  defaultTokenTtlSeconds: number;
  apiUrl: () => string | null;
}): KernelToolHost {
  const { invoker, signer } = options;
  const scoped = (scope: Readonly<Record<string, unknown>>) => ({
    invoke: (call: ToolCall) => invoker.invoke({ ...call, scope: mergeScope(scope, call.scope) }),
    describe: async (): Promise<readonly ToolDescriptor[]> => invoker.describe(),
  });
  return {
    invoke: (call: ToolCall | ToolInvocation) => invoker.invoke(call),
    describe: async () => invoker.describe(),
    scoped,
    forExecution: (request) => scoped(nodeRunScope(request)),
    issueNodeRunToolToken: (scope, ttlSeconds) => signer.issue(scope, ttlSeconds ?? options.defaultTokenTtlSeconds),
    callbackUrl: options.apiUrl,
  };
}
