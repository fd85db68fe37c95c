/**
 * How flowcharts, graphs, runs and node runs look on the wire: snake_case keys (as the reference's API), graphs in
 * ARK's field names (what `POST .../graph` accepts back unchanged), validation as `{valid, errors, ...}` (§2.4).
 */
import type { JSONSchema } from "../../contracts/json-schema.js";
import type { FlowRun, NodeRun } from "../engine/engine-types.js";
import type { RunStatusSummary } from "../engine/run-queries.js";
import type { DecisionKeyChange, FlowGraph } from "../graph/index.js";
import type { FlowchartGraph, FlowchartRecord, GraphValidationView } from "../store/flowchart-repository.js";
import { snakeKeys } from "./route-support.js";

/** A flowchart without its graph. */
export function flowchartView(record: FlowchartRecord): Record<string, unknown> {
  return snakeKeys({ id: record.id, name: record.name, description: record.description, schemaVersion: record.schemaVersion, settings: record.settings, createdAt: record.createdAt, updatedAt: record.updatedAt });
}

/** The validation verdict: `errors` are messages; the issue lists carry codes and the node / connector at fault. */
export function validationBody(validation: GraphValidationView): Record<string, unknown> {
  return {
    valid: validation.valid, errors: validation.errors, structural_errors: validation.structuralErrors,
    semantic_errors: validation.semanticErrors, warnings: validation.warnings,
  };
}

/** A graph answer: nodes, connectors, validation, and the condition keys a save assigned. */
export function graphBody(graph: FlowchartGraph): Record<string, unknown> {
  return { ok: true, flowchart_id: graph.flowchartId, ...graphPayload(graph.graph), validation: validationBody(graph.validation), key_changes: keyChanges(graph.keyChanges) };
}

function graphPayload(graph: FlowGraph): Record<string, unknown> {
  return { nodes: graph.nodes, connectors: graph.connectors };
}

function keyChanges(changes: readonly DecisionKeyChange[]): unknown[] {
  return changes.map((c) => snakeKeys(c));
}

/** A run. */
export function runView(run: FlowRun): Record<string, unknown> {
  return snakeKeys(run);
}

/** A node run. */
export function nodeRunView(nodeRun: NodeRun): Record<string, unknown> {
  return snakeKeys(nodeRun);
}

/** The §17 status summary fields. */
export function statusView(summary: RunStatusSummary): Record<string, unknown> {
  return { counts: summary.counts, warning_count: summary.warningCount, warnings: summary.warnings };
}

/** Response schema pieces shared by the route groups (they document; responses are not filtered). */
export const schemas = {
  flowchart: {
    type: "object",
    properties: {
      id: { type: "string" }, name: { type: "string" }, description: { type: ["string", "null"] }, schema_version: { type: "integer" },
      settings: { type: "object", description: "max_node_executions, max_runtime_minutes, max_parallel_nodes." },
      created_at: { type: "string", format: "date-time" }, updated_at: { type: "string", format: "date-time" },
    },
  },
  validation: {
    type: "object",
    required: ["valid", "errors"],
    properties: {
      valid: { type: "boolean" },
      errors: { type: "array", items: { type: "string" }, description: "Every error message (structural and semantic)." },
      structural_errors: { type: "array", items: { type: "object" } },
      semantic_errors: { type: "array", items: { type: "object" }, description: "Saved, but a run is refused until fixed." },
      warnings: { type: "array", items: { type: "object" }, description: "Never block (joins that may never fire, ...)." },
    },
  },
  run: {
    type: "object",
    description: "A run: status (queued, running, pausing, paused, stopping, completed, failed, stopped, canceled), settings snapshot, warnings, origin, timestamps.",
    properties: {
      id: { type: "string" }, flowchart_id: { type: "string" }, status: { type: "string" }, failure_message: { type: ["string", "null"] },
      warnings: { type: "array", items: { type: "object" } }, origin: { type: "string" }, source_run_id: { type: ["string", "null"] },
      created_at: { type: "string" }, started_at: { type: ["string", "null"] }, finished_at: { type: ["string", "null"] },
    },
  },
  nodeRun: {
    type: "object",
    description: "One execution of one node: status, execution_index, input_context, output_state, routing_state, error, lease.",
    properties: {
      id: { type: "string" }, run_id: { type: "string" }, node_id: { type: "string" }, node_type: { type: "string" }, execution_index: { type: "integer" },
      status: { type: "string" }, error: { type: ["string", "null"] }, idempotency_key: { type: "string" },
    },
  },
  artifact: { type: "object", description: "An artifact (§12.5): ids, artifact_type, ref_id, execution_index, retention, request/correlation ids, payload." },
  graph: {
    type: "object",
    properties: {
      ok: { type: "boolean" }, flowchart_id: { type: "string" },
      nodes: { type: "array", items: { type: "object" } }, connectors: { type: "array", items: { type: "object" } },
      key_changes: { type: "array", items: { type: "object" }, description: "Condition keys the decision connector sync assigned on this save." },
    },
  },
} satisfies Record<string, JSONSchema>;
