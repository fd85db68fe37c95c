/**
 * Validation and dry-run codes the transform makes unreachable in a migration (the reference keeps them as
 * defences), exercised on hand-built post-transform snapshots; and the system MCP rule with a known server id.
 */
import { describe, expect, it } from "vitest";
import type { FlowSnapshot, SnapshotEdge, SnapshotNode } from "../../core/plugin-api/index.js";
import { dryRunRuntimeSchema } from "./dry-run-checks.js";
import { validateRuntimeSchema } from "./post-validation.js";

const node = (id: string, node_type: string, config: Record<string, unknown> = {}, extra: Partial<SnapshotNode> = {}): SnapshotNode => ({
  id, node_type, ref_id: null, title: null, x: 0, y: 0, model_id: null, config, mcp_server_ids: [], script_ids: [], skill_ids: [], attachment_ids: [], ...extra,
});
const edge = (id: string, source: string, target: string, key: string | null = null, mode = "solid"): SnapshotEdge => ({
  id, source_node_id: source, target_node_id: target, source_handle_id: null, target_handle_id: null, edge_mode: mode, condition_key: key, label: null,
});
const snapshot = (nodes: SnapshotNode[], edges: SnapshotEdge[]): FlowSnapshot => ({ flowchart: { id: "1", name: "t" }, nodes, edges });
const codes = (issues: { code: string }[]) => issues.map((i) => i.code);

describe("runtime-schema validation defences", () => {
  it("reports a decision solid edge without a key, duplicate decision keys and a custom fan-in without a count", () => {
    const s = snapshot(
      [node("s", "start"), node("d", "decision"), node("a", "end", { fan_in_mode: "custom" }), node("b", "end")],
      [edge("1", "s", "d"), edge("2", "d", "a", "x"), edge("3", "d", "b", "x"), edge("4", "d", "b")],
    );
    expect(codes(validateRuntimeSchema(s, undefined, null))).toEqual([
      "validation.decision_condition_key_required", "validation.decision_duplicate_condition_keys", "validation.fan_in_custom_count_required",
    ]);
  });

  it("requires the known llmctl-mcp server on memory nodes, as a policy issue whose severity follows the policy", () => {
    const s = snapshot([node("s", "start"), node("m", "memory", {}, { mcp_server_ids: [3] })], [edge("1", "s", "m")]);
    expect(validateRuntimeSchema(s, { strictPolicy: true, issue: () => undefined }, "7")).toEqual([
      { code: "policy.memory_missing_llmctl_mcp", message: "Memory node m must be bound to the system-managed llmctl-mcp server.", severity: "error", node_id: "m" },
    ]);
    expect(validateRuntimeSchema(s, { strictPolicy: false, issue: () => undefined }, "7")[0]!.severity).toBe("warning");
    expect(validateRuntimeSchema(s, undefined, "3")).toEqual([]);
  });

  it("dry-runs decisions through the engine's routing: a fallback that is not a solid connector fails, policy fail skips it", () => {
    const decision = (config: Record<string, unknown>) => snapshot([node("s", "start"), node("d", "decision", config), node("e", "end")], [edge("1", "s", "d"), edge("2", "d", "e", "yes")]);
    expect(dryRunRuntimeSchema(decision({ fallback_condition_key: "nope" }))).toEqual([
      { code: "dry_run.route_resolution_failed", message: "Decision no-match fallback 'nope' is not a valid solid outgoing connector.", severity: "error", node_id: "d" },
    ]);
    expect(dryRunRuntimeSchema(decision({ fallback_condition_key: "nope", no_match_policy: "fail" }))).toEqual([]);
    expect(dryRunRuntimeSchema(decision({ fallback_condition_key: "yes" }))).toEqual([]);
  });
});
