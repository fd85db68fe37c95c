/**
 * Static graph validation (orchestration-and-events §2.3, §2.4). Every rule of the reference, with its message, sorted
 * into two lists as ARK's API answers them:
 *
 * - structural errors — the graph cannot be stored as sent, the save answers 400 with the error envelope: payload
 *   shape, ids, unknown node types, non-object config, bad connector modes, connectors to nodes that do not exist,
 *   bindings a node type does not support;
 * - semantic errors — the graph saves and comes back with `validation: {valid: false, errors}`, and a run of it is
 *   refused (400): ref rules, required config, start count, condition keys, mixed modes, fan-in counts, End and
 *   decision rules, reachability, and (when the caller can look rows up) missing referenced rows.
 *
 * Warnings never block: joins that cannot fire (join-analysis.ts), ignored config, free-text decision conditions.
 */
import { ArkError } from "../../errors/index.js";
import { routesByConditionKey } from "./decision-sync.js";
import { checkConnectors } from "./graph-connector-rules.js";
import { disconnectedNodeIds, indexGraph } from "./graph-index.js";
import type { FlowGraph, GraphIssue } from "./graph-model.js";
import { checkNodeConnections, checkNodeDefinition, checkNodeReference } from "./graph-node-rules.js";
import { IssueSink, type GraphValidationOptions, type RuleContext } from "./graph-rule-context.js";
import { analyseJoins } from "./join-analysis.js";
import { normaliseGraphPayload } from "./normalise-graph.js";
import { createNodeTypeCapabilityRegistry, type NodeTypeCapabilities } from "./node-type-capabilities.js";

export type { GraphValidationOptions } from "./graph-rule-context.js";

/** The verdict on a graph. `valid` means both error lists are empty; warnings do not count. */
export interface GraphValidation {
  readonly valid: boolean;
  readonly structuralErrors: GraphIssue[];
  readonly semanticErrors: GraphIssue[];
  readonly warnings: GraphIssue[];
}

let builtInRegistry: ReturnType<typeof createNodeTypeCapabilityRegistry> | null = null;

/** Validates a FlowGraph against the node-type registry (default: built-in types only). */
export function validateGraph(graph: FlowGraph, options: GraphValidationOptions = {}): GraphValidation {
  const registry = options.registry ?? (builtInRegistry ??= createNodeTypeCapabilityRegistry());
  const index = indexGraph(graph);
  const sink = new IssueSink();
  const ctx: RuleContext = { index, registry, options, sink };
  const known = new Map<string, NodeTypeCapabilities>();
  const seenIds = new Set<string>();
  for (const node of graph.nodes) {
    if (seenIds.has(node.id)) sink.structuralIssue({ code: "node_id_duplicate", message: `Node id '${node.id}' is used by more than one node.`, nodeId: node.id });
    seenIds.add(node.id);
    const caps = checkNodeDefinition(ctx, node);
    if (caps !== null) known.set(node.id, caps);
  }
  const starts = graph.nodes.filter((node) => node.type === "start");
  if (starts.length !== 1) {
    sink.semanticIssue({ code: "start_node_count", message: `Flowchart must contain exactly one start node; found ${starts.length}.`, nodeId: starts[1]?.id });
  }
  checkConnectors(ctx, graph.connectors);
  for (const node of graph.nodes) {
    const caps = known.get(node.id);
    if (caps !== undefined) checkNodeConnections(ctx, node, caps);
  }
  const disconnected = disconnectedNodeIds(index);
  if (disconnected.length > 0) {
    sink.semanticIssue({ code: "nodes_disconnected", message: `Disconnected required nodes found: ${disconnected.join(", ")}`, nodeId: disconnected[0] });
  }
  for (const node of graph.nodes) {
    const caps = known.get(node.id);
    if (caps !== undefined) checkNodeReference(ctx, node, caps);
  }
  const isDecision = (id: string) => routesByConditionKey(index.nodesById.get(id)!, registry);
  const fanInApplies = (id: string) => known.get(id)?.fanIn ?? false;
  for (const warning of analyseJoins(index, isDecision, fanInApplies)) sink.warning(warning);
  return verdict(sink.structural, sink.semantic, sink.warnings);
}

function verdict(structuralErrors: GraphIssue[], semanticErrors: GraphIssue[], warnings: GraphIssue[]): GraphValidation {
  return { valid: structuralErrors.length === 0 && semanticErrors.length === 0, structuralErrors, semanticErrors, warnings };
}

/**
 * Normalises a raw payload (reference or ARK field names) and validates the result: the graph save path. The
 * payload's structural problems come first, then the graph's.
 */
export function validateGraphPayload(payload: unknown, options: GraphValidationOptions = {}): GraphValidation & { graph: FlowGraph } {
  const { graph, issues } = normaliseGraphPayload(payload);
  const result = validateGraph(graph, options);
  return { graph, ...verdict([...issues, ...result.structuralErrors], result.semanticErrors, result.warnings) };
}

/** The messages of both error lists, structural first: the reference's `validation.errors` strings. */
export function validationErrorMessages(validation: GraphValidation): string[] {
  return [...validation.structuralErrors, ...validation.semanticErrors].map((issue) => issue.message);
}

/** Throws ARK_FLOW_GRAPH_INVALID (400) listing every error when the graph may not run or be stored. */
export function assertValidGraph(validation: GraphValidation, subject = "Flowchart graph"): void {
  if (validation.valid) return;
  const messages = validationErrorMessages(validation);
  const more = messages.length > 1 ? ` (and ${messages.length - 1} more)` : "";
  throw new ArkError("ARK_FLOW_GRAPH_INVALID", `${subject} is invalid: ${messages[0]}${more}`, {
    details: { structuralErrors: validation.structuralErrors, semanticErrors: validation.semanticErrors, warnings: validation.warnings },
  });
}
