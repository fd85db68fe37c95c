/**
 * Delivering a finished node run's tokens (reference §4.4 step 9, §5): one token per selected solid connector, in
 * order. A token for the Start node ends this run and queues a follow-up run (§4.5); any other token goes through its
 * target's fan-in queue, and every firing becomes a pending activation row.
 */
import type { EmitFn } from "../../events/index.js";
import { errorMessage } from "../../errors/index.js";
import { queryPrepared } from "../../store/prepared-query.js";
import type { Queryable } from "../../store/store-port.js";
import {
  FanInOffers,
  joinRequirementOf,
  offerToken,
  restoreFanInState,
  tokensForSelected,
  type FanInState,
  type FlowConnector,
  type JoinRequirement,
  type GraphIndex,
  type UpstreamToken,
} from "../graph/index.js";
import type { EngineCore } from "./engine-core.js";
import type { FlowRun, NodeRun } from "./engine-types.js";
import { addRunWarnings, decideOutcome } from "./run-finalise.js";
import { insertRun, loadRunDefinition } from "./run-start.js";

/** What delivering tokens did. */
export interface Delivery {
  readonly activations: number;
  readonly followUpRunId: string | null;
  /** A token reached Start: this run's outcome is decided (completed, or failed when no follow-up could be queued). */
  readonly endedRun: boolean;
}

/** Delivers the tokens of `nodeRun` along `selected`. The caller holds the run lock. */
export async function deliverTokens(
  core: EngineCore,
  tx: Queryable,
  _emit: EmitFn,
  input: { run: FlowRun; graph: GraphIndex; nodeRun: NodeRun; outputState: Record<string, unknown>; routingState: Record<string, unknown>; selected: readonly FlowConnector[] },
): Promise<Delivery> {
  const { run, graph, nodeRun } = input;
  const emission = {
    nodeId: nodeRun.nodeId, nodeType: nodeRun.nodeType, executionIndex: nodeRun.executionIndex, sequence: nodeRun.sequence,
    output_state: input.outputState, routing_state: input.routingState,
  };
  let activations = 0;
  for (const { target, token } of tokensForSelected(emission, input.selected)) {
    if (target === graph.startNodeId) {
      // Reaching Start ends this run; the cycle continues in a new run (§4.5). Later tokens of this emission are moot.
      return { activations, followUpRunId: await queueFollowUp(core, tx, run), endedRun: true };
    }
    activations += await offer(tx, run.id, graph, target, token, nodeRun.id);
  }
  return { activations, followUpRunId: null, endedRun: false };
}

/** Queues one token for `target`; returns how many activations fired. */
export async function offer(tx: Queryable, runId: string, graph: GraphIndex, target: string, token: UpstreamToken, producedBy: string | null): Promise<number> {
  const join = joinRequirementOf(graph, target);
  let fired: UpstreamToken[][];
  if (join.parentIds.length === 0 || join.required === 1) {
    // With one token needed per firing, a token fires as soon as it arrives: the queue never holds anything.
    fired = [[token]];
  } else {
    const { rows } = await tx.query<{ queues: unknown }>("SELECT queues FROM ark_flow_fan_in WHERE run_id = $1 AND target_node_id = $2 FOR UPDATE", [runId, target]);
    const state = restoreFanInState({ version: 1, queues: rows[0] ? { [target]: rows[0].queues } : {} });
    const offered = offerToken(state, target, token, join);
    fired = offered.activations;
    const queues = offered.state.queues[target];
    if (queues === undefined) {
      if (rows[0]) await tx.query("DELETE FROM ark_flow_fan_in WHERE run_id = $1 AND target_node_id = $2", [runId, target]);
    } else {
      await tx.query(
        `INSERT INTO ark_flow_fan_in (run_id, target_node_id, queues) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (run_id, target_node_id) DO UPDATE SET queues = EXCLUDED.queues`,
        [runId, target, JSON.stringify(queues)],
      );
    }
  }
  for (const tokens of fired) {
    await tx.query("INSERT INTO ark_flow_activations (run_id, node_id, tokens, produced_by) VALUES ($1, $2, $3::jsonb, $4)", [
      runId, target, JSON.stringify(tokens), producedBy,
    ]);
  }
  return fired.length;
}

/**
 * Ends the run (completed) and queues a follow-up run of the flowchart's current definition. A stopping run queues
 * nothing (it ends stopped). If the follow-up cannot be queued the run fails with the reference's message.
 */
async function queueFollowUp(core: EngineCore, tx: Queryable, run: FlowRun): Promise<string | null> {
  if (run.status === "stopping") {
    await decideOutcome(tx, run.id, "completed");
    return null;
  }
  try {
    const followUp = await (tx as Queryable & { transaction<T>(fn: (sp: Queryable) => Promise<T>): Promise<T> }).transaction(async (sp) => {
      const definition = await loadRunDefinition(sp, core.flowcharts, run.flowchartId);
      return insertRun(sp, {
        ...definition, settings: { ...definition.settings, agent_runtime_cutover_enabled: core.cutover() }, origin: "follow_up", sourceRunId: run.id,
        correlationId: run.correlationId,
      });
    });
    await decideOutcome(tx, run.id, "completed");
    return followUp.id;
  } catch (err) {
    await addRunWarnings(tx, run.id, [{ code: "follow_up_failed", message: errorMessage(err) }]);
    await decideOutcome(tx, run.id, "failed", "Flowchart reached Start node but failed to queue a follow-up run.");
    return null;
  }
}

/** Tokens one finished node run delivers (none for a node run that was discarded). */
export interface TokenDelivery {
  readonly producedBy: string | null;
  readonly tokens: readonly { target: string; token: UpstreamToken }[];
}

/**
 * offer() for the tokens of several node runs, set-based: the fan-in queues involved are read (locked) once, the tokens
 * are offered in order exactly as one offer() after another would, and then the queues and the fired activations are
 * written with one statement each. No token may target the Start node. Returns the activations fired per delivery.
 */
export async function offerTokens(tx: Queryable, runId: string, graph: GraphIndex, deliveries: readonly TokenDelivery[]): Promise<number[]> {
  const joins = new Map<string, JoinRequirement>();
  for (const { tokens } of deliveries) {
    for (const { target } of tokens) if (!joins.has(target)) joins.set(target, joinRequirementOf(graph, target));
  }
  const queued = [...joins].filter(([, join]) => join.parentIds.length > 0 && join.required !== 1).map(([target]) => target);
  let initial = restoreFanInState({ version: 1, queues: {} });
  const existed = new Set<string>();
  if (queued.length > 0) {
    const { rows } = await queryPrepared<{ target_node_id: string; queues: unknown }>(
      tx,
      "ark_flow_fan_in_lock",
      "SELECT target_node_id, queues FROM ark_flow_fan_in WHERE run_id = $1 AND target_node_id = ANY($2::text[]) ORDER BY target_node_id FOR UPDATE",
      [runId, queued],
    );
    for (const row of rows) existed.add(row.target_node_id);
    initial = restoreFanInState({ version: 1, queues: Object.fromEntries(rows.map((r) => [r.target_node_id, r.queues])) });
  }
  const offers = new FanInOffers(initial);
  const activations: { node_id: string; tokens: UpstreamToken[]; produced_by: string | null }[] = [];
  const fired = deliveries.map(({ producedBy, tokens }) => {
    let count = 0;
    for (const { target, token } of tokens) {
      const join = joins.get(target)!;
      let firings: UpstreamToken[][];
      if (join.parentIds.length === 0 || join.required === 1) {
        firings = [[token]];
      } else {
        firings = offers.offer(target, token, join);
      }
      for (const list of firings) activations.push({ node_id: target, tokens: list, produced_by: producedBy });
      count += firings.length;
    }
    return count;
  });
  await writeFanIn(tx, runId, queued, existed, offers.state());
  if (activations.length > 0) {
    await queryPrepared(
      tx,
      "ark_flow_activations_insert",
      `INSERT INTO ark_flow_activations (run_id, node_id, tokens, produced_by)
       SELECT $1, x.e->>'node_id', x.e->'tokens', (x.e->>'produced_by')::bigint FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS x(e, n) ORDER BY x.n`,
      [runId, JSON.stringify(activations)],
    );
  }
  return fired;
}

/** Writes the fan-in queues of `targets` as offering left them: emptied ones that existed are deleted, the rest upserted. */
async function writeFanIn(tx: Queryable, runId: string, targets: readonly string[], existed: ReadonlySet<string>, state: FanInState): Promise<void> {
  const kept = targets.filter((t) => state.queues[t] !== undefined).map((t) => ({ target: t, queues: state.queues[t] }));
  const emptied = targets.filter((t) => state.queues[t] === undefined && existed.has(t));
  if (kept.length === 0 && emptied.length === 0) return;
  await queryPrepared(
    tx,
    "ark_flow_fan_in_write",
    `WITH removed AS (DELETE FROM ark_flow_fan_in WHERE run_id = $1 AND target_node_id = ANY($3::text[]))
     INSERT INTO ark_flow_fan_in (run_id, target_node_id, queues)
     SELECT $1, x.e->>'target', x.e->'queues' FROM jsonb_array_elements($2::jsonb) AS x(e)
     ON CONFLICT (run_id, target_node_id) DO UPDATE SET queues = EXCLUDED.queues`,
    [runId, JSON.stringify(kept), emptied],
  );
}
