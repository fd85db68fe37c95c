/**
 * Static detection of joins that cannot fire (ARK's answer to quirk Q21, where an `all` join after an untaken branch
 * silently never ran). Two findings, both warnings:
 *
 * - `join_never_fires` (certain): a reachable node needs more solid parents to deliver than can deliver before it
 *   has run — a parent that is never reachable, or one reachable from Start only through the join itself (the
 *   classic loop back into an `all` join). Decided exactly with reachability over solid connectors.
 * - `join_exclusive_branches` (conditional): an all-parents join whose parents lie on disjoint branches of one
 *   decision node that executes at most once per run (it is not on a cycle). It fires only if that decision matches
 *   both branches in the same execution (decisions may multi-match; in legacy route_key mode they never do).
 *
 * Not detected: exclusivity that depends on condition texts (two conditions that can never both be true), on route
 * keys of non-decision nodes, or on a decision that runs several times (inside a loop or after an `any` join), where
 * tokens from different executions may pair up. The orchestrator reports such joins at run end (fan-in stalledJoins).
 */
import { resolveFanInRequirement } from "./fan-in.js";
import { solidReachable, type GraphIndex } from "./graph-index.js";
import type { FlowConnector, GraphIssue } from "./graph-model.js";

/** Joins that cannot fire, as warnings. `isDecision` says which nodes route by condition keys. */
export function analyseJoins(index: GraphIndex, isDecision: (nodeId: string) => boolean, fanInApplies: (nodeId: string) => boolean): GraphIssue[] {
  if (index.startNodeId === null) return [];
  const start = index.startNodeId;
  const reachable = solidReachable(index, start);
  const warnings: GraphIssue[] = [];
  const joins = [...index.nodesById.values()].filter((n) => reachable.has(n.id) && fanInApplies(n.id) && index.solidParentIds(n.id).length >= 2);
  for (const join of joins) {
    const parents = index.solidParentIds(join.id);
    const required = resolveFanInRequirement(join.config, parents.length);
    const beforeJoin = solidReachable(index, start, new Set([join.id]));
    const late = parents.filter((p) => p === join.id || !beforeJoin.has(p));
    if (parents.length - late.length < required) {
      warnings.push({
        code: "join_never_fires",
        nodeId: join.id,
        message: `Node ${join.id} (${join.type}) can never run: its fan-in waits for ${required} of ${parents.length} solid parents, but ${late.join(", ")} can only run after node ${join.id} itself (or never). Use fan_in_mode any (or custom) where a loop re-enters a join.`,
      });
    }
  }
  const neverFires = new Set(warnings.map((w) => w.nodeId));
  const candidates = joins.map((j) => j.id).filter((id) => !neverFires.has(id));
  // Each decision below costs a few walks of the graph: skip them all when there is no join to judge.
  if (candidates.length === 0) return warnings;
  for (const decisionId of [...index.nodesById.keys()].filter((id) => reachable.has(id) && isDecision(id))) {
    warnings.push(...exclusiveBranchJoins(index, decisionId, candidates, start));
  }
  return warnings;
}

function exclusiveBranchJoins(index: GraphIndex, decisionId: string, joinIds: readonly string[], start: string): GraphIssue[] {
  const branches = index.outgoing(decisionId).filter((c) => c.mode === "solid");
  // Checked before any walk: a chain of thousands of one-branch decisions made validation quadratic.
  if (branches.length < 2) return [];
  const blocked = new Set([decisionId]);
  const onCycle = branches.some((c) => solidReachable(index, c.target).has(decisionId));
  if (onCycle) return [];
  const reachByBranch = branches.map((c) => ({ connector: c, reach: solidReachable(index, c.target, blocked) }));
  const withoutDecision = solidReachable(index, start, blocked);
  const warnings: GraphIssue[] = [];
  for (const joinId of joinIds) {
    const node = index.nodesById.get(joinId)!;
    const parents = index.solidParentIds(joinId);
    if (resolveFanInRequirement(node.config, parents.length) < parents.length) continue;
    const branchesOf = (parent: string): FlowConnector[] =>
      withoutDecision.has(parent) || parent === decisionId ? [] : reachByBranch.filter((b) => b.reach.has(parent)).map((b) => b.connector);
    const pair = findDisjointPair(parents, branchesOf);
    if (pair === null) continue;
    const [a, b, ca, cb] = pair;
    warnings.push({
      code: "join_exclusive_branches",
      nodeId: joinId,
      message: `Node ${joinId} (${node.type}) waits for all of its solid parents, but ${a} and ${b} are on different branches of decision node ${decisionId} (connectors ${ca} / ${cb}): it runs only when ${decisionId} matches both in the same execution.`,
    });
  }
  return warnings;
}

function findDisjointPair(parents: readonly string[], branchesOf: (parent: string) => FlowConnector[]): [string, string, string, string] | null {
  const sets = parents.map((p) => ({ parent: p, branches: branchesOf(p) })).filter((s) => s.branches.length > 0);
  for (let i = 0; i < sets.length; i++) {
    for (let j = i + 1; j < sets.length; j++) {
      const a = sets[i]!;
      const b = sets[j]!;
      if (a.branches.some((c) => b.branches.includes(c))) continue;
      const label = (list: FlowConnector[]) => list.map((c) => c.conditionKey ?? c.id).join("+");
      return [a.parent, b.parent, label(a.branches), label(b.branches)];
    }
  }
  return null;
}
