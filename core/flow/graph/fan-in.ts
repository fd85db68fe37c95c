/**
 * Fan-in (orchestration-and-events §5.2) as pure data: how many solid parents a node waits for, the FIFO token queues
 * per (target, parent), and which parents fire together. `FanInState` is plain JSON, so the orchestrator can store it
 * durably and restore it after a crash; every operation returns a new state and leaves its input untouched.
 */
import { ArkError } from "../../errors/index.js";
import type { GraphIndex } from "./graph-index.js";
import { compareGraphIds, isJsonObject, type ConnectorMode } from "./graph-model.js";
import { fanInModeOf, parseFanInCustomCount } from "./routing-config.js";

/** What travels along a selected solid connector to its target (§4.4 step 9). */
export interface UpstreamToken {
  readonly source_node_id: string;
  readonly source_edge_id: string;
  readonly node_type: string;
  readonly condition_key: string | null;
  readonly edge_mode: ConnectorMode;
  readonly execution_index: number;
  /** Run-wide execution sequence of the source node run; orders tokens and picks `latest_upstream`. */
  readonly sequence: number;
  readonly output_state: Readonly<Record<string, unknown>>;
  readonly routing_state: Readonly<Record<string, unknown>>;
}

/** Queued tokens: target node id → parent node id → FIFO (oldest first). */
export interface FanInState {
  readonly version: 1;
  readonly queues: Readonly<Record<string, Readonly<Record<string, readonly UpstreamToken[]>>>>;
}

/** A join's parent set and how many of them must deliver before it fires. */
export interface JoinRequirement {
  /** Unique solid parent ids, sorted (GraphIndex.solidParentIds). */
  readonly parentIds: readonly string[];
  readonly required: number;
}

/** The state with nothing queued. */
export function emptyFanInState(): FanInState {
  return { version: 1, queues: {} };
}

/**
 * How many solid parents must deliver (§5.2): ≤1 parent → that count; `any` → 1; `custom` → the count, where a missing
 * or non-positive count means all parents and a count above the parent count is clamped; `all` (default) → all.
 */
export function resolveFanInRequirement(config: Readonly<Record<string, unknown>>, solidParentCount: number): number {
  if (solidParentCount <= 1) return Math.max(0, solidParentCount);
  const mode = fanInModeOf(config);
  if (mode === "any") return 1;
  if (mode === "custom") {
    const count = parseFanInCustomCount(config.fan_in_custom_count);
    return typeof count === "number" ? Math.min(count, solidParentCount) : solidParentCount;
  }
  return solidParentCount;
}

/** A node's join requirement in an indexed graph: its sorted solid parents and how many must deliver. */
export function joinRequirementOf(index: GraphIndex, nodeId: string): JoinRequirement {
  const parentIds = index.solidParentIds(nodeId);
  return { parentIds, required: resolveFanInRequirement(index.nodesById.get(nodeId)?.config ?? {}, parentIds.length) };
}

/**
 * The parents that fire together (§5.2), or [] when fewer than `required` have a queued token. When every parent is
 * required the selection is all parents in the given (sorted) order; otherwise the ready parents ranked by the sequence
 * of their oldest token, then by id, and the first `required` of them.
 */
export function selectReadyParents(
  queues: Readonly<Record<string, readonly Pick<UpstreamToken, "sequence">[]>>,
  parentIds: readonly string[],
  required: number,
): string[] {
  if (required <= 0) return [];
  const ready = parentIds.filter((id) => (queues[id]?.length ?? 0) > 0);
  if (ready.length < required) return [];
  if (required >= parentIds.length) return [...parentIds];
  const oldest = (id: string) => queues[id]![0]!.sequence;
  return ready.sort((a, b) => oldest(a) - oldest(b) || compareGraphIds(a, b)).slice(0, required);
}

/**
 * Queues `token` for `target` and fires as long as readiness holds, consuming one token per selected parent per
 * firing. Each activation lists its tokens in selection order. A target without solid parents fires at once.
 */
export function offerToken(
  state: FanInState,
  target: string,
  token: UpstreamToken,
  join: JoinRequirement,
): { state: FanInState; activations: UpstreamToken[][] } {
  const offers = new FanInOffers(state);
  const activations = offers.offer(target, token, join);
  return { state: offers.state(), activations };
}

/**
 * offerToken for many tokens in a row (a fan-out's branches delivering to one join): the same firings in the same
 * order, but each target's queues are copied once instead of on every offer, which made a 100-wide join quadratic.
 */
export class FanInOffers {
  private readonly touched = new Map<string, Record<string, UpstreamToken[]>>();

  constructor(private readonly initial: FanInState) {}

  /** Offers one token; returns the activations it fired (see offerToken). */
  offer(target: string, token: UpstreamToken, join: JoinRequirement): UpstreamToken[][] {
    if (join.parentIds.length === 0) return [[token]];
    if (!join.parentIds.includes(token.source_node_id)) {
      throw new ArkError("ARK_INVALID_ARGUMENT", `Token from node ${token.source_node_id} cannot reach node ${target}: it is not one of its solid parents (${join.parentIds.join(", ")}).`, {
        details: { target, source: token.source_node_id, parentIds: [...join.parentIds] },
      });
    }
    let queues = this.touched.get(target);
    if (!queues) {
      queues = {};
      for (const [parent, list] of Object.entries(this.initial.queues[target] ?? {})) queues[parent] = [...list];
      this.touched.set(target, queues);
    }
    (queues[token.source_node_id] ??= []).push(token);
    const activations: UpstreamToken[][] = [];
    for (let selection = selectReadyParents(queues, join.parentIds, join.required); selection.length > 0; selection = selectReadyParents(queues, join.parentIds, join.required)) {
      activations.push(selection.map((parent) => queues[parent]!.shift()!));
    }
    return activations;
  }

  /** The fan-in state after every offer so far (the initial state is left as it was). */
  state(): FanInState {
    let state = this.initial;
    for (const [target, queues] of this.touched) state = withTargetQueues(state, target, queues);
    return state;
  }
}

function withTargetQueues(state: FanInState, target: string, queues: Record<string, UpstreamToken[]>): FanInState {
  const kept = Object.fromEntries(Object.entries(queues).filter(([, list]) => list.length > 0).map(([parent, list]) => [parent, [...list]]));
  const next = { ...state.queues };
  if (Object.keys(kept).length === 0) delete next[target];
  else next[target] = kept;
  return { version: 1, queues: next };
}

/** A join left with tokens that never fired: the parents that delivered and the ones it still waits for. */
export interface StalledJoin {
  readonly targetNodeId: string;
  readonly deliveredParentIds: string[];
  readonly missingParentIds: string[];
  readonly queuedTokenCount: number;
  readonly message: string;
}

/**
 * Joins holding tokens that cannot fire any more; call it when a run has nothing left to execute (ARK reports these
 * in the run's warnings instead of completing silently, fixing the reference's quirk Q21).
 */
export function stalledJoins(state: FanInState, requirementOf: (target: string) => JoinRequirement): StalledJoin[] {
  const stalled: StalledJoin[] = [];
  for (const target of Object.keys(state.queues).sort(compareGraphIds)) {
    const queues = state.queues[target]!;
    const { parentIds, required } = requirementOf(target);
    const delivered = parentIds.filter((id) => (queues[id]?.length ?? 0) > 0);
    const missing = parentIds.filter((id) => !delivered.includes(id));
    const count = Object.values(queues).reduce((sum, list) => sum + list.length, 0);
    if (count === 0) continue;
    stalled.push({
      targetNodeId: target,
      deliveredParentIds: delivered,
      missingParentIds: missing,
      queuedTokenCount: count,
      message: `Node ${target} holds ${count} token(s) that never fired: its fan-in waits for ${required} of ${parentIds.length} solid parents, but only ${delivered.join(", ") || "none"} delivered (missing: ${missing.join(", ") || "none"}).`,
    });
  }
  return stalled;
}

/** The state as JSON text, for durable storage. */
export function serialiseFanInState(state: FanInState): string {
  return JSON.stringify(state);
}

/** Restores a stored state (JSON text or parsed value); throws ARK_FLOW_STATE_INVALID naming the first bad part. */
export function restoreFanInState(stored: unknown): FanInState {
  let value = stored;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch (cause) {
      throw stateError("is not valid JSON", "", cause);
    }
  }
  if (!isJsonObject(value) || value.version !== 1 || !isJsonObject(value.queues)) throw stateError("must be {version: 1, queues: {...}}", "");
  for (const [target, byParent] of Object.entries(value.queues)) {
    if (!isJsonObject(byParent)) throw stateError("must map parent ids to token lists", `queues.${target}`);
    for (const [parent, list] of Object.entries(byParent)) {
      const where = `queues.${target}.${parent}`;
      if (!Array.isArray(list)) throw stateError("must be a list of tokens", where);
      list.forEach((token, i) => assertToken(token, `${where}[${i}]`, parent));
    }
  }
  return value as unknown as FanInState;
}

function assertToken(token: unknown, where: string, parent: string): void {
  const ok =
    isJsonObject(token) &&
    token.source_node_id === parent &&
    typeof token.source_edge_id === "string" &&
    typeof token.node_type === "string" &&
    Number.isFinite(token.sequence) &&
    Number.isFinite(token.execution_index) &&
    (token.edge_mode === "solid" || token.edge_mode === "dotted" || token.edge_mode === "dashed") &&
    isJsonObject(token.output_state) &&
    isJsonObject(token.routing_state);
  if (!ok) throw stateError(`must be a token from node ${parent} (source_node_id, source_edge_id, node_type, sequence, execution_index, edge_mode, output_state, routing_state)`, where);
}

function stateError(problem: string, where: string, cause?: unknown): ArkError {
  const subject = where === "" ? "Fan-in state" : `Fan-in state ${where}`;
  return new ArkError("ARK_FLOW_STATE_INVALID", `${subject} ${problem}.`, { details: { path: where }, cause });
}
