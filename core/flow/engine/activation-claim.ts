/**
 * Claiming work (reference §4.4 steps 1-4, made durable): in one transaction a worker locks runs that have pending
 * activations and free parallel capacity (`FOR UPDATE SKIP LOCKED`, so kernels sharing a database divide the runs and
 * never take the same activation), starts queued runs, applies the runtime and execution guardrails, and creates a
 * leased node run per activation — or takes over a node run whose previous worker lost its lease.
 */
import type { EmitFn } from "../../events/index.js";
import { queryPrepared } from "../../store/prepared-query.js";
import type { Queryable } from "../../store/store-port.js";
import type { FlowNode, GraphIndex } from "../graph/index.js";
import type { EngineCore } from "./engine-core.js";
import type { DispatchOutcome, FlowRun, NodeRun } from "./engine-types.js";
import {
  PENDING_ACTIVATIONS_SQL, createNodeRuns, guardrailBreach, reacquireNodeRun, recordGuardrailFailure, type ActivationRow, type NewNodeRun,
} from "./node-run-create.js";
import { emitRunUpdated } from "./run-events.js";
import { decideOutcome, finaliseIfDrained } from "./run-finalise.js";
import { ENGINE_PLANNING } from "./run-start.js";
import { RUN_COLUMNS, toFlowRun } from "./run-rows.js";

/** One node run a worker now owns and must execute (or, with `recorded`, only persist). */
export interface ClaimedWork {
  readonly run: FlowRun;
  readonly nodeRun: NodeRun;
  readonly node: FlowNode;
  readonly graph: GraphIndex;
  readonly activationId: string;
  /** The result an earlier attempt recorded in the idempotency ledger: persist it, do not execute again. */
  readonly recorded: DispatchOutcome | null;
}

/** A run row the claim locked (RUN_COLUMNS), with its claimed activations and whether it ran out of time. */
interface LockedRun extends Record<string, unknown> {
  claimed: number;
  runtime_exceeded: boolean | null;
}

const LOCK_RUNS_SQL = `
SELECT ${ENGINE_PLANNING}, ${RUN_COLUMNS},
       (SELECT count(*) FROM ark_flow_activations c WHERE c.run_id = r.id AND c.state = 'claimed')::int AS claimed,
       (r.started_at + make_interval(mins => (r.settings->>'max_runtime_minutes')::int) < now()) AS runtime_exceeded
  FROM ark_flow_runs r
 WHERE r.status IN ('queued', 'running') AND r.outcome IS NULL
   AND EXISTS (SELECT 1 FROM ark_flow_activations p WHERE p.run_id = r.id AND p.state = 'pending')
   AND (SELECT count(*) FROM ark_flow_activations c WHERE c.run_id = r.id AND c.state = 'claimed')
       < GREATEST(COALESCE((r.settings->>'max_parallel_nodes')::int, 1), 1)
 ORDER BY r.id
 LIMIT $1
 FOR UPDATE OF r SKIP LOCKED`; // the generic plans of the claim's statements, as in readRun(lock)

/** Claims up to `limit` activations across runs; returns the node runs this worker must execute. */
export async function claimWork(core: EngineCore, limit: number): Promise<ClaimedWork[]> {
  if (limit <= 0) return [];
  return core.bus.transaction(async (tx, emit) => {
    const { rows } = await tx.query<LockedRun>(LOCK_RUNS_SQL, [limit]);
    const work: ClaimedWork[] = [];
    for (const locked of rows) {
      const remaining = limit - work.length;
      if (remaining <= 0) break;
      work.push(...(await claimInRun(core, tx, emit, locked, remaining)));
    }
    return work;
  });
}

async function claimInRun(core: EngineCore, tx: Queryable, emit: EmitFn, locked: LockedRun, remaining: number): Promise<ClaimedWork[]> {
  let run = toFlowRun(locked);
  const graph = await core.graphs.get(tx, run.id);
  if (run.status === "queued") {
    const { rows } = await tx.query(
      `UPDATE ark_flow_runs SET status = 'running', started_at = COALESCE(started_at, now()), updated_at = now() WHERE id = $1 RETURNING ${RUN_COLUMNS}`,
      [run.id],
    );
    run = toFlowRun(rows[0]!);
    await emitRunUpdated(emit, run, "started");
  }
  if (locked.runtime_exceeded === true) {
    const { rows } = await tx.query<ActivationRow>(PENDING_ACTIVATIONS_SQL, [run.id, 1, null]);
    await failWithGuardrail(core, tx, emit, run, graph, rows[0]!, run.totalExecutionCount + 1, `Flowchart exceeded max_runtime_minutes (${run.settings.max_runtime_minutes}).`);
    return [];
  }
  return claimActivations(core, tx, emit, { run, graph, capacity: Math.min(remaining, run.settings.max_parallel_nodes - Number(locked.claimed)) });
}

/**
 * Claims up to `capacity` pending activations of a run whose row the caller has locked (and which may take new work):
 * guardrails, node runs (new, or taken over after a lost lease), the run's execution count.
 */
export async function claimActivations(
  core: EngineCore,
  tx: Queryable,
  emit: EmitFn,
  input: {
    run: FlowRun; graph: GraphIndex; capacity: number;
    /** Also keep the run within this many claimed activations (its max_parallel_nodes), counted in the same statement. */
    parallelLimit?: number;
    /**
     * The activations to claim, already read under the run's lock exactly as PENDING_ACTIVATIONS_SQL would return them
     * for this capacity and limit (the caller just created them and knows nothing older is pending).
     */
    pending?: readonly ActivationRow[];
  },
): Promise<ClaimedWork[]> {
  const { run, graph, capacity } = input;
  if (capacity <= 0) return [];
  const activations =
    input.pending ??
    (await queryPrepared<ActivationRow>(tx, "ark_flow_pending_activations", PENDING_ACTIVATIONS_SQL, [run.id, capacity, input.parallelLimit ?? null])).rows;
  if (activations.length === 0 && input.parallelLimit !== undefined) return []; // no free parallel capacity
  const work: ClaimedWork[] = [];
  const lastIndex = new Map<string, number>();
  let total = run.totalExecutionCount;
  // New node runs are created together, in one statement, before anything that must come after them.
  let fresh: NewNodeRun[] = [];
  const createFresh = async () => {
    const nodeRuns = await createNodeRuns(tx, emit, { run, graph, items: fresh, owner: core.owner, leaseSeconds: core.leaseSeconds, hasBase: run.hasReplayBase });
    fresh.forEach(({ node, activation }, i) => work.push({ run, graph, node, nodeRun: nodeRuns[i]!, activationId: activation.id, recorded: null }));
    fresh = [];
  };
  for (const activation of activations) {
    const node = graph.nodesById.get(activation.node_id);
    if (!node) {
      await createFresh();
      await decideOutcome(tx, run.id, "failed", `Flowchart referenced missing node id ${activation.node_id}.`);
      await tx.query("UPDATE ark_flow_activations SET state = 'done' WHERE id = $1", [activation.id]);
      break;
    }
    if (activation.node_run_id !== null) {
      await createFresh(); // keeps the claim order of the node runs handed to the worker
      const taken = await reacquireNodeRun(tx, { activation, node, owner: core.owner, leaseSeconds: core.leaseSeconds });
      if (taken) work.push({ run, graph, node, activationId: activation.id, ...taken });
      continue;
    }
    const breach = guardrailBreach(run, total);
    if (breach !== null) {
      await createFresh();
      await failWithGuardrail(core, tx, emit, run, graph, activation, total + 1, breach);
      return work;
    }
    total += 1;
    const executionIndex = Math.max(lastIndex.get(node.id) ?? 0, Number(activation.last_index)) + 1;
    lastIndex.set(node.id, executionIndex);
    fresh.push({ node, activation, executionIndex, sequence: total });
  }
  await createFresh();
  // Nothing claimed here: a missing node ended the run, or taken-over node runs had been canceled meanwhile.
  if (work.length === 0) await finaliseIfDrained(tx, emit, core.graphs, run.id);
  return work;
}

async function failWithGuardrail(
  core: EngineCore,
  tx: Queryable,
  emit: EmitFn,
  run: FlowRun,
  graph: GraphIndex,
  activation: ActivationRow,
  sequence: number,
  message: string,
): Promise<void> {
  const node = graph.nodesById.get(activation.node_id) ?? graph.nodesById.get(run.entryNodeId)!;
  await recordGuardrailFailure(tx, emit, { run, node, activation, sequence, message });
  await decideOutcome(tx, run.id, "failed", message);
  await finaliseIfDrained(tx, emit, core.graphs, run.id);
}
