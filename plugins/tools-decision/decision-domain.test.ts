import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { definePlugin, toolHostRef, type KernelToolHost } from "../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../core/testing/index.js";
import plugin from "./index.js";

// A companion that pulls the built-in tooling module (and its store) into the test kernel.
const withTooling = definePlugin({ id: "test-tooling", version: "1.0.0", kernel: "^1.0.0", requires: ["tooling"] });

describe("decision tool domain", () => {
  let kernel: TestKernel;
  let tools: KernelToolHost;

  beforeAll(async () => {
    kernel = await startTestKernel({ plugins: [plugin, withTooling], config: { kernel: { pluginTimeoutMs: 60_000 } } });
    tools = kernel.get(toolHostRef);
  }, 60_000);
  afterAll(async () => kernel?.stop());

  const context = {
    latest_upstream: { output_state: { structured_output: { route_key: "approve" }, score: 7, tags: ["a", "b"] } },
    flags: { urgent: true, note: "Needs REVIEW" },
  };

  it("evaluates conditions with the decision node's grammar, in condition order, with reasons and rules", async () => {
    const result = await tools.invoke({
      domain: "decision", operation: "evaluate",
      input: {
        input_context: context,
        decision_conditions: [
          { connector_id: "urgent", condition_text: "flags.urgent" },
          { connector_id: "score", condition_text: "latest_upstream.output_state.score == 7" },
          { connector_id: "review", condition_text: "flags.note contains review" },
          { connector_id: "never", condition_text: "flags.missing == x" },
          { connector_id: "urgent", condition_text: "duplicate connector: ignored" },
          { connector_id: "approve", condition_text: "approve" },
        ],
      },
    });
    expect(result.status).toBe("success");
    const output = result.output as { matched_connector_ids: string[]; evaluations: Array<{ rule: string; matched: boolean; reason: string }>; no_match: boolean; routing_state: Record<string, unknown>; output_state: Record<string, unknown> };
    expect(output.matched_connector_ids).toEqual(["urgent", "score", "review", "approve"]);
    expect(output.evaluations.map((e) => e.rule)).toEqual(["path", "equals", "contains", "equals", "route_key"]);
    expect(output.evaluations[3]).toMatchObject({ matched: false, reason: "Path 'flags.missing' was not found." });
    expect(output.no_match).toBe(false);
    expect(output.routing_state).toMatchObject({ route_key: "urgent", no_match: false });
    expect(output.output_state.node_type).toBe("decision");
  });

  it("skips conditions for connectors the decision does not have, and reports no_match", async () => {
    const result = await tools.invoke({
      domain: "decision", operation: "evaluate",
      input: { input_context: context, connector_ids: ["left"], decision_conditions: [{ connector_id: "right", condition_text: "flags.urgent" }] },
    });
    expect(result.output).toMatchObject({ matched_connector_ids: [], no_match: true, evaluations: [{ rule: "skipped", matched: false }] });
  });

  it("uses the legacy route_key without conditions, and refuses that under the cutover gate with a domain code", async () => {
    const legacy = await tools.invoke({ domain: "decision", operation: "evaluate", input: { input_context: context } });
    expect(legacy.output).toMatchObject({ matched_connector_ids: ["approve"], output_state: { resolved_route_key: "approve" } });
    const gated = await tools.invoke({ domain: "decision", operation: "evaluate", input: { input_context: context, require_conditions: true } });
    expect(gated).toMatchObject({ status: "failed", error: { code: "decision.conditions_required" } });
    expect(gated.trace.attempt_count).toBe(1);
  });

  it("evaluates a single condition, and refuses bad input before running", async () => {
    const one = await tools.invoke({ domain: "decision", operation: "evaluate_condition", input: { condition_text: "latest_upstream.output_state.tags.1 == b", input_context: context } });
    expect(one.output).toMatchObject({ matched: true, rule: "equals" });
    const bad = await tools.invoke({ domain: "decision", operation: "evaluate", input: { decision_conditions: [{ connector_id: "" }] } });
    expect(bad.error?.code).toBe("ARK_TOOL_INPUT_INVALID");
    expect((bad.error?.details?.issues as unknown[]).length).toBeGreaterThanOrEqual(2);
    expect((await tools.describe()).filter((d) => d.domain === "decision").map((d) => d.operation)).toEqual(["evaluate", "evaluate_condition"]);
  });
});
