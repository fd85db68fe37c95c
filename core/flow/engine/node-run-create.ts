/**
 * Creating node runs when activations are claimed (reference §4.4 steps 3-7): the execution index, the guardrails,
 * the input context, the lease, the idempotency claim, and the start events. Also the guardrail failure row (which,
 * unlike the reference's quirk Q11, carries an idempotency key like any other node run).
 */
import { randomUUID } from "node:crypto";
import { ArkError } from "../../errors/index.js";
import type { EmitFn } from "../../events/index.js";
import { queryPrepared } from "../../store/prepared-query.js";
import type { Queryable } from "../../store/store-port.js";
import { StoreIdempotencyLedger } from "../../tooling/idempotency-ledger.js";
import { buildInputContext, type FlowNode, type GraphIndex, type LatestResults, type UpstreamToken } from "../graph/index.js";
import { HARD_MAX_NODE_EXECUTIONS } from "../store/flow-settings.js";
import { LEDGER_FREE_NODE_TYPES, NODE_RUN_LEDGER_SCOPE, nodeRunIdempotencyKey, type DispatchOutcome, type FlowRun, type NodeRun } from "./engine-types.js";
import { latestResultsFor, nextExecutionIndex } from "./latest-results.js";
import { emitNodeFinished, emitNodeStarted } from "./run-events.js";
import { partsOf, writeInParts } from "./pipelined-write.js";
import { NODE_RUN_COLUMNS, toNodeRun } from "./run-rows.js";

/** Node-run results stay in the ledger this long (a re-dispatch within it returns the recorded result). */
const LEDGER_TTL_SECONDS = 7 * 24 * 60 * 60;

/** Longest idempotency key the ledger accepts (StoreIdempotencyLedger's limit). */
const MAX_LEDGER_KEY_BYTES = 1024;

/** A pending activation as claimed, with the highest execution index its node has reached in the run so far. */
export interface ActivationRow {
  readonly id: string;
  readonly node_id: string;
  readonly tokens: UpstreamToken[];
  readonly node_run_id: string | null;
  readonly last_index: number;
}

/**
 * Pending activations of a run, oldest first, locked, each with its node's last execution index (base counts included).
 * At most $2 of them, and with $3 (the run's max_parallel_nodes) not more than the run's free parallel capacity.
 */
export const PENDING_ACTIVATIONS_SQL = `
SELECT a.id::text AS id, a.node_id, a.tokens, a.node_run_id::text AS node_run_id,
       GREATEST(COALESCE((SELECT max(n.execution_index) FROM ark_flow_node_runs n WHERE n.run_id = a.run_id AND n.node_id = a.node_id), 0),
                COALESCE((SELECT (r.base_state->'execution_counts'->>a.node_id)::int FROM ark_flow_runs r WHERE r.id = a.run_id), 0))::int AS last_index
  FROM ark_flow_activations a
 WHERE a.run_id = $1 AND a.state = 'pending'
 ORDER BY a.id
 LIMIT CASE WHEN $3::int IS NULL THEN $2::int
            ELSE LEAST($2::int, GREATEST(0, $3::int - (SELECT count(*)::int FROM ark_flow_activations c WHERE c.run_id = $1 AND c.state = 'claimed'))) END
 FOR UPDATE OF a`;

/** The guardrail a new execution would break, or null (reference §4.4 step 4.4). */
export function guardrailBreach(run: FlowRun, totalSoFar: number): string | null {
  const max = run.settings.max_node_executions;
  if (max !== null && totalSoFar >= max) return `Flowchart exceeded max_node_executions (${max}).`;
  if (totalSoFar >= HARD_MAX_NODE_EXECUTIONS) return `Flowchart exceeded hard safety limit (${HARD_MAX_NODE_EXECUTIONS} node executions).`;
  return null;
}

/** One new node run of a claim: its activation, node, execution index and run-wide sequence. */
export interface NewNodeRun {
  readonly node: FlowNode;
  readonly activation: ActivationRow;
  readonly executionIndex: number;
  readonly sequence: number;
}

/**
 * One statement for all node runs of a claim: inserts them (status running, leased to `owner`, in claim order), marks
 * their activations claimed, raises the run's execution count, and claims each ledger-bound node run's idempotency key
 * exactly as StoreIdempotencyLedger.claim would, followed by taking over a leftover claim (a pending row, or an
 * expired one, gets a fresh claim; a live completed one is left alone).
 */
const CREATE_NODE_RUNS_SQL = `
WITH input AS (
  SELECT x.ord, x.e FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, ord)
), created AS (
  INSERT INTO ark_flow_node_runs (run_id, node_id, node_type, execution_index, sequence, status, input_context, upstream_tokens,
    routing_metadata, idempotency_key, lease_owner, lease_expires_at, heartbeat_at, started_at)
  SELECT $2, e->>'node_id', e->>'node_type', (e->>'execution_index')::int, (e->>'sequence')::int, 'running', e->'input_context', e->'tokens',
         $3::jsonb, e->>'key', $4, now() + make_interval(secs => $5::float8), now(), now()
    FROM input ORDER BY ord
  RETURNING *
), claimed AS (
  UPDATE ark_flow_activations a SET state = 'claimed', node_run_id = c.id, claimed_by = $4, claimed_at = now()
    FROM created c JOIN input i ON i.e->>'key' = c.idempotency_key
   WHERE a.id = ANY($9::bigint[]) AND a.id = (i.e->>'activation_id')::bigint
), counted AS (
  UPDATE ark_flow_runs SET total_execution_count = GREATEST(total_execution_count, $6), updated_at = now() WHERE id = $2
), ledger AS (
  INSERT INTO ark_idempotency_ledger AS l (scope, key, state, result, claim_token, claimed_at, completed_at, expires_at)
  SELECT $7, c.idempotency_key, 'pending', NULL, (i.e->>'claim_token')::uuid, now(), NULL, now() + make_interval(secs => $8::float8)
    FROM created c JOIN input i ON i.e->>'key' = c.idempotency_key
   WHERE i.e ? 'claim_token'
  ON CONFLICT (scope, key) DO UPDATE SET
    state = CASE WHEN l.state = 'pending' OR l.expires_at <= now() THEN 'pending' ELSE l.state END,
    result = CASE WHEN l.state = 'pending' OR l.expires_at <= now() THEN NULL ELSE l.result END,
    claim_token = CASE WHEN l.state = 'pending' OR l.expires_at <= now() THEN EXCLUDED.claim_token ELSE l.claim_token END,
    claimed_at = CASE WHEN l.state = 'pending' OR l.expires_at <= now() THEN EXCLUDED.claimed_at ELSE l.claimed_at END,
    completed_at = CASE WHEN l.state = 'pending' OR l.expires_at <= now() THEN NULL ELSE l.completed_at END,
    expires_at = CASE WHEN l.state = 'pending' OR l.expires_at <= now() THEN EXCLUDED.expires_at ELSE l.expires_at END
)
SELECT ${NODE_RUN_COLUMNS} FROM created`;

/**
 * Inserts the node runs of claimed activations (status running, leased to `owner`) in one statement and queues their
 * start events, in claim order. Returns the node runs in the order of `items`.
 */
export async function createNodeRuns(
  tx: Queryable,
  emit: EmitFn,
  input: { run: FlowRun; graph: GraphIndex; items: readonly NewNodeRun[]; owner: string; leaseSeconds: number; hasBase: boolean },
): Promise<NodeRun[]> {
  const { run, graph, items } = input;
  if (items.length === 0) return [];
  const pulledBy = items.map(({ node }) => [...new Set(graph.incoming(node.id).filter((c) => c.mode !== "solid").map((c) => c.source))]);
  const latestResults = await latestResultsFor(tx, run.id, [...new Set(pulledBy.flat())], input.hasBase);
  const rows = items.map(({ node, activation, executionIndex, sequence }, i) => {
    const inputContext = buildInputContext({
      flowchartId: run.flowchartId, runId: run.id, nodeId: node.id, nodeType: node.type, executionIndex, totalExecutionCount: sequence,
      incoming: graph.incoming(node.id), latestResults: pick(latestResults, pulledBy[i]!), upstreamTokens: activation.tokens,
    });
    const key = nodeRunIdempotencyKey(run.id, node.id, executionIndex);
    const ledgerBound = !LEDGER_FREE_NODE_TYPES.has(node.type);
    if (ledgerBound && Buffer.byteLength(key) > MAX_LEDGER_KEY_BYTES) {
      // What the ledger's claim() answers for such a key; the node run is not created.
      throw new ArkError("ARK_IDEMPOTENCY_INVALID", `Idempotency key is ${Buffer.byteLength(key)} bytes; at most ${MAX_LEDGER_KEY_BYTES} are allowed (hash long keys).`, { details: {} });
    }
    return {
      node_id: node.id, node_type: node.type, execution_index: executionIndex, sequence, input_context: inputContext, tokens: activation.tokens,
      key, activation_id: activation.id, ...(ledgerBound ? { claim_token: randomUUID() } : {}),
    };
  });
  // Parts are independent (each node run, activation and ledger key is its own); the run's execution count is raised to
  // each part's highest sequence, which ends at the highest of all. Written pipelined: part k's start events are drafted
  // while part k + 1 is inserted.
  const nodeRuns: NodeRun[] = [];
  await writeInParts(
    partsOf(rows.map((row, i) => ({ row, item: items[i]! }))),
    (part) =>
      queryPrepared(tx, "ark_flow_node_runs_create", CREATE_NODE_RUNS_SQL, [
        JSON.stringify(part.map(({ row }) => row)), run.id, JSON.stringify({ dispatch_status: "dispatch_pending" }), input.owner, input.leaseSeconds,
        Math.max(...part.map(({ item }) => item.sequence)), NODE_RUN_LEDGER_SCOPE, LEDGER_TTL_SECONDS,
        part.map(({ item }) => item.activation.id), // an index lookup, whatever row count the planner guesses for the JSON input
      ]),
    ({ rows: created }, part) => {
      const byKey = new Map(created.map((row) => [String(row.idempotency_key), toNodeRun(row)]));
      for (const { row } of part) {
        const nodeRun = byKey.get(row.key)!;
        nodeRuns.push(nodeRun);
        emitNodeStarted(emit, run, nodeRun);
      }
      if (nodeRuns.length < rows.length) emit.flush(); // appended while the next part's events are drafted
    },
  );
  return nodeRuns;
}

/** The latest results a node pulls (only its own dotted/dashed sources, as if read for it alone). */
function pick(results: LatestResults, nodeIds: readonly string[]): LatestResults {
  const picked: Record<string, LatestResults[string]> = {};
  for (const id of nodeIds) if (results[id] !== undefined) picked[id] = results[id];
  return picked;
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
