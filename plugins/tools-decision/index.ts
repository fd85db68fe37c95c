/**
 * tools-decision: the `decision` tool domain (reference tools-and-migration §3.2): evaluate decision conditions with
 * the flow engine's own grammar, as a tool. The `decision` node type and its artifact contract are built into the
 * kernel (core/flow), so this plugin adds only the domain.
 */
import { definePlugin, type PluginDefinition } from "../../core/plugin-api/index.js";
import { decisionDomain } from "./decision-domain.js";

export { DECISION_DOMAIN_ID, decisionDomain, type EvaluateInput } from "./decision-domain.js";

/** Builds the plugin definition (the default export is one). */
export function createDecisionToolsPlugin(): PluginDefinition {
  return definePlugin({
    id: "tools-decision",
    version: "1.0.0",
    kernel: "^1.0.0",
    // Only register() runs in an executor; its node calls the domain back in the kernel through the ToolHost.
    runsInExecutor: true,
    description: "The `decision` tool domain: the flow engine's condition grammar (evaluate, evaluate_condition) as tools.",
    register(r) {
      r.toolDomain(decisionDomain);
    },
  });
}

export default createDecisionToolsPlugin();
