/**
 * The legacy corpus (test/fixtures/flow-migration/corpus.json): every transform and every reachable blocking code of
 * the runtime-schema step, through the real chain and gate. Each case's codes are written by hand in
 * build-corpus.py; the test also proves determinism (same input → byte-identical report) and idempotency (the
 * transform of a ready flowchart's output changes nothing and warns of no transform).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyseSnapshot, buildMigrationChain, type FlowSnapshot } from "../../core/migration/index.js";
import { runtimeSchemaStep } from "./index.js";

interface Case {
  name: string;
  strict: boolean;
  snapshot: FlowSnapshot;
  expect: { status: string; blocking_issue_codes: string[]; warning_issue_codes: string[]; post?: { nodes?: Record<string, object>; edges?: Record<string, object> } };
}

const corpus = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../test/fixtures/flow-migration/corpus.json"), "utf8")) as { cases: Case[] };
const chain = buildMigrationChain([{ pluginId: "migrations-runtime", value: runtimeSchemaStep(() => "7") }]);
const analyse = (snapshot: FlowSnapshot, strict: boolean) => analyseSnapshot(snapshot, 1, chain, { strictPolicy: strict });

describe("runtime-schema migration: legacy corpus", () => {
  for (const c of corpus.cases) {
    it(c.name, () => {
      const report = analyse(c.snapshot, c.strict);
      expect(report.compatibility_gate.status).toBe(c.expect.status);
      expect(report.compatibility_gate.blocking_issue_codes).toEqual(c.expect.blocking_issue_codes);
      expect(report.compatibility_gate.warning_issue_codes).toEqual(c.expect.warning_issue_codes);
      expect(report.rollback).toMatchObject(c.expect.status === "blocked"
        ? { required: true, trigger_codes: ["compatibility_gate_blocked", ...c.expect.blocking_issue_codes] }
        : { required: false, trigger_codes: [] });
      for (const [id, want] of Object.entries(c.expect.post?.nodes ?? {})) expect(report.post_migration_snapshot.nodes.find((n) => n.id === id)).toMatchObject(want);
      for (const [id, want] of Object.entries(c.expect.post?.edges ?? {})) expect(report.post_migration_snapshot.edges.find((e) => e.id === id)).toMatchObject(want);
      expect(JSON.stringify(analyse(structuredClone(c.snapshot), c.strict))).toBe(JSON.stringify(report));
      expect(c.snapshot).toEqual(report.pre_migration_snapshot);
      if (report.compatibility_gate.status === "ready") {
        const again = analyse(report.post_migration_snapshot, c.strict);
        expect(again.changed).toBe(false);
        expect(again.issues.filter((i) => i.code.startsWith("transform."))).toEqual([]);
      }
    });
  }

  it("covers every transform code, every reachable blocking code and the auto-create warning", () => {
    const seen = new Set(corpus.cases.flatMap((c) => [...c.expect.blocking_issue_codes, ...c.expect.warning_issue_codes]));
    const expected = [
      "transform.invalid_fan_in_custom_count", "transform.invalid_fan_in_mode", "transform.inferred_no_match_policy", "transform.invalid_no_match_policy",
      "transform.removed_legacy_route_key_path", "transform.removed_legacy_route_field_path", "transform.generated_decision_connector_id",
      "transform.deduped_decision_connector_id", "transform.defaulted_edge_mode", "transform.normalized_memory_action", "transform.defaulted_memory_mode",
      "transform.migrated_memory_store_mode", "transform.invalid_memory_action", "transform.defaulted_plan_mode", "transform.invalid_plan_mode",
      "transform.migrated_plan_store_mode", "transform.removed_legacy_plan_action", "transform.normalized_milestone_action", "transform.invalid_milestone_action",
      "transform.defaulted_failure_controls", "transform.removed_legacy_tool_fallback_enabled",
      "validation.unknown_node_type", "validation.missing_ref_id", "validation.ref_id_auto_create", "validation.unexpected_ref_id", "validation.task_prompt_required", "validation.start_node_count",
      "validation.edge_source_missing", "validation.edge_target_missing", "validation.fan_in_custom_count_range", "validation.end_node_outgoing_edges",
      "validation.decision_missing_solid_outgoing", "validation.decision_fallback_missing_connector", "validation.decision_fallback_policy_requires_connector",
      "policy.unsupported_model_binding", "policy.unsupported_mcp_binding", "policy.unsupported_script_binding", "policy.unsupported_skill_binding",
      "policy.unsupported_attachment_binding", "policy.memory_missing_llmctl_mcp", "policy.non_decision_condition_key",
      "dry_run.route_resolution_failed", "dry_run.route_key_ignored",
    ];
    expect(expected.filter((code) => !seen.has(code))).toEqual([]);
  });
});
