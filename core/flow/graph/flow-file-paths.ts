/**
 * Where in a flow file a graph issue belongs: the node or connector it names, and within it the key that is wrong
 * (`nodes[2].config.fan_in_mode`, `connectors[4].target`). The parser turns these paths into line:col.
 */
import type { GraphIssue } from "./graph-model.js";

/** A flow file's content once it passed the JSON Schema. */
export interface FileContent {
  schema_version: number;
  name: string;
  description?: string | null;
  settings?: { max_node_executions?: number | null; max_runtime_minutes?: number | null; max_parallel_nodes?: number };
  nodes: { id: string | number; type: string; title?: string | null; ref_id?: number | null; config?: Record<string, unknown>; position?: { x: number; y: number } }[];
  connectors?: { id?: string | number; source: string | number; target: string | number; mode?: string; condition_key?: string | null; condition?: string; label?: string | null }[];
}

/** Connector ids as written, or `source->target` (numbered `#2`, `#3` on repeats) for connectors without one. */
export function fileConnectorIds(connectors: NonNullable<FileContent["connectors"]>): string[] {
  const taken = new Set(connectors.filter((c) => c.id !== undefined).map((c) => String(c.id).trim()));
  return connectors.map((c) => {
    if (c.id !== undefined) return String(c.id).trim();
    const base = `${String(c.source).trim()}->${String(c.target).trim()}`;
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}#${n}`;
    taken.add(id);
    return id;
  });
}

const CONNECTOR_KEYS: Readonly<Record<string, string>> = {
  connector_source_missing: "source",
  connector_target_missing: "target",
  connector_modes_mixed: "mode",
  decision_condition_key_required: "condition_key",
  condition_key_not_allowed: "condition_key",
};

const NODE_KEYS: Readonly<Record<string, readonly string[]>> = {
  node_type_unknown: ["type"],
  ref_required: ["ref_id"],
  ref_not_allowed: ["ref_id"],
  ref_not_found: ["ref_id"],
  config_key_required: ["config"],
  node_config_invalid: ["config"],
  fan_in_mode_invalid: ["config", "fan_in_mode"],
  fan_in_ignored: ["config", "fan_in_mode"],
  fan_in_custom_without_parents: ["config", "fan_in_mode"],
  fan_in_custom_count_invalid: ["config", "fan_in_custom_count"],
  fan_in_custom_count_required: ["config", "fan_in_mode"],
  fan_in_custom_count_too_large: ["config", "fan_in_custom_count"],
  no_match_policy_invalid: ["config", "no_match_policy"],
  decision_fallback_required: ["config", "no_match_policy"],
  decision_fallback_unknown: ["config", "fallback_condition_key"],
  decision_fallback_unused: ["config", "fallback_condition_key"],
};

/** The path of the file entry an issue is about; [] when it names neither a node nor a connector of the file. */
export function flowIssuePath(file: FileContent, issue: GraphIssue): (string | number)[] {
  if (issue.connectorId !== undefined && file.connectors !== undefined) {
    const index = fileConnectorIds(file.connectors).indexOf(issue.connectorId);
    if (index >= 0) {
      const key = CONNECTOR_KEYS[issue.code];
      return key === undefined ? ["connectors", index] : ["connectors", index, key];
    }
  }
  if (issue.nodeId !== undefined) {
    const index = file.nodes.findIndex((node) => String(node.id).trim() === issue.nodeId);
    if (index >= 0) return ["nodes", index, ...(NODE_KEYS[issue.code] ?? [])];
  }
  return [];
}
