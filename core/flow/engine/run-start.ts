/**
 * Creating runs: a run of a flowchart (API, follow-up when Start is reached again, child of a flowchart node) and a
 * replay run. A run snapshots the graph and settings, starts `queued` with its activations (by default the entry node
 * with no tokens), and workers are woken through NOTIFY when the transaction commits.
 */
import { ArkError } from "../../errors/index.js";
import { queryPrepared } from "../../store/prepared-query.js";
import type { Queryable } from "../../store/store-port.js";
import { assertValidGraph, type FlowGraph, type LatestResult, type UpstreamToken } from "../graph/index.js";
import { notFound } from "../store/flow-ids.js";
import type { FlowchartRepository } from "../store/flowchart-repository.js";
import type { FlowRun, RunOrigin, RunSettings } from "./engine-types.js";
import { RUN_COLUMNS, toFlowRun } from "./run-rows.js";
import { FLOW_NOTIFY_CHANNEL } from "./work-notice.js";

/** Everything a new run row holds. */
export interface NewRun {
  readonly flowchartId: string;
  readonly graph: FlowGraph;
  readonly schemaVersion: number;
  readonly settings: RunSettings;
  readonly entryNodeId: string;
  readonly origin: RunOrigin;
  readonly sourceRunId?: string | null;
  readonly replayAction?: "retry" | "skip" | "rewind" | null;
  readonly parentNodeRunId?: string | null;
  readonly depth?: number;
  readonly requestId?: string | null;
  readonly correlationId?: string | null;
  /** Replays: the source's latest results and execution counts, and the execution count to continue from. */
  readonly baseState?: { latest_results: Record<string, LatestResult>; execution_counts: Record<string, number> };
  readonly totalExecutionCount?: number;
  /** Default: the entry node with no tokens. */
  readonly activations?: readonly { nodeId: string; tokens: readonly UpstreamToken[] }[];
  /** Fan-in queues to start from (replays). */
  readonly fanIn?: readonly { targetNodeId: string; queues: unknown }[];
}

/** A flowchart's current definition, validated for a run (ARK_FLOW_GRAPH_INVALID when it may not run). */
export interface RunDefinition {
  readonly flowchartId: string;
  readonly graph: FlowGraph;
  readonly schemaVersion: number;
  readonly settings: Omit<RunSettings, "agent_runtime_cutover_enabled">;
  readonly entryNodeId: string;
}

/** Loads and validates what a new run of `flowchartId` runs; `startNodeId` overrides the entry node. */
export async function loadRunDefinition(db: Queryable, flowcharts: FlowchartRepository, flowchartId: unknown, startNodeId?: unknown): Promise<RunDefinition> {
  const record = await flowcharts.get(flowchartId, db);
  const { graph, validation } = await flowcharts.getGraph(record.id, db, record);
  assertValidGraph(
    { valid: validation.valid, structuralErrors: validation.structuralErrors, semanticErrors: validation.semanticErrors, warnings: validation.warnings },
    `Flowchart ${record.id} graph`,
  );
  let entryNodeId = graph.nodes.find((n) => n.type === "start")!.id;
  if (startNodeId !== undefined && startNodeId !== null && startNodeId !== "") {
    const wanted = String(startNodeId).trim();
    if (!graph.nodes.some((n) => n.id === wanted)) {
      throw new ArkError("ARK_INVALID_ARGUMENT", "start_node_id must reference a node in this flowchart.", { details: { field: "start_node_id", value: startNodeId } });
    }
    entryNodeId = wanted;
  }
  return { flowchartId: record.id, graph, schemaVersion: record.schemaVersion, settings: record.settings, entryNodeId };
}

/**
 * Inserts a queued run with its activations and fan-in state; workers hear of it when the transaction commits.
 * `wokenBy`: the engine that wakes itself for the run anyway (startRun), so that its own notice is not another wake-up.
 */
export async function insertRun(tx: Queryable, input: NewRun, wokenBy: string | null = null): Promise<FlowRun> {
  const activations = input.activations ?? [{ nodeId: input.entryNodeId, tokens: [] }];
  // One statement: the run, its activations (ids in the given order) and the work notice, which needs the new run's id.
  const { rows } = await tx.query(
    `WITH run AS (
       INSERT INTO ark_flow_runs (flowchart_id, status, schema_version, graph, settings, entry_node_id, origin, source_run_id, replay_action,
         parent_node_run_id, depth, request_id, correlation_id, base_state, total_execution_count)
       VALUES ($1, 'queued', $2, $3::jsonb, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14)
       RETURNING ${RUN_COLUMNS}
     ), activations AS (
       INSERT INTO ark_flow_activations (run_id, node_id, tokens)
       SELECT run.id, x.e->>'node_id', x.e->'tokens' FROM run, jsonb_array_elements($15::jsonb) WITH ORDINALITY AS x(e, n) ORDER BY x.n
     ), notice AS (
       SELECT pg_notify($16, jsonb_build_object('kind', 'work', 'run', run.id::text, 'by', $17::text, 'schema', current_schema())::text) FROM run
     )
     SELECT run.* FROM run, (SELECT count(*) FROM notice) AS sent`,
    [
      input.flowchartId, input.schemaVersion, JSON.stringify(input.graph), JSON.stringify(input.settings), input.entryNodeId, input.origin,
      input.sourceRunId ?? null, input.replayAction ?? null, input.parentNodeRunId ?? null, input.depth ?? 0, input.requestId ?? null,
      input.correlationId ?? null, JSON.stringify(input.baseState ?? {}), input.totalExecutionCount ?? 0,
      JSON.stringify(activations.map((a) => ({ node_id: a.nodeId, tokens: a.tokens }))), FLOW_NOTIFY_CHANNEL, wokenBy,
    ],
  );
  const run = toFlowRun(rows[0]!);
  for (const join of input.fanIn ?? []) {
    await tx.query("INSERT INTO ark_flow_fan_in (run_id, target_node_id, queues) VALUES ($1, $2, $3::jsonb)", [run.id, join.targetNodeId, JSON.stringify(join.queues)]);
  }
  return run;
}

const READ_RUN_SQL = `SELECT ${RUN_COLUMNS} FROM ark_flow_runs WHERE id = $1`;

/**
 * Locking a run starts the engine's work on it (persist, control, hand-back), so the same statement sets, for the rest
 * of this transaction only, how PostgreSQL plans the engine's statements: with the cached generic plan of each prepared
 * statement, and by index wherever there is one. The engine's statements are written as index lookups per run, node
 * run or activation; re-planning them on every execution costs 1-2 ms for the set-based ones, and a plan made while the
 * tables were small (a new deployment, a benchmark) reads whole tables, or the partial indexes of running node runs and
 * pending activations (which keep an entry for every row that was ever in that state until VACUUM): each statement then
 * got slower the longer a run ran.
 */
export const ENGINE_PLANNING =
  "set_config('plan_cache_mode', 'force_generic_plan', true) AS plan_cache_mode, set_config('enable_seqscan', 'off', true) AS enable_seqscan";
const READ_RUN_LOCKED_SQL = `SELECT ${ENGINE_PLANNING}, ${RUN_COLUMNS} FROM ark_flow_runs WHERE id = $1 FOR UPDATE`;

/** Reads a run (optionally locking its row for the rest of the transaction); ARK_NOT_FOUND when missing. */
export async function readRun(db: Queryable, runId: string, lock = false): Promise<FlowRun> {
  const { rows } = await queryPrepared(db, lock ? "ark_flow_run_lock" : "ark_flow_run_read", lock ? READ_RUN_LOCKED_SQL : READ_RUN_SQL, [runId]);
  if (!rows[0]) throw notFound("Flowchart run", runId);
  return toFlowRun(rows[0]);
}
