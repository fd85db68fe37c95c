/**
 * Node config against its node type's `configSchema` (NodeTypeContribution): the graph validator's `configProblems`
 * hook, backed by the kernel's one ajv registry. A node whose config violates the schema is a semantic validation
 * error naming the node and the JSON pointer of the offending value (`Node n1 (plan) config /mode must be ...`).
 *
 * The schema describes the type's own keys. The engine's keys (fan-in, decision routing, artifact retention, request
 * and correlation ids) may sit on any node and are checked by the graph rules, so they are left out of what the
 * schema sees: a plugin schema with `additionalProperties: false` stays valid for nodes that use them.
 */
import type { ContractRegistry } from "../../contracts/contract-registry-port.js";
import { describeIssue } from "../../contracts/index.js";
import type { JSONSchema } from "../../contracts/json-schema.js";
import { ArkError, errorMessage } from "../../errors/index.js";
import type { NodeTypeContribution, Owned } from "../../plugin-api/contributions.js";
import type { FlowNode, NodeTypeCapabilities } from "../graph/index.js";

/** The graph validator's hook: the problems of one node's config, each phrased after `Node {id} ({type}) `. */
export type NodeConfigProblems = (node: FlowNode, capabilities: NodeTypeCapabilities) => readonly string[];

/** Config keys the engine reads on any node; a type's configSchema does not see them. */
export const ENGINE_CONFIG_KEYS: ReadonlySet<string> = new Set([
  "fan_in_mode", "fan_in_custom_count", "no_match_policy", "fallback_condition_key", "decision_conditions", "route_field_path",
  "retention_mode", "retention_ttl_seconds", "retention_max_count", "request_id", "correlation_id", "__agent_runtime_cutover_enabled",
]);

/** Most problems reported per node (ajv with allErrors can list many for one bad value). */
const MAX_PROBLEMS_PER_NODE = 5;

/** The `$id` a node type's config schema is registered under. */
export function nodeConfigSchemaId(type: string): string {
  return `ark://flow/node-types/${encodeURIComponent(type)}/config.json`;
}

/**
 * Registers every contributed node type's configSchema in `contracts` and compiles it now, so a plugin with a broken
 * schema fails the boot naming the plugin (ARK_FLOW_NODE_TYPE_INVALID) instead of every later validation. Returns the
 * validator hook; node types without a configSchema accept any config.
 */
export function createNodeConfigCheck(
  contracts: ContractRegistry,
  contributions: Iterable<NodeTypeContribution | Owned<NodeTypeContribution>>,
): NodeConfigProblems {
  const schemaIds = new Map<string, string>();
  for (const entry of contributions) {
    const { contribution, pluginId } = "value" in entry ? { contribution: entry.value, pluginId: entry.pluginId } : { contribution: entry, pluginId: null };
    if (contribution.configSchema === undefined) continue;
    const id = nodeConfigSchemaId(contribution.type);
    try {
      const schema: JSONSchema = contribution.configSchema;
      const document = typeof schema === "boolean" ? (schema ? {} : { not: {} }) : schema;
      contracts.register({ ...document, $id: id }); // the same schema again is a no-op
      contracts.check(id, {}); // compiles it
    } catch (err) {
      throw new ArkError("ARK_FLOW_NODE_TYPE_INVALID", `Node type '${contribution.type}'${pluginId ? ` of plugin '${pluginId}'` : ""} declares an invalid configSchema: ${errorMessage(err)}`, {
        details: { node_type: contribution.type, plugin: pluginId },
        cause: err,
      });
    }
    schemaIds.set(contribution.type, id);
  }
  return (node) => {
    const id = schemaIds.get(node.type);
    if (id === undefined) return [];
    const own = Object.fromEntries(Object.entries(node.config ?? {}).filter(([key]) => !ENGINE_CONFIG_KEYS.has(key)));
    const result = contracts.check(id, own);
    if (result.valid) return [];
    return result.issues.slice(0, MAX_PROBLEMS_PER_NODE).map((issue) => `config ${describeIssue(issue)} (node type configSchema).`);
  };
}
