/**
 * Creating node runs when activations are claimed (reference §4.4 steps 3-7): the execution index, the guardrails,
 * the input context, the lease, the idempotency claim, and the start events. Also the guardrail failure row (which,
 * unlike the reference's quirk Q11, carries an idempotency key like any other node run).
 */
import type { EmitFn } from "../../events/index.js";
import type { Queryable } from "../../store/store-port.js";
import { StoreIdempotencyLedger } from "../../tooling/idempotency-ledger.js";
import { buildInputContext, type FlowNode, type GraphIndex, type UpstreamToken } from "../graph/index.js";
import { HARD_MAX_NODE_EXECUTIONS } from "../store/flow-settings.js";
import { LEDGER_FREE_NODE_TYPES, NODE_RUN_LEDGER_SCOPE, nodeRunIdempotencyKey, type DispatchOutcome, type FlowRun, type NodeRun } from "./engine-types.js";
import { latestResultsFor, nextExecutionIndex } from "./latest-results.js";
import { emitNodeFinished, emitNodeStarted } from "./run-events.js";
import { NODE_RUN_COLUMNS, toNodeRun } from "./run-rows.js";

/** Node-run results stay in the ledger this long (a re-dispatch within it returns the recorded result). */
const LEDGER_TTL_SECONDS = 7 * 24 * 60 * 60;

/** A pending activation as claimed, with the highest execution index its node has reached in the run so far. */
export interface ActivationRow {
  readonly id: string;
  readonly node_id: string;
  readonly tokens: UpstreamToken[];
  readonly node_run_id: string | null;
  readonly last_index: number;
}

/** Pending activations of a run, oldest first, locked, each with its node's last execution index (base counts included). */
export const PENDING_ACTIVATIONS_SQL = `
SELECT a.id::text AS id, a.node_id, a.tokens, a.node_run_id::text AS node_run_id,
       GREATEST(COALESCE((SELECT max(n.execution_index) FROM ark_flow_node_runs n WHERE n.run_id = a.run_id AND n.node_id = a.node_id), 0),
                COALESCE((SELECT (r.base_state->'execution_counts'->>a.node_id)::int FROM ark_flow_runs r WHERE r.id = a.run_id), 0))::int AS last_index
  FROM ark_flow_activations a
 WHERE a.run_id = $1 AND a.state = 'pending'
 ORDER BY a.id
 LIMIT $2
 FOR UPDATE OF a`;

/** The guardrail a new execution would break, or null (reference §4.4 step 4.4). */
export function guardrailBreach(run: FlowRun, totalSoFar: number): string | null {
  const max = run.settings.max_node_executions;
  if (max !== null && totalSoFar >= max) return `Flowchart exceeded max_node_executions (${max}).`;
  if (totalSoFar >= HARD_MAX_NODE_EXECUTIONS) return `Flowchart exceeded hard safety limit (${HARD_MAX_NODE_EXECUTIONS} node executions).`;
  return null;
}

/** Inserts the node run of a claimed activation (status running, leased to `owner`) and emits its start events. */
export async function createNodeRun(
  tx: Queryable,
  emit: EmitFn,
  input: {
    run: FlowRun; graph: GraphIndex; node: FlowNode; activation: ActivationRow; executionIndex: number; sequence: number; owner: string; leaseSeconds: number; hasBase: boolean;
  },
): Promise<NodeRun> {
  const { run, graph, node, activation, sequence, executionIndex } = input;
  const incoming = graph.incoming(node.id);
  const pulled = [...new Set(incoming.filter((c) => c.mode !== "solid").map((c) => c.source))];
  const latestResults = await latestResultsFor(tx, run.id, pulled, input.hasBase);
  const inputContext = buildInputContext({
    flowchartId: run.flowchartId, runId: run.id, nodeId: node.id, nodeType: node.type, executionIndex, totalExecutionCount: sequence,
    incoming, latestResults, upstreamTokens: activation.tokens,
  });
  const { rows } = await tx.query(
    `WITH created AS (
       INSERT INTO ark_flow_node_runs (run_id, node_id, node_type, execution_index, sequence, status, input_context, upstream_tokens,
         routing_metadata, idempotency_key, lease_owner, lease_expires_at, heartbeat_at, started_at)
       VALUES ($1, $2, $3, $4, $5, 'running', $6::jsonb, $7::jsonb, $8::jsonb, $9, $10, now() + make_interval(secs => $11::float8), now(), now())
       RETURNING *
     ), claimed AS (
       UPDATE ark_flow_activations a SET state = 'claimed', node_run_id = created.id, claimed_by = $10, claimed_at = now() FROM created WHERE a.id = $12
     ), counted AS (
       UPDATE ark_flow_runs SET total_execution_count = GREATEST(total_execution_count, $5), updated_at = now() WHERE id = $1
     )
     SELECT ${NODE_RUN_COLUMNS} FROM created`,
    [
      run.id, node.id, node.type, executionIndex, sequence, JSON.stringify(inputContext), JSON.stringify(activation.tokens),
      JSON.stringify({ dispatch_status: "dispatch_pending" }), nodeRunIdempotencyKey(run.id, node.id, executionIndex), input.owner, input.leaseSeconds, activation.id,
    ],
  );
  const nodeRun = toNodeRun(rows[0]!);
  if (!LEDGER_FREE_NODE_TYPES.has(node.type)) {
    const claim = await new StoreIdempotencyLedger(tx).claim(NODE_RUN_LEDGER_SCOPE, nodeRun.idempotencyKey, { ttlSeconds: LEDGER_TTL_SECONDS });
    if (claim.status !== "claimed") await takeOverClaim(tx, nodeRun.idempotencyKey);
  }
  await emitNodeStarted(emit, run, nodeRun);
  return nodeRun;
}

/**
 * Takes a node run whose lease expired over (its activation went back to pending). Returns the node run and the
 * result its earlier attempt recorded, if any: then the node is not executed again. Null when the node run is no longer
 * running (canceled meanwhile); the activation is then closed.
 */
export async function reacquireNodeRun(
  tx: Queryable,
  input: { activation: ActivationRow; node: FlowNode; owner: string; leaseSeconds: number },
): Promise<{ nodeRun: NodeRun; recorded: DispatchOutcome | null } | null> {
  const { rows } = await tx.query(
    `UPDATE ark_flow_node_runs SET lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3::float8), heartbeat_at = now(),
       attempt = attempt + 1, updated_at = now()
     WHERE id = $1 AND status = 'running' RETURNING ${NODE_RUN_COLUMNS}`,
    [input.activation.node_run_id, input.owner, input.leaseSeconds],
  );
  if (!rows[0]) {
    await tx.query("UPDATE ark_flow_activations SET state = 'done' WHERE id = $1", [input.activation.id]);
    return null;
  }
  const nodeRun = toNodeRun(rows[0]);
  await tx.query("UPDATE ark_flow_activations SET state = 'claimed', claimed_by = $2, claimed_at = now() WHERE id = $1", [input.activation.id, input.owner]);
  if (LEDGER_FREE_NODE_TYPES.has(input.node.type)) return { nodeRun, recorded: null };
  const claim = await new StoreIdempotencyLedger(tx).claim(NODE_RUN_LEDGER_SCOPE, nodeRun.idempotencyKey, { ttlSeconds: LEDGER_TTL_SECONDS });
  if (claim.status === "existing" && claim.state === "completed") return { nodeRun, recorded: claim.result as DispatchOutcome };
  // The earlier attempt died before it recorded a result: nothing to return, the node runs again under this lease.
  if (claim.status === "existing") await takeOverClaim(tx, nodeRun.idempotencyKey);
  return { nodeRun, recorded: null };
}

async function takeOverClaim(tx: Queryable, key: string): Promise<void> {
  const ledger = new StoreIdempotencyLedger(tx);
  await ledger.release(NODE_RUN_LEDGER_SCOPE, key);
  await ledger.claim(NODE_RUN_LEDGER_SCOPE, key, { ttlSeconds: LEDGER_TTL_SECONDS });
}

/** Records a guardrail failure as a failed node run of the activation's node (reference §4.4), closing the activation. */
export async function recordGuardrailFailure(
  tx: Queryable,
  emit: EmitFn,
  input: { run: FlowRun; node: FlowNode; activation: ActivationRow; sequence: number; message: string },
): Promise<NodeRun> {
  const { run, node, activation } = input;
  const executionIndex = activation.node_id === node.id ? activation.last_index + 1 : await nextExecutionIndex(tx, run.id, node.id);
  const { rows } = await tx.query(
    `INSERT INTO ark_flow_node_runs (run_id, node_id, node_type, execution_index, sequence, status, upstream_tokens, error, error_code, guardrail,
       idempotency_key, started_at, finished_at)
     VALUES ($1, $2, $3, $4, $5, 'failed', $6::jsonb, $7, 'guardrail', true, $8, now(), now())
     RETURNING ${NODE_RUN_COLUMNS}`,
    [run.id, node.id, node.type, executionIndex, input.sequence, JSON.stringify(activation.tokens), input.message, nodeRunIdempotencyKey(run.id, node.id, executionIndex)],
  );
  const nodeRun = toNodeRun(rows[0]!);
  await tx.query("UPDATE ark_flow_activations SET state = 'done', node_run_id = $2 WHERE id = $1", [activation.id, nodeRun.id]);
  await emitNodeFinished(emit, run, nodeRun, { failureMessage: input.message, guardrail: true });
  return nodeRun;
}
