/**
 * The node types the kernel delivers (reference §16.1-16.3, §6.1): start, end, decision and flowchart. Their
 * capabilities are the built-in rows of core/flow/graph; this file gives them `execute`, run through the dispatcher
 * port like any plugin's node type.
 */
import { failedResult, successResult } from "../../execution/execution-results.js";
import { errorMessage } from "../../errors/index.js";
import type { ExecutionRequest, ExecutionResult, NodeTypeContribution } from "../../plugin-api/contributions.js";
import { collectInputContextAttachments, endNodeResult, evaluateDecision, startNodeResult, type FlowConnector } from "../graph/index.js";
import { runSubflow, type SubflowHost } from "./subflow.js";
import { assertNodeToolFallbackMode, failedToolResultOf, NODE_TOOL_FALLBACK_CONFIG_PROPERTIES, nodeToolFallbackResult } from "../../tooling/node-fallback.js";
import { failedNodeResultFromError } from "../../tooling/node-tool-call.js";

/** The cutover gate as the router injected it into node_config (reference §15.7). */
export function cutoverOf(request: ExecutionRequest): boolean {
  return String(request.node_config.__agent_runtime_cutover_enabled ?? "").toLowerCase() === "true";
}

function outgoingOf(request: ExecutionRequest): FlowConnector[] | null {
  const raw = request.outgoing_connectors;
  if (!Array.isArray(raw)) return null;
  return raw.map((c: Record<string, unknown>) => ({
    id: String(c.id), source: String(request.node_id), target: String(c.target), mode: c.mode as FlowConnector["mode"], conditionKey: (c.condition_key as string | null) ?? null,
  }));
}

async function decide(request: ExecutionRequest): Promise<ExecutionResult> {
  try {
    assertNodeToolFallbackMode(request);
  } catch (err) {
    return failedNodeResultFromError(err);
  }
  try {
    const result = evaluateDecision(request.node_config, request.input_context, outgoingOf(request), { requireConditions: cutoverOf(request) });
    return successResult(result.output_state, result.routing_state);
  } catch (err) {
    // A failed evaluation is the decision tool failing: tool_fallback_mode may answer no_match instead (§3.1).
    const fields = { attachments: collectInputContextAttachments(request.input_context) };
    return nodeToolFallbackResult(request, failedToolResultOf(err), { operation: "evaluate", fields }) ?? failedResult("execution_error", errorMessage(err));
  }
}

/** start, end, decision and flowchart; `host` is the flow engine (the flowchart type starts and waits for child runs). */
export function builtInNodeTypes(host: () => SubflowHost): NodeTypeContribution[] {
  return [
    { type: "start", description: "Entry of a run; reaching it again queues a follow-up run.", execute: async () => successResult(startNodeResult().output_state, {}) },
    {
      type: "end", description: "Ends the run (terminate_run).",
      execute: async () => {
        const { output_state, routing_state } = endNodeResult();
        return successResult(output_state, routing_state);
      },
    },
    {
      type: "decision", description: "Routes by decision_conditions evaluated against the input context.", execute: decide,
      configSchema: { type: "object", properties: { ...NODE_TOOL_FALLBACK_CONFIG_PROPERTIES } },
    },
    { type: "flowchart", description: "Runs another flowchart (ref_id) as a child run and waits for it.", execute: (request, signal) => runSubflow(host(), request, signal) },
  ];
}
