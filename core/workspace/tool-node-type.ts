/**
 * A flowchart node type that runs one operation of a tool domain: `config.operation` names it, `config.input` is its
 * input, and the call goes through core/tooling's node-run path (the tool host's envelope when the dispatcher passes
 * one, the handler directly otherwise). The workspace, git and command plugins each register one. Like the special
 * nodes they honour `tool_fallback_mode` (core/tooling/node-fallback.ts); the default fails the node run.
 */
import type { ExecutionRequest, ExecutionResult, NodeExecutionContext, NodeTypeContribution, ToolDomainContribution } from "../plugin-api/contributions.js";
import { failedResult, successResult } from "../execution/execution-results.js";
import { assertNodeToolFallbackMode, failedOrFallbackNodeResult, NODE_TOOL_FALLBACK_CONFIG_PROPERTIES } from "../tooling/node-fallback.js";
import { callNodeRunTool, failedNodeResultFromError } from "../tooling/node-tool-call.js";
import { attachToolTrace } from "../tooling/trace-envelope.js";

/** What a tool node type is built from. */
export interface ToolNodeTypeOptions {
  /** The node type (`workspace`, `git`, `command`). */
  readonly type: string;
  readonly description: string;
  readonly operations: readonly string[];
  /** The domain object as registered in this kernel. */
  readonly domain: () => ToolDomainContribution;
}

/** Builds the node type. */
export function toolNodeType(options: ToolNodeTypeOptions): NodeTypeContribution {
  return {
    type: options.type,
    description: options.description,
    configSchema: {
      type: "object",
      required: ["operation"],
      properties: { operation: { type: "string", enum: [...options.operations] }, input: { type: "object" }, ...NODE_TOOL_FALLBACK_CONFIG_PROPERTIES },
    },
    async execute(request: ExecutionRequest, signal: AbortSignal, context?: NodeExecutionContext): Promise<ExecutionResult> {
      const operation = String(request.node_config.operation ?? "").trim().toLowerCase();
      if (!options.operations.includes(operation)) {
        return failedResult("validation_error", `Unsupported ${options.type} operation '${operation}'.`, { details: { allowed: [...options.operations] } });
      }
      try {
        assertNodeToolFallbackMode(request);
        const domainId = options.domain().id;
        const result = await callNodeRunTool(request, signal, context, { domain: options.domain, operation, input: request.node_config.input ?? {} });
        if (result.status === "failed") return failedOrFallbackNodeResult(request, result, { operation, domain: domainId, fields: { tool_domain: domainId } });
        const base = { node_type: options.type, tool_domain: domainId, operation, result: result.output };
        const { output_state, routing_state } = attachToolTrace(base, { tool_domain: domainId, operation }, result);
        return successResult(output_state, routing_state);
      } catch (err) {
        return failedNodeResultFromError(err);
      }
    },
  };
}
