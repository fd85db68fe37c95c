/**
 * The scope a node run's tool-host token is minted for. Every out-of-process dispatcher (process, kubernetes) asks
 * the issuer with this, so a node may call the same tool domains wherever it runs.
 */
import type { ExecutionRequest } from "../plugin-api/contributions.js";
import type { ToolHostScope } from "./process-dispatcher.js";

/**
 * The tool domains a node's token may call: `node_config.tool_domains` when given, else every domain for an LLM
 * `task` node (its model picks tools), else only the node type's own domain (a memory node calls `memory`).
 */
export function toolDomainsOf(request: ExecutionRequest): string[] | null {
  const listed = request.node_config.tool_domains;
  if (Array.isArray(listed)) return listed.filter((d): d is string => typeof d === "string");
  return request.node_type === "task" ? null : [request.node_type];
}

/** The tool-host scope of a node run dispatched by `dispatcher`. */
export function toolHostScopeOf(request: ExecutionRequest, dispatcher: string): ToolHostScope {
  return {
    flowchart_run_id: request.flowchart_run_id === undefined || request.flowchart_run_id === null ? null : String(request.flowchart_run_id),
    node_id: String(request.node_id), node_run_id: String(request.execution_id), node_type: request.node_type,
    execution_index: request.execution_index, dispatcher, tool_domains: toolDomainsOf(request),
  };
}
