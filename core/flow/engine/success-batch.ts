/**
 * The common case of persisting, set-based: successful results that route on normally (no routing failure, no End,
 * no token back to Start, a valid artifact). Several of them — consecutive results of one run, of different nodes —
 * are written with one statement for the node runs, their activations and artifacts (with retention pruning), one for
 * the fan-in queues they touch and one for the activations they fire, instead of several statements each. The
 * outcome is the same as persisting them one after another (node-run-persist.ts's one-by-one path).
 */
import type { EmitFn } from "../../events/index.js";
import { queryPrepared } from "../../store/prepared-query.js";
import type { Queryable } from "../../store/store-port.js";
import { joinRequirementOf, resolveOutgoingConnectors, tokensForSelected, type GraphIndex, type RoutingOutcome, type UpstreamToken } from "../graph/index.js";
import type { ClaimedWork } from "./activation-claim.js";
import type { EngineCore } from "./engine-core.js";
import type { DispatchOutcome, FlowRun } from "./engine-types.js";
import { prepareArtifact, serialiseArtifact, type PreparedArtifact } from "./node-artifacts.js";
import type { ActivationRow } from "./node-run-create.js";
import { emitArtifactPersisted, emitNodeFinished, emitRunUpdated } from "./run-events.js";
import { NODE_RUN_COLUMNS, toNodeRun } from "./run-rows.js";
import { partsOf, writeInParts } from "./pipelined-write.js";
import { offerTokens } from "./token-delivery.js";

const ROUTABLE = new Set(["running", "pausing", "paused", "stopping"]);

/** The connectors a result activates, or null when the run no longer routes (it has an outcome, or is not active). */
export function routeOf(core: EngineCore, run: FlowRun, work: ClaimedWork, routingState: Record<string, unknown>): RoutingOutcome | null {
  if (run.outcome !== null || !ROUTABLE.has(run.status)) return null;
  const caps = core.capabilities()?.get(work.node.type);
  return resolveOutgoingConnectors(work.node, work.graph.outgoing(work.node.id), routingState, {
    routesByConditionKey: caps?.routesByConditionKey ?? work.node.type === "decision",
    requireMatchSet: run.settings.agent_runtime_cutover_enabled,
  });
}

/** §11.4 degraded markers, from the dispatch metadata and the node's output. */
export function degradedReason(meta: Readonly<Record<string, unknown>>, output: Readonly<Record<string, unknown>>): string | null {
  const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);
  const reason = text(meta.fallback_reason) ?? text(meta.api_failure_category);
  if (reason) return reason;
  if (meta.dispatch_uncertain === true) return "dispatch_uncertain";
  if (meta.cli_fallback_used === true) return "cli_fallback_used";
  if (output.fallback_used === true || meta.deterministic_fallback_used === true) return "deterministic_fallback_used";
  if (output.execution_status === "success_with_warning") return "success_with_warning";
  // ARK's own reasons (not the reference's): the dispatch router replaced NUL characters or lone surrogates in the
  // executor's result.
  if (typeof meta.nul_characters_replaced === "number" && meta.nul_characters_replaced > 0) return "nul_characters_replaced";
  if (typeof meta.lone_surrogates_replaced === "number" && meta.lone_surrogates_replaced > 0) return "lone_surrogates_replaced";
  if (meta.fallback_attempted === true) return "degraded";
  return null;
}

/** A successful result planned for the set-based path: everything computed, nothing written yet. */
export interface SuccessPlan {
  readonly work: ClaimedWork;
  readonly outputState: Record<string, unknown>;
  readonly routingState: Record<string, unknown>;
  readonly meta: Record<string, unknown>;
  readonly degraded: string | null;
  readonly artifact: PreparedArtifact;
  /** Tokens to deliver, in connector order; none when the run no longer routes. */
  readonly tokens: readonly { target: string; token: UpstreamToken }[];
}

/** Plans a result for the set-based path; null when it needs the one-by-one path (failure, routing failure, End, Start, bad artifact). */
export function planSuccess(core: EngineCore, run: FlowRun, work: ClaimedWork, outcome: DispatchOutcome): SuccessPlan | null {
  if (outcome.result.status !== "success") return null;
  const outputState = { ...outcome.result.output_state };
  const routingState = { ...outcome.result.routing_state };
  const routed = routeOf(core, run, work, routingState);
  if (routed !== null && (!routed.ok || routed.terminateRun)) return null;
  const { nodeRun } = work;
  const emission = {
    nodeId: nodeRun.nodeId, nodeType: nodeRun.nodeType, executionIndex: nodeRun.executionIndex, sequence: nodeRun.sequence,
    output_state: outputState, routing_state: routingState,
  };
  const tokens = routed === null ? [] : tokensForSelected(emission, routed.selected);
  if (tokens.some(({ target }) => target === work.graph.startNodeId)) return null;
  let artifact: PreparedArtifact;
  try {
    artifact = prepareArtifact({ run, nodeRun, node: work.node, outputState, routingState });
  } catch {
    return null; // the one-by-one path fails it with the contract violation
  }
  const meta = { ...outcome.runMetadata, ...(routed?.ok ? { selected_connector_ids: routed.selected.map((c) => c.id) } : {}) };
  return { work, outputState, routingState, meta, degraded: degradedReason(outcome.runMetadata, outputState), artifact, tokens };
}

/** Artifact columns read back: the event carries the artifact without its payload, so the payload is not read back. */
const ARTIFACT_COLUMNS = [
  "id", "flowchart_id", "run_id", "node_run_id", "node_id", "node_type", "artifact_type", "ref_id", "execution_index", "variant_key", "retention_mode",
  "expires_at", "request_id", "correlation_id", "contract_version", "payload_version", "idempotency_key", "created_at", "updated_at",
];

/** Node-run columns read back: what the end events report (not the input context and tokens the node run started with). */
const NODE_RUN_EVENT_COLUMNS = NODE_RUN_COLUMNS.split(", ").filter((c) => c !== "input_context" && c !== "upstream_tokens");

/**
 * Node runs succeeded (only those `$2` still holds), their activations done, one artifact each (for updated node runs
 * only) with each node's history pruned as persistArtifact does (expired ones, read by the node's expiry index; beyond
 * the newest `keep` older ones that are not `forever`), looked up per node run so that only that node's history is
 * read. The plans are of different nodes, so no prune sees another plan's new artifact, exactly as when they are
 * written one by one. The ids come again as arrays ($5, $6) so that the rows are looked up by primary key whatever row
 * count the planner guesses for the JSON input; the status 'running' comes as $7 so that the plan cached for this
 * statement never scans the partial index of running node runs (which keeps an entry for every node run that was ever
 * running until VACUUM, so its scans grow with the run).
 */
function persistSuccessesSql(fire: boolean): string {
  return `
WITH input AS (
  SELECT x.ord, x.e FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, ord)
), updated AS (
  UPDATE ark_flow_node_runs n SET status = 'succeeded', output_state = i.e->'output_state', routing_state = i.e->'routing_state',
         routing_metadata = n.routing_metadata || (i.e->'meta'), degraded = (i.e->>'degraded_reason') IS NOT NULL, degraded_reason = i.e->>'degraded_reason',
         finished_at = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL
    FROM input i
   WHERE n.id = ANY($5::bigint[]) AND n.id = (i.e->>'node_run_id')::bigint AND n.status = $7 AND n.lease_owner = $2
  RETURNING n.*, i.ord AS ord, i.e->'artifact' AS artifact_input, i.e->'fire' AS fire
), closed AS (
  UPDATE ark_flow_activations a SET state = 'done' FROM updated u JOIN input i ON i.ord = u.ord
   WHERE a.id = ANY($6::bigint[]) AND a.id = (i.e->>'activation_id')::bigint
), inserted AS (
  INSERT INTO ark_flow_node_artifacts (flowchart_id, run_id, node_run_id, node_id, node_type, artifact_type, ref_id, execution_index, variant_key,
    retention_mode, expires_at, request_id, correlation_id, payload, idempotency_key)
  SELECT $3, $4, u.id, u.node_id, u.node_type, u.artifact_input->>'type', (u.artifact_input->>'ref_id')::bigint, u.execution_index,
         u.artifact_input->>'variant_key', u.artifact_input->>'retention_mode',
         CASE WHEN (u.artifact_input->>'expires_in') IS NULL THEN NULL ELSE now() + make_interval(secs => (u.artifact_input->>'expires_in')::float8) END,
         u.artifact_input->>'request_id', u.artifact_input->>'correlation_id',
         CASE WHEN (u.artifact_input->>'with_input_context')::boolean
              THEN (u.artifact_input->'payload') || jsonb_build_object('input_context', COALESCE(u.input_context, '{}'::jsonb))
              ELSE u.artifact_input->'payload' END,
         u.artifact_input->>'key'
    FROM updated u ORDER BY u.ord
  RETURNING *
), pruned AS (
  DELETE FROM ark_flow_node_artifacts d
   WHERE d.id IN (
     SELECT k.id
       FROM updated u
       JOIN ark_flow_node_artifacts k
         ON k.flowchart_id = $3 AND k.node_id = u.node_id AND k.artifact_type = u.artifact_input->>'type' AND k.expires_at <= now()
      WHERE (u.artifact_input->>'by_ttl')::boolean
     UNION ALL
     SELECT h.id
       FROM updated u
      CROSS JOIN LATERAL (
        SELECT k.id FROM ark_flow_node_artifacts k
         WHERE k.flowchart_id = $3 AND k.node_id = u.node_id AND k.artifact_type = u.artifact_input->>'type' AND k.retention_mode <> 'forever'
         ORDER BY k.created_at DESC, k.id DESC
        OFFSET (u.artifact_input->>'keep')::int
      ) h
      WHERE (u.artifact_input->>'by_count')::boolean)
)${fire ? FIRE_CTES : ""}
SELECT ${NODE_RUN_EVENT_COLUMNS.map((c) => `u.${c}`).join(", ")}, u.ord, ${ARTIFACT_COLUMNS.map((c) => `a.${c} AS artifact_${c}`).join(", ")}${fire ? FIRE_COLUMNS : ""}
  FROM updated u LEFT JOIN inserted a ON a.node_run_id = u.id
 ORDER BY u.ord`;
}

/**
 * With tokens that all go to nodes without a join: the activations they fire (one per token, in plan and connector
 * order, for updated node runs only), and what a claim of them needs, read under the run's lock before this statement
 * changed anything — how many activations were pending or claimed, and each target's last execution index.
 */
const FIRE_CTES = `, fired AS (
  INSERT INTO ark_flow_activations (run_id, node_id, tokens, produced_by)
  SELECT $4, t.e->>'target', t.e->'tokens', u.id
    FROM updated u CROSS JOIN LATERAL jsonb_array_elements(u.fire) WITH ORDINALITY AS t(e, k)
   ORDER BY u.ord, t.k
  RETURNING id
), targets AS (
  SELECT DISTINCT t.e->>'target' AS node_id FROM input i CROSS JOIN LATERAL jsonb_array_elements(i.e->'fire') AS t(e)
)`;

const FIRE_COLUMNS = `,
       (SELECT array_agg(f.id::text ORDER BY f.id) FROM fired f) AS fired_ids,
       (SELECT count(*) FROM (SELECT p.node_id FROM ark_flow_activations p WHERE p.run_id = $4 AND p.state = 'pending' ORDER BY p.id LIMIT 1) x)::int AS pending_before,
       (SELECT count(*) FROM ark_flow_activations c WHERE c.run_id = $4 AND c.state = 'claimed')::int AS claimed_before,
       (SELECT jsonb_object_agg(g.node_id, GREATEST(
          COALESCE((SELECT max(n.execution_index) FROM ark_flow_node_runs n WHERE n.run_id = $4 AND n.node_id = g.node_id), 0),
          COALESCE((SELECT (r.base_state->'execution_counts'->>g.node_id)::int FROM ark_flow_runs r WHERE r.id = $4), 0)))
          FROM targets g) AS last_indexes`;

/** The statement's input row of a plan. */
function inputOf(plan: SuccessPlan, fire: boolean): Record<string, unknown> {
  const a = plan.artifact;
  return {
    ...(fire ? { fire: plan.tokens.map(({ target, token }) => ({ target, tokens: [token] })) } : {}),
    node_run_id: plan.work.nodeRun.id, activation_id: plan.work.activationId, output_state: plan.outputState, routing_state: plan.routingState,
    meta: plan.meta, degraded_reason: plan.degraded,
    artifact: {
      type: a.type, ref_id: a.refId, variant_key: a.variantKey, retention_mode: a.retentionMode, expires_in: a.expiresInSeconds, request_id: a.requestId,
      correlation_id: a.correlationId, key: a.idempotencyKey, by_ttl: a.byTtl, by_count: a.byCount, keep: a.keep, ...artifactPayloadInput(plan),
    },
  };
}

/**
 * The artifact payload as sent: a payload that carries the node run's input context (the generic types, §12.1) goes
 * without it, and the statement takes it from the node run's row — the same JSON, which need not travel twice (it is
 * most of a small node's payload).
 */
function artifactPayloadInput(plan: SuccessPlan): { payload: Record<string, unknown>; with_input_context?: true } {
  const { payload } = plan.artifact;
  const fromRow = plan.work.nodeRun.inputContext; // null on the row: the payload holds {} and the statement writes {}
  if (!("input_context" in payload) || (fromRow !== null && payload.input_context !== fromRow)) return { payload };
  const { input_context: _fromRow, ...rest } = payload;
  return { payload: rest, with_input_context: true };
}

/** Per plan, null when it was discarded (no longer this worker's), else the activations it fired and whether the run simply goes on. */
export type SuccessStep = { activations: number; settled: boolean } | null;

/** The activations a set-based persist fired, ready to be claimed without reading them back (see persistSuccesses). */
export interface FiredActivations {
  /** Activations that were pending before (older than these, so claimed first): none means these are all that is pending. */
  readonly pendingBefore: number;
  /** Activations of the run still claimed after this persist (the persisted ones are done). */
  readonly claimed: number;
  /** As PENDING_ACTIVATIONS_SQL returns them, oldest first. */
  readonly activations: ActivationRow[];
}

/**
 * Persists planned successes of one run (different nodes, in order) and queues their events. When every token goes to
 * a node without a join, the fired activations are inserted by the same statement, which also reports what claiming
 * them needs (`fired`); otherwise the tokens go through offerTokens.
 */
export async function persistSuccesses(
  core: EngineCore,
  tx: Queryable,
  emit: EmitFn,
  run: FlowRun,
  plans: readonly SuccessPlan[],
): Promise<{ steps: SuccessStep[]; fired: FiredActivations | null }> {
  const { graph } = plans[0]!.work;
  const fire = plans.every((plan) => plan.tokens.every(({ target }) => firesAtOnce(graph, target)));
  // Without fired activations the plans are independent and are written in pipelined parts (pipelined-write.ts); a
  // firing batch stays one statement, since what a claim needs (FIRE_COLUMNS) is read per statement.
  const stored: (Record<string, unknown> | undefined)[] = [];
  let firstRow: Record<string, unknown> | undefined;
  await writeInParts(
    fire ? [plans] : partsOf(plans),
    (part) =>
      queryPrepared(tx, fire ? "ark_flow_persist_successes_fire" : "ark_flow_persist_successes", persistSuccessesSql(fire), [
        JSON.stringify(part.map((plan) => inputOf(plan, fire))), core.owner, run.flowchartId, run.id,
        part.map((p) => p.work.nodeRun.id), part.map((p) => p.work.activationId), "running",
      ]),
    ({ rows }, part) => {
      firstRow ??= rows[0];
      const byOrdinal = new Map(rows.map((row) => [Number(row.ord), row]));
      const offset = stored.length;
      part.forEach((_, i) => stored.push(byOrdinal.get(i + 1)));
      emitStored(run, plans, stored, offset, emit);
      if (stored.length < plans.length) emit.flush(); // appended while the next part's events are drafted
    },
  );
  let counts: number[];
  let fired: FiredActivations | null = null;
  if (fire) {
    counts = plans.map((plan, i) => (stored[i] ? plan.tokens.length : 0));
    fired = firedActivations(plans, stored, firstRow);
  } else {
    const deliveries = plans.map((plan, i) => (stored[i] ? { producedBy: plan.work.nodeRun.id, tokens: plan.tokens } : { producedBy: null, tokens: [] }));
    counts = await offerTokens(tx, run.id, graph, deliveries);
  }
  // Fired activations in a running run: it simply goes on (no plan here ends the run or queues a follow-up).
  const steps = plans.map((_, i) => (stored[i] ? { activations: counts[i]!, settled: counts[i]! > 0 && run.status === "running" } : null));
  return { steps, fired };
}

/** The end events of the stored rows from `offset` on, in plan order. */
function emitStored(run: FlowRun, plans: readonly SuccessPlan[], stored: readonly (Record<string, unknown> | undefined)[], offset: number, emit: EmitFn): void {
  for (let i = offset; i < stored.length; i++) {
    const row = stored[i];
    if (!row) continue;
    const nodeRun = toNodeRun(row);
    const { payload: _payload, ...summary } = serialiseArtifact(Object.fromEntries(ARTIFACT_COLUMNS.map((c) => [c, row[`artifact_${c}`]])));
    emitNodeFinished(emit, run, nodeRun);
    const degraded = plans[i]!.degraded;
    if (degraded !== null) {
      emitRunUpdated(emit, run, "warning", { flowchart_node_id: nodeRun.nodeId, flowchart_node_run_id: nodeRun.id, warning_message: degraded, warning_count: 1 });
    }
    emitArtifactPersisted(emit, run, nodeRun, summary);
  }
}

/** A token for this node fires it at once (no join queue): one activation per token. */
function firesAtOnce(graph: GraphIndex, target: string): boolean {
  const join = joinRequirementOf(graph, target);
  return join.parentIds.length === 0 || join.required === 1;
}

function firedActivations(plans: readonly SuccessPlan[], stored: readonly (Record<string, unknown> | undefined)[], row: Record<string, unknown> | undefined): FiredActivations | null {
  if (!row) return null;
  const ids = (row.fired_ids as string[] | null) ?? [];
  const lastIndexes = (row.last_indexes as Record<string, number> | null) ?? {};
  const tokens = plans.flatMap((plan, i) => (stored[i] ? plan.tokens : []));
  if (ids.length !== tokens.length) return null;
  const updated = stored.filter((r) => r !== undefined).length;
  return {
    pendingBefore: Number(row.pending_before),
    claimed: Number(row.claimed_before) - updated,
    activations: tokens.map(({ target, token }, k) => ({ id: ids[k]!, node_id: target, tokens: [token], node_run_id: null, last_index: Number(lastIndexes[target] ?? 0) })),
  };
}
