/**
 * What a replay run starts from (reference §9.5, fixed: ARK resumes from the chosen node run instead of replaying
 * from Start). retry and skip resume the source run's frozen state — its pending activations, fan-in queues, latest
 * results and execution counts — re-running the failed or canceled node runs (retry) or passing over the chosen one
 * (skip). rewind restarts at the chosen node run with the results that existed before it. A source with nothing left
 * to resume (it completed) is replayed from its entry node.
 */
import { ArkError } from "../../errors/index.js";
import type { Queryable } from "../../store/store-port.js";
import { isJsonObject, type FlowGraph, type LatestResult, type UpstreamToken } from "../graph/index.js";
import type { FlowRun, NodeRunStatus, RunWarning } from "./engine-types.js";
import type { NewRun } from "./run-start.js";

/** A source node run as the plan reads it. */
export interface SourceNodeRun {
  readonly id: string;
  readonly node_id: string;
  readonly node_type: string;
  readonly execution_index: number;
  readonly sequence: number;
  readonly status: NodeRunStatus;
  readonly output_state: Record<string, unknown> | null;
  readonly routing_state: Record<string, unknown> | null;
  readonly upstream_tokens: UpstreamToken[];
}

/** The new run (without settings) plus the node run to pass over (skip) and the warnings to report. */
export interface ReplayPlan {
  readonly run: Omit<NewRun, "settings">;
  readonly skip: SourceNodeRun | null;
  readonly warnings: RunWarning[];
}

function invalid(message: string, details: Record<string, unknown>): ArkError {
  return new ArkError("ARK_FLOW_CONTROL_INVALID", message, { details });
}

/** The base state of the source before `beforeSequence` (all of it when absent): latest successes and execution counts. */
function baseState(source: FlowRun & { base: Record<string, unknown> }, nodeRuns: readonly SourceNodeRun[], beforeSequence = Number.POSITIVE_INFINITY) {
  const latest: Record<string, LatestResult> = isJsonObject(source.base.latest_results) ? { ...(source.base.latest_results as Record<string, LatestResult>) } : {};
  const counts: Record<string, number> = isJsonObject(source.base.execution_counts) ? { ...(source.base.execution_counts as Record<string, number>) } : {};
  for (const nr of nodeRuns) {
    if (nr.sequence >= beforeSequence) continue;
    counts[nr.node_id] = Math.max(counts[nr.node_id] ?? 0, nr.execution_index);
    if (nr.status === "succeeded") {
      latest[nr.node_id] = { node_type: nr.node_type, execution_index: nr.execution_index, sequence: nr.sequence, output_state: nr.output_state ?? {}, routing_state: nr.routing_state ?? {} };
    }
  }
  return { latest_results: latest, execution_counts: counts };
}

/** Reads the source's node runs, pending activations and fan-in queues and builds the replay. */
export async function planReplay(
  tx: Queryable,
  source: FlowRun,
  action: "retry" | "skip" | "rewind",
  options: { nodeRunId: string | null; rewindToNodeRunId: string | null },
): Promise<ReplayPlan> {
  const { rows: meta } = await tx.query<{ graph: FlowGraph; base_state: Record<string, unknown> }>("SELECT graph, base_state FROM ark_flow_runs WHERE id = $1", [source.id]);
  const withBase = { ...source, base: meta[0]!.base_state ?? {} };
  const { rows: nodeRuns } = await tx.query<SourceNodeRun>(
    `SELECT id::text AS id, node_id, node_type, execution_index, sequence, status, output_state, routing_state, upstream_tokens
       FROM ark_flow_node_runs WHERE run_id = $1 ORDER BY sequence`,
    [source.id],
  );
  const common = {
    flowchartId: source.flowchartId, graph: meta[0]!.graph, schemaVersion: source.schemaVersion, entryNodeId: source.entryNodeId, origin: "replay" as const,
    sourceRunId: source.id, replayAction: action, correlationId: source.correlationId,
  };
  const pick = (id: string | null, what: string) => {
    if (id === null) return null;
    const found = nodeRuns.find((nr) => nr.id === id);
    if (!found) throw invalid(`${what} ${id} is not a node run of run ${source.id}.`, { field: what, nodeRunId: id, runId: source.id });
    return found;
  };
  if (action === "rewind") {
    const chosen = pick(options.rewindToNodeRunId, "rewind_to_node_run_id") ?? nodeRuns[0] ?? null;
    if (chosen === null) return { run: { ...common }, skip: null, warnings: [] };
    const base = baseState(withBase, nodeRuns, chosen.sequence);
    const warnings: RunWarning[] = source.settings.max_parallel_nodes > 1
      ? [{ code: "rewind_single_path", message: `Rewound to node run ${chosen.id}: branches that were in flight beside it are not replayed.`, node_run_id: chosen.id }]
      : [];
    return {
      run: { ...common, baseState: base, totalExecutionCount: chosen.sequence - 1, activations: [{ nodeId: chosen.node_id, tokens: chosen.upstream_tokens }] },
      skip: null,
      warnings,
    };
  }
  return resumePlan(tx, withBase, nodeRuns, action, pick(options.nodeRunId, "node_run_id"), common);
}

async function resumePlan(
  tx: Queryable,
  source: FlowRun & { base: Record<string, unknown> },
  nodeRuns: readonly SourceNodeRun[],
  action: "retry" | "skip",
  chosen: SourceNodeRun | null,
  common: Omit<NewRun, "settings">,
): Promise<ReplayPlan> {
  if (chosen !== null && chosen.status !== "failed" && chosen.status !== "canceled") {
    throw invalid(`Node run ${chosen.id} is ${chosen.status}; only failed or canceled node runs can be ${action === "retry" ? "retried" : "skipped"}.`, {
      nodeRunId: chosen.id, status: chosen.status,
    });
  }
  const unfinished = nodeRuns.filter((nr) => nr.status === "failed" || nr.status === "canceled");
  const skip = action === "skip" ? (chosen ?? unfinished.at(-1) ?? null) : null;
  if (action === "skip" && skip === null) throw invalid(`Run ${source.id} has no failed or canceled node run to skip.`, { runId: source.id });
  const retried = (chosen !== null && action === "retry" ? [chosen] : unfinished).filter((nr) => nr !== skip);
  // A pending activation that still names a node run belongs to a node run that lost its worker: it is resumed (or
  // skipped) as that node run, not a second time as an activation.
  const covered = new Set([...retried, ...(skip ? [skip] : [])].map((nr) => nr.id));
  const { rows: pendingRows } = await tx.query<{ node_id: string; tokens: UpstreamToken[]; node_run_id: string | null }>(
    "SELECT node_id, tokens, node_run_id::text AS node_run_id FROM ark_flow_activations WHERE run_id = $1 AND state = 'pending' ORDER BY id",
    [source.id],
  );
  const pending = pendingRows.filter((a) => a.node_run_id === null || !covered.has(a.node_run_id));
  if (retried.length === 0 && pending.length === 0 && skip === null) return { run: { ...common }, skip: null, warnings: [] };
  const { rows: fanIn } = await tx.query<{ target_node_id: string; queues: unknown }>("SELECT target_node_id, queues FROM ark_flow_fan_in WHERE run_id = $1", [source.id]);
  const activations = [...retried.map((nr) => ({ nodeId: nr.node_id, tokens: nr.upstream_tokens })), ...pending.map((a) => ({ nodeId: a.node_id, tokens: a.tokens }))];
  return {
    run: {
      ...common, baseState: baseState(source, nodeRuns), totalExecutionCount: source.totalExecutionCount, activations,
      fanIn: fanIn.map((f) => ({ targetNodeId: f.target_node_id, queues: f.queues })),
    },
    skip,
    warnings: [],
  };
}
