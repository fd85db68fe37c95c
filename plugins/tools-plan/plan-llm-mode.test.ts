/**
 * llm_guided plan patches with a local fake model (ctx.llm): strict JSON (raw or fenced) is applied, anything else is
 * ARK_PLAN_LLM_OUTPUT_INVALID; retries, the single deterministic fallback and its markers; the deterministic mode's
 * transform. Store-backed halves run on PGlite and PostgreSQL.
 */
import { describe, expect, it } from "vitest";
import { describeStore } from "../../test/support/store-harness.js";
import { normaliseKey } from "./plan-keys.js";
import { planCallInput, planToCreate } from "./plan-node.js";
import { parseStrictPatch, parseTransform } from "./plan-llm.js";
import { boundPlanDomain, fakeLlm, planMigrations, planRowCounts } from "./test-support.js";

describe("plan llm answers", () => {
  it("reads strict JSON patches, raw or alone in a fence, and refuses everything else", () => {
    expect(parseStrictPatch('{"name":"X"}')).toEqual({ name: "X" });
    expect(parseStrictPatch('```json\n{"patch":{"stages":[]}}\n```')).toEqual({ stages: [] });
    for (const bad of ["Sure! Here is the patch: {\"name\":\"X\"}", "[1,2]", '{"unrelated":true}', "", "{not json}"]) {
      expect(() => parseStrictPatch(bad), bad).toThrow(expect.objectContaining({ code: "ARK_PLAN_LLM_OUTPUT_INVALID" }));
    }
  });

  it("reads transform answers leniently", () => {
    expect(parseTransform('{"patch":{"name":"N"},"summary":"Renamed."}')).toEqual({ patch: { name: "N" }, summary: "Renamed." });
    expect(parseTransform("Nothing to change.")).toEqual({ patch: null, summary: "Nothing to change." });
    expect(parseTransform('Result: {"human_summary":"ok","tasks":[]} done')).toEqual({ patch: { human_summary: "ok", tasks: [] }, summary: "ok" });
  });

  it("normalises keys the reference's way", () => {
    expect(["Design & Build!", "  __QA__ ", "Step 2: test"].map(normaliseKey)).toEqual(["design_build", "qa", "step_2_test"]);
  });
});

describe("plan node config", () => {
  const request = (node_config: Record<string, unknown>, node_ref_id: unknown = 7) => ({
    contract_version: "v1" as const, node_id: "p", node_type: "plan", node_ref_id, node_config, input_context: { latest_upstream: {} }, execution_id: "1", execution_index: 1,
  });

  it("maps store_mode aliases, clamps retry_count and passes the context only when it is needed", () => {
    expect(planCallInput(request({ mode: "deterministic", store_mode: "Overwrite", retry_count: 9 }))).toEqual({
      storeMode: "replace", input: { plan_id: 7, mode: "deterministic", retry_count: 5, fallback_enabled: true },
    });
    expect(planCallInput(request({ mode: "llm-guided", store_mode: "patch", fallback_enabled: false })).input).toMatchObject({ mode: "llm_guided", fallback_enabled: false, context: { latest_upstream: {} } });
  });

  it("leaves plan_id null without ref_id / plan_id, and names the plan to create from config.name or the node id", () => {
    expect(planCallInput(request({ mode: "deterministic", store_mode: "append" }, null)).input.plan_id).toBeNull();
    expect(planCallInput(request({ mode: "deterministic", store_mode: "append", plan_id: 3 }, null)).input.plan_id).toBe(3);
    expect(planToCreate(request({ mode: "deterministic", store_mode: "append" }, null))).toEqual({ name: "p" });
    expect(planToCreate(request({ mode: "deterministic", store_mode: "append", name: " Roadmap ", description: "Q3" }, null))).toEqual({ name: "Roadmap", description: "Q3" });
  });

  it("refuses unknown store modes and modes and a non-object patch (ARK_PLAN_CONFIG_INVALID)", () => {
    const bad = [
      request({ mode: "deterministic", store_mode: "merge" }), request({ mode: "deterministic" }), request({ mode: "creative", store_mode: "append" }),
      request({ mode: "deterministic", store_mode: "append", patch: [1] }),
    ];
    for (const r of bad) expect(() => planCallInput(r), JSON.stringify(r.node_config)).toThrow(expect.objectContaining({ code: "ARK_PLAN_CONFIG_INVALID" }));
  });
});

describeStore("tools-plan llm_guided mode", (getStore) => {
  it("applies the model's strict JSON patch and records which model answered", async () => {
    const { call } = boundPlanDomain(getStore());
    const { plan } = await call("create", { name: "P", stages: [{ name: "Design" }] });
    const model = fakeLlm('```json\n{"stages":[{"stage_key":"design","tasks":[{"name":"Wireframes"}]}]}\n```');
    const out = await call("append", { plan_id: plan.id, mode: "llm_guided", additive_prompt: "Add the design tasks.", model: "m1" }, model);
    expect(out.plan.stages[0].tasks.map((t: any) => t.name)).toEqual(["Wireframes"]);
    expect(out).toMatchObject({ mode: "llm_guided", mode_fallback_used: false, llm_guided: { provider: "fake", model: "fake-1" } });
    expect(out.action_results).toContain("Captured additive prompt instructions.");
    expect(model.requests).toHaveLength(1);
    expect(model.requests[0]).toMatchObject({ json: true, model: "m1" });
    expect(model.requests[0]!.messages.at(-1)!.content).toContain('"name":"Design"');
  });

  it("retries a bad answer, then fails with a typed error and no rows when fallback is off", async () => {
    const { call } = boundPlanDomain(getStore());
    const { plan } = await call("create", { name: "P" });
    const before = await planRowCounts(getStore());
    const model = fakeLlm("I would add a QA stage.");
    await expect(call("replace", { plan_id: plan.id, mode: "llm_guided", retry_count: 2, fallback_enabled: false }, model)).rejects.toMatchObject({ code: "ARK_PLAN_LLM_OUTPUT_INVALID" });
    expect(model.requests).toHaveLength(3);
    expect(await planRowCounts(getStore())).toEqual(before);
  });

  it("a retry succeeds after the model's first patch named an ambiguous key (that attempt rolled back)", async () => {
    const { call } = boundPlanDomain(getStore());
    const { plan } = await call("create", { name: "P", stages: [{ name: "A" }, { name: "a!" }] });
    const model = fakeLlm('{"name":"Half","stages":[{"stage_key":"a","name":"X"}]}', `{"stages":[{"stage_id":${plan.stages[0].id},"name":"X"}]}`);
    const out = await call("update", { plan_id: plan.id, mode: "llm_guided" }, model);
    expect(out.plan.name).toBe("P");
    expect(out.plan.stages.map((s: any) => s.name)).toEqual(["X", "a!"]);
    expect(out.mode_fallback_used).toBe(false);
  });

  it("falls back once to the deterministic mode with the reference's markers", async () => {
    const { call } = boundPlanDomain(getStore());
    const { plan } = await call("create", { name: "P" });
    const model = fakeLlm("not json");
    const out = await call("append", { plan_id: plan.id, mode: "llm_guided", retry_count: 1, patch: { stages: [{ name: "Fallback stage" }] } }, model);
    expect(model.requests).toHaveLength(2);
    expect(out).toMatchObject({
      mode: "deterministic", execution_status: "success_with_warning", fallback_used: true, mode_fallback_used: true,
      failed_mode: "llm_guided", fallback_mode: "deterministic", fallback_reason: "llm_validation_error",
    });
    expect(out.warnings.map((w: any) => w.code)).toEqual(["mode_fallback"]);
    expect(out.action_results).toContain("Primary plan mode failed; succeeded via single-attempt fallback mode.");
    expect(out.plan.stages.map((s: any) => s.name)).toEqual(["Fallback stage"]);
  });

  it("without a model, llm_guided falls back at once (llm_inference_error); a failing fallback is ARK_PLAN_FALLBACK_FAILED", async () => {
    const { call } = boundPlanDomain(getStore());
    const { plan } = await call("create", { name: "P", stages: [{ name: "S" }, { name: "s" }] });
    const out = await call("update", { plan_id: plan.id, mode: "llm_guided", patch: { name: "Q" } });
    expect(out).toMatchObject({ fallback_reason: "llm_inference_error", plan: { name: "Q" } });
    const failing = call("update", { plan_id: plan.id, mode: "llm_guided", patch: { name: "R", stages: [{ stage_key: "s", name: "T" }] } });
    await expect(failing).rejects.toMatchObject({
      code: "ARK_PLAN_FALLBACK_FAILED",
      details: { failed_mode: "llm_guided", fallback_mode: "deterministic", primary_error: { code: "ARK_TOOL_LLM_UNAVAILABLE" }, fallback_error: { code: "ARK_PLAN_TARGET_AMBIGUOUS" } },
    });
    expect((await call("read", { plan_id: plan.id })).plan.name).toBe("Q");
  });

  it("deterministic mode: the transform rewrites the patches and reports its summary", async () => {
    const { call } = boundPlanDomain(getStore());
    const { plan } = await call("create", { name: "P" });
    const model = fakeLlm('{"patch":{"stages":[{"name":"QA"}]},"summary":"Added a QA stage."}');
    const out = await call("append", { plan_id: plan.id, patch: { stages: [{ name: "ignored" }] }, transform_with_llm: true, transform_prompt: "Only QA." }, model);
    expect(out.llm_transform_summary).toBe("Added a QA stage.");
    expect(out.plan.stages.map((s: any) => s.name)).toEqual(["QA"]);
  });
}, { migrate: planMigrations });
