/**
 * retry / skip / rewind (reference §9.5): a replay is a new run of the source's graph that resumes from the chosen
 * node run (replay-plan.ts). Idempotent through the ledger — scope `flowchart_run_control:{action}:{run}`, key from the
 * caller or `default:{action}:{run}` — claimed and completed in the same transaction that creates the replay, so a
 * repeated call returns the same replay (`replay_existing`); `forceNew` bypasses it. An active source is `noop_active`.
 */
import type { EmitFn } from "../../events/index.js";
import { ArkError } from "../../errors/index.js";
import type { Queryable } from "../../store/store-port.js";
import { StoreIdempotencyLedger } from "../../tooling/idempotency-ledger.js";
import { fallbackConditionKeyOf, resolveOutgoingConnectors, tokensForSelected, type GraphIndex } from "../graph/index.js";
import type { EngineCore } from "./engine-core.js";
import { ACTIVE_RUN_STATUSES, nodeRunIdempotencyKey, type FlowRun, type RunWarning } from "./engine-types.js";
import { nextExecutionIndex } from "./latest-results.js";
import { planReplay, type SourceNodeRun } from "./replay-plan.js";
import { emitControlEvent } from "./run-control.js";
import { emitNodeFinished } from "./run-events.js";
import { addRunWarnings } from "./run-finalise.js";
import { NODE_RUN_COLUMNS, toNodeRun } from "./run-rows.js";
import { insertRun, readRun } from "./run-start.js";
import { offer } from "./token-delivery.js";

/** What a replay call may say. */
export interface ReplayRequest {
  readonly idempotencyKey?: string | null;
  readonly forceNew?: boolean;
  /** retry/skip: the failed or canceled node run (default: all of them for retry, the latest for skip). */
  readonly nodeRunId?: string | null;
  /** rewind: the node run to restart at (default: the run's first node run). */
  readonly rewindToNodeRunId?: string | null;
  readonly requestId?: string | null;
  readonly correlationId?: string | null;
}

/** The outcome of a replay call. */
export interface ReplayResult {
  readonly run: FlowRun;
  readonly updated: boolean;
  /** retry | skip | rewind when a replay was created; noop_active | replay_existing | idempotent_noop otherwise. */
  readonly appliedAction: string;
  readonly replayRun: FlowRun | null;
  readonly warnings: RunWarning[];
}

/** Creates (or finds) the replay of `runId`. */
export function applyReplay(core: EngineCore, runId: string, action: "retry" | "skip" | "rewind", request: ReplayRequest): Promise<ReplayResult> {
  return core.bus.transaction(async (tx, emit) => {
    const source = await readRun(tx, runId, true);
    const answer = async (appliedAction: string, replayRun: FlowRun | null, warnings: RunWarning[] = []): Promise<ReplayResult> => {
      const updated = replayRun !== null && appliedAction === action;
      await emitControlEvent(emit, source, { requestedAction: action, appliedAction, statusBefore: source.status, updated, replayRunId: replayRun?.id ?? null, warnings });
      return { run: source, updated, appliedAction, replayRun, warnings };
    };
    if (ACTIVE_RUN_STATUSES.includes(source.status)) return answer("noop_active", null);
    const ledger = new StoreIdempotencyLedger(tx);
    const scope = `flowchart_run_control:${action}:${runId}`;
    const key = request.idempotencyKey?.trim() || `default:${action}:${runId}`;
    if (!request.forceNew) {
      const claim = await ledger.claim(scope, key);
      if (claim.status === "existing") {
        const recorded = (claim.result ?? {}) as { replay_run_id?: string };
        if (claim.state === "completed" && recorded.replay_run_id) return answer("replay_existing", await readRun(tx, recorded.replay_run_id));
        return answer("idempotent_noop", null);
      }
    }
    const flowchart = await core.flowcharts.get(source.flowchartId, tx);
    const plan = await planReplay(tx, source, action, { nodeRunId: request.nodeRunId ?? null, rewindToNodeRunId: request.rewindToNodeRunId ?? null });
    let replay = await insertRun(tx, {
      ...plan.run, settings: { ...flowchart.settings, agent_runtime_cutover_enabled: core.cutover() }, requestId: request.requestId ?? null,
      correlationId: request.correlationId ?? plan.run.correlationId ?? null,
    });
    const graph = core.graphs.remember(replay.id, plan.run.graph);
    const warnings = [...plan.warnings];
    if (plan.skip) warnings.push(...(await skipNodeRun(core, tx, emit, replay, graph, plan.skip)));
    await addRunWarnings(tx, replay.id, warnings);
    replay = await readRun(tx, replay.id);
    if (!request.forceNew) await ledger.complete(scope, key, { replay_run_id: replay.id });
    return answer(action, replay, warnings);
  });
}

/**
 * Passes over a failed node run in the replay: a `skipped` node run whose tokens travel on as if it had produced
 * `{skipped: true}`. A decision follows its fallback connector; one without a fallback cannot be skipped.
 */
async function skipNodeRun(core: EngineCore, tx: Queryable, emit: EmitFn, replay: FlowRun, graph: GraphIndex, skipped: SourceNodeRun): Promise<RunWarning[]> {
  const node = graph.nodesById.get(skipped.node_id)!;
  const decision = core.capabilities()?.get(node.type)?.routesByConditionKey ?? node.type === "decision";
  let routingState: Record<string, unknown> = {};
  if (decision) {
    const fallback = fallbackConditionKeyOf(node.config);
    if (fallback === null) {
      throw new ArkError("ARK_FLOW_CONTROL_INVALID", `Decision node ${node.id} has no fallback_condition_key, so skipping it cannot choose a branch; use retry or rewind.`, {
        details: { nodeId: node.id, nodeRunId: skipped.id },
      });
    }
    routingState = { matched_connector_ids: [fallback], evaluations: [], no_match: false, route_key: fallback };
  }
  const routed = resolveOutgoingConnectors({ ...node, config: { ...node.config, no_match_policy: "" } }, graph.outgoing(node.id), routingState, { routesByConditionKey: decision });
  if (!routed.ok) throw new ArkError("ARK_FLOW_CONTROL_INVALID", `Node ${node.id} cannot be skipped: ${routed.message}`, { details: { nodeId: node.id, reason: routed.reason } });
  const executionIndex = await nextExecutionIndex(tx, replay.id, node.id);
  const sequence = replay.totalExecutionCount + 1;
  const outputState = { node_type: node.type, skipped: true, skipped_node_run_id: skipped.id, message: `Node ${node.id} was skipped (replay of run ${replay.sourceRunId}).` };
  const { rows } = await tx.query(
    `INSERT INTO ark_flow_node_runs (run_id, node_id, node_type, execution_index, sequence, status, output_state, routing_state, upstream_tokens,
       idempotency_key, started_at, finished_at)
     VALUES ($1, $2, $3, $4, $5, 'skipped', $6::jsonb, $7::jsonb, $8::jsonb, $9, now(), now()) RETURNING ${NODE_RUN_COLUMNS}`,
    [replay.id, node.id, node.type, executionIndex, sequence, JSON.stringify(outputState), JSON.stringify(routingState), JSON.stringify(skipped.upstream_tokens),
      nodeRunIdempotencyKey(replay.id, node.id, executionIndex)],
  );
  const nodeRun = toNodeRun(rows[0]!);
  await tx.query("UPDATE ark_flow_runs SET total_execution_count = $2 WHERE id = $1", [replay.id, sequence]);
  await emitNodeFinished(emit, replay, nodeRun);
  const warnings: RunWarning[] = [];
  const emission = { nodeId: node.id, nodeType: node.type, executionIndex, sequence, output_state: outputState, routing_state: routingState };
  for (const { target, token } of tokensForSelected(emission, routed.selected)) {
    if (target === graph.startNodeId) {
      warnings.push({ code: "skip_reached_start", message: `The skipped node ${node.id} leads to Start; that connector was not followed.`, node_id: node.id });
      continue;
    }
    await offer(tx, replay.id, graph, target, token, nodeRun.id);
  }
  return warnings;
}
