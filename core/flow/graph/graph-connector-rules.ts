/**
 * Per-connector validation rules (orchestration-and-events §2.3 rules 7-9): ids, modes, endpoints, condition keys,
 * and mixed modes between one source/target pair.
 */
import { CONNECTOR_MODES, conditionKeyOf, type FlowConnector } from "./graph-model.js";
import type { RuleContext } from "./graph-rule-context.js";

/** Rules 7-8 for every connector, then rule 9 per (source, target) pair. */
export function checkConnectors(ctx: RuleContext, connectors: readonly FlowConnector[]): void {
  const { sink, index } = ctx;
  const ids = new Set<string>();
  const modesByPair = new Map<string, Set<string>>();
  for (const connector of connectors) {
    if (ids.has(connector.id)) {
      sink.structuralIssue({ code: "connector_id_duplicate", message: `Connector id '${connector.id}' is used by more than one connector.`, connectorId: connector.id });
    }
    ids.add(connector.id);
    const validMode = CONNECTOR_MODES.includes(connector.mode);
    if (!validMode) {
      sink.structuralIssue({ code: "connector_mode_invalid", message: `Edge ${connector.id} must define edge_mode as solid, dotted, dashed.`, connectorId: connector.id });
    }
    if (!index.nodesById.has(connector.source)) {
      sink.structuralIssue({ code: "connector_source_missing", message: `Edge source node ${connector.source} does not exist.`, connectorId: connector.id });
      continue;
    }
    if (!index.nodesById.has(connector.target)) {
      sink.structuralIssue({ code: "connector_target_missing", message: `Edge target node ${connector.target} does not exist.`, connectorId: connector.id });
      continue;
    }
    if (validMode) {
      const pair = `${connector.source}->${connector.target}`;
      (modesByPair.get(pair) ?? modesByPair.set(pair, new Set()).get(pair)!).add(connector.mode);
    }
    checkConditionKey(ctx, connector);
  }
  for (const [pair, modes] of modesByPair) {
    if (modes.size < 2) continue;
    const connector = connectors.find((c) => `${c.source}->${c.target}` === pair)!;
    sink.semanticIssue({
      code: "connector_modes_mixed",
      message: `Edges ${pair} cannot mix connector modes for the same source/target pair.`,
      nodeId: connector.source,
      connectorId: connector.id,
    });
  }
}

function checkConditionKey(ctx: RuleContext, connector: FlowConnector): void {
  const source = ctx.index.nodesById.get(connector.source)!;
  const routesByKey = ctx.registry.get(source.type)?.routesByConditionKey ?? false;
  const key = conditionKeyOf(connector);
  if (connector.mode === "solid" && routesByKey) {
    if (key === null) {
      ctx.sink.semanticIssue({
        code: "decision_condition_key_required",
        message: `Decision node ${source.id} requires condition_key on each solid outgoing edge.`,
        nodeId: source.id,
        connectorId: connector.id,
      });
    }
    return;
  }
  if (key !== null) {
    ctx.sink.semanticIssue({
      code: "condition_key_not_allowed",
      message: `Only decision nodes may define condition_key on solid edges (source node ${source.id}).`,
      nodeId: source.id,
      connectorId: connector.id,
    });
  }
}
