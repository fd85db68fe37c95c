/**
 * Plan and milestone nodes in a real kernel (flow engine, inline dispatcher, HTTP API): a looping flow runs to
 * `completed` (the milestone ends it after its third pass, with a checkpoint on the second), each node run leaves
 * its artifact with the reference payload keys, `flowchart:node_artifact:persisted` is emitted for each, and the
 * plan/milestone routes page through the artifact history. On PGlite, and on PostgreSQL in a fresh schema.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiServerRef, coreServices, definePlugin, toolHostRef, type ExecutionRequest } from "../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../core/testing/index.js";
import { TEST_DATABASE_URL, urlWithSearchPath } from "../../test/support/store-harness.js";
import milestonePlugin from "../tools-milestone/index.js";
import planPlugin from "./index.js";

const flowUser = definePlugin({ id: "special-nodes-flow-user", version: "1.0.0", kernel: "^1.0.0", requires: ["flow", "flow-api", "tooling", "tooling-api"] });

function flowYaml(planId: number, milestoneId: number): string {
  return `schema_version: 1
name: Plan and milestone loop
settings: { max_node_executions: 20, max_runtime_minutes: 5, max_parallel_nodes: 1 }
nodes:
  - id: start
    type: start
  - id: plan
    type: plan
    ref_id: ${planId}
    config:
      fan_in_mode: any
      mode: deterministic
      store_mode: append
      additive_prompt: Keep it small
      retention_mode: forever
      patch: { stages: [ { name: Build, tasks: [ { name: Write code } ] } ] }
  - id: milestone
    type: milestone
    ref_id: ${milestoneId}
    config:
      action: update
      additive_prompt: Another pass done
      loop_checkpoint_every: 2
      loop_exit_after_runs: 3
      retention_mode: forever
connectors:
  - { source: start, target: plan }
  - { source: plan, target: milestone }
  - { source: milestone, target: plan }
`;
}

async function api(kernel: TestKernel, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const base = kernel.get(apiServerRef).address()!.url;
  const response = await fetch(`${base}${path}`, {
    method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

function suite(name: string, storeConfig: () => Promise<{ store: Record<string, unknown>; dispose: () => Promise<void> }>): void {
  describe(name, () => {
    let kernel: TestKernel;
    let dispose: () => Promise<void> = async () => undefined;
    let planId: number;
    let milestoneId: number;
    let runId: string;

    beforeAll(async () => {
      const store = await storeConfig();
      dispose = store.dispose;
      kernel = await startTestKernel({
        plugins: [planPlugin, milestonePlugin, flowUser],
        config: { store: store.store, api: { port: 0 }, flow: { pollIntervalMs: 50, heartbeatMs: 500, leaseSeconds: 5 }, kernel: { pluginTimeoutMs: 60_000 } },
      });
      planId = (await api(kernel, "POST", "/api/plans", { name: "Launch" })).json.plan_id;
      milestoneId = (await api(kernel, "POST", "/api/milestones", { name: "Beta" })).json.milestone_id;
      const imported = await api(kernel, "POST", "/api/flowcharts/import", { content: flowYaml(planId, milestoneId) });
      expect(imported.status, JSON.stringify(imported.json)).toBe(201);
      const engine = kernel.get(coreServices.flow);
      const run = await engine.startRun({ flowchartId: imported.json.flowchart.id });
      runId = run.id;
      const finished = await engine.waitForRun(run.id, { timeoutMs: 30_000 });
      expect(finished.status).toBe("completed");
    }, 180_000); // a kernel boot plus a seven-node-run flow: slow only on a loaded machine, never a timing assertion

    afterAll(async () => {
      await kernel?.stop();
      await dispose();
    }, 60_000);

    it("runs plan and milestone three times each; the milestone ends the run after its checkpointed loop", async () => {
      const nodeRuns = (await kernel.get(coreServices.flow).queries.listNodeRuns(runId)).items;
      expect(nodeRuns.map((nr) => `${nr.nodeId}#${nr.executionIndex}:${nr.status}`)).toEqual([
        "start#1:succeeded", "plan#1:succeeded", "milestone#1:succeeded", "plan#2:succeeded", "milestone#2:succeeded", "plan#3:succeeded", "milestone#3:succeeded",
      ]);
      const plans = nodeRuns.filter((nr) => nr.nodeId === "plan").map((nr) => nr.outputState as any);
      expect(plans[0]).toMatchObject({ node_type: "plan", mode: "deterministic", store_mode: "append", operation_counts: { created: 2 }, deterministic_tooling: { operation: "append" } });
      expect(plans[1].operation_counts.created).toBe(0);
      expect(plans[1].warnings.map((w: any) => w.code)).toEqual(["existing_target", "existing_target"]);
      const milestones = nodeRuns.filter((nr) => nr.nodeId === "milestone");
      expect(milestones.map((nr) => (nr.outputState as any).checkpoint_hit)).toEqual([false, true, false]);
      expect(milestones.map((nr) => nr.routingState)).toEqual([expect.not.objectContaining({ terminate_run: true }), expect.anything(), expect.objectContaining({ terminate_run: true })]);
      expect((milestones[2]!.outputState as any)).toMatchObject({ node_type: "milestone", action: "create_or_update", execution_index: 3, milestone: { status: "in_progress", latest_update: "Another pass done" } });
    });

    it("emits flowchart:node_artifact:persisted for every artifact; the plan and milestone routes serve their payloads", async () => {
      await kernel.get(coreServices.events).flush();
      const events = await kernel.get(coreServices.flow).runEvents(runId);
      const persisted = events.filter((e) => e.event_type === "flowchart:node_artifact:persisted").map((e) => e.payload as any);
      expect(persisted.map((p) => p.artifact_type)).toEqual(["start", "plan", "milestone", "plan", "milestone", "plan", "milestone"]);
      expect(persisted[1]).toMatchObject({ flowchart_run_id: runId, flowchart_node_id: "plan", flowchart_node_type: "plan", artifact: { ref_id: String(planId) } });
      const plan = (await api(kernel, "GET", `/api/plans/${planId}/artifacts/${persisted[1].artifact_id}`)).json.item;
      expect(plan.payload).toMatchObject({ mode: "deterministic", store_mode: "append", plan: { id: planId }, routing_state: {} });
      const planKeys = ["operation_counts", "touched", "warnings", "errors", "mode_fallback_used", "failed_mode", "fallback_mode", "fallback_reason", "llm_transform_summary", "additive_prompt"];
      expect(Object.keys(plan.payload)).toEqual(expect.arrayContaining(planKeys));
      const milestone = (await api(kernel, "GET", `/api/milestones/${milestoneId}/artifacts/${persisted[4].artifact_id}`)).json.item;
      expect(milestone.payload).toMatchObject({ action: "create_or_update", checkpoint_hit: true, before_milestone: { id: milestoneId }, milestone: { id: milestoneId }, routing_state: {} });
    });

    it("pages through a plan's artifact history and reads, filters and deletes single artifacts", async () => {
      const first = await api(kernel, "GET", `/api/plans/${planId}/artifacts?limit=2`);
      expect(first.json).toMatchObject({ ok: true, plan_id: planId, count: 2, total_count: 3, limit: 2, offset: 0 });
      const rest = await api(kernel, "GET", `/api/plans/${planId}/artifacts?limit=2&offset=2`);
      expect(rest.json).toMatchObject({ count: 1, total_count: 3 });
      const ids = [...first.json.items, ...rest.json.items].map((a: any) => Number(a.id));
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect((await api(kernel, "GET", `/api/plans/${planId}/artifacts?flowchart_run_id=${Number(runId) + 1000}`)).json.total_count).toBe(0);
      const one = await api(kernel, "GET", `/api/plans/${planId}/artifacts/${ids[0]}`);
      expect(one.json).toMatchObject({ ok: true, plan_id: planId, item: { id: String(ids[0]), artifact_type: "plan", ref_id: String(planId) } });
      expect((await api(kernel, "DELETE", `/api/plans/${planId}/artifacts/${ids[0]}`)).json).toMatchObject({ ok: true, deleted: true });
      expect((await api(kernel, "GET", `/api/plans/${planId}/artifacts/${ids[0]}`)).json.error.code).toBe("ARK_NOT_FOUND");
      expect((await api(kernel, "GET", `/api/milestones/${milestoneId}/artifacts/${ids[1]}`)).status).toBe(404);
      expect((await api(kernel, "GET", `/api/milestones/${milestoneId}/artifacts?limit=1&offset=1`)).json).toMatchObject({ milestone_id: milestoneId, count: 1, total_count: 3 });
    });

    it("answers bad requests with the error envelope and stable codes", async () => {
      const cases: [string, string, unknown, number, string][] = [
        ["GET", "/api/plans/987654", undefined, 404, "ARK_PLAN_NOT_FOUND"],
        ["GET", "/api/plans/987654/artifacts", undefined, 404, "ARK_PLAN_NOT_FOUND"],
        ["GET", "/api/milestones/987654", undefined, 404, "ARK_MILESTONE_NOT_FOUND"],
        ["POST", "/api/plans", { name: "X", stages: [{ tasks: [] }] }, 400, "ARK_PLAN_PATCH_INVALID"],
        ["POST", "/api/milestones", { name: "X", status: "someday" }, 400, "ARK_MILESTONE_PATCH_INVALID"],
      ];
      for (const [method, path, body, status, code] of cases) {
        const answer = await api(kernel, method, path, body);
        expect([answer.status, answer.json.error?.code], path).toEqual([status, code]);
        expect(answer.json).toMatchObject({ ok: false, error: { contract_version: "v1", request_id: expect.any(String) } });
      }
      for (const path of [`/api/plans/${planId}/artifacts?limit=0`, "/api/plans/abc", `/api/plans/${planId}/artifacts?colour=red`]) {
        expect((await api(kernel, "GET", path)).status, path).toBe(400);
      }
      expect((await api(kernel, "POST", "/api/plans", {})).status).toBe(400);
      const listed = await api(kernel, "GET", "/api/plans?limit=1");
      expect(listed.json).toMatchObject({ ok: true, count: 1, total_count: 1, items: [{ id: planId, stage_count: 1, task_count: 1 }] });
    });

    it("goes through the tool envelope: schema check, idempotent replay, and the nodes with a node-run tool host", async () => {
      const host = kernel.get(toolHostRef);
      const call = { domain: "plan", operation: "append", input: { plan_id: planId, patch: { stages: [{ name: "Envelope" }] } }, idempotencyKey: "env-1" };
      expect(await host.invoke(call)).toMatchObject({ status: "success", replayed: false, trace: { tool_name: "deterministic.plan", operation: "append" } });
      expect((await host.invoke(call)).replayed).toBe(true);
      const read = await host.invoke({ domain: "plan", operation: "read", input: { plan_id: planId } });
      expect((read.output as any).plan.stages.map((s: any) => s.name)).toEqual(["Build", "Envelope"]);
      expect(await host.invoke({ domain: "plan", operation: "append", input: { plan_id: "x" } })).toMatchObject({ status: "failed", error: { code: "ARK_TOOL_INPUT_INVALID" } });
      const refused = await host.invoke({ domain: "plan", operation: "update", input: { plan_id: planId, patch: { stages: [{ name: "no target" }] } } });
      expect(refused).toMatchObject({ status: "failed", error: { code: "ARK_PLAN_PATCH_INVALID" } });
      const overHttp = await api(kernel, "POST", "/api/tools/plan/complete_task", { input: { plan_id: planId, stage_key: "build", task_key: "write_code" } });
      expect(overHttp.json).toMatchObject({ ok: true, status: "success", output: { operation_counts: { updated: 1 }, touched: { tasks: [{ task_key: "write_code" }] } } });
      const nodeTypes = kernel.get(coreServices.registries).nodeTypes;
      const request: ExecutionRequest = {
        contract_version: "v1", node_id: "p", node_type: "plan", node_ref_id: planId, input_context: {}, execution_id: "777", execution_index: 1, flowchart_run_id: runId,
        node_config: { mode: "deterministic", store_mode: "patch", patch: { stages: [{ stage_key: "envelope", description: "via host" }] } },
      };
      const signal = new AbortController().signal;
      const result = await nodeTypes.get("plan")!.execute!(request, signal, { tools: host.forExecution(request) });
      expect(result.status).toBe("success");
      expect(result.output_state).toMatchObject({ node_type: "plan", store_mode: "update", operation_counts: { updated: 1 }, deterministic_tooling: { operation: "update", replayed: false } });
      expect(result.output_state.deterministic_tooling).not.toHaveProperty("via");
      expect(result.routing_state.deterministic_tooling).toMatchObject({ tool_name: "deterministic.plan", operation: "update" });
      const milestone = { ...request, node_type: "milestone", node_ref_id: milestoneId };
      const complete = await nodeTypes.get("milestone")!.execute!({ ...milestone, node_config: { action: "complete", terminate_on_complete: true, route_key_on_terminate: "done" } }, signal, { tools: host.forExecution(milestone) });
      expect(complete).toMatchObject({ status: "success", output_state: { action: "mark_complete", deterministic_tooling: { operation: "mark_complete" } }, routing_state: { terminate_run: true, route_key: "done" } });
      const bad = await nodeTypes.get("milestone")!.execute!({ ...milestone, node_config: { action: "explode" } }, signal, { tools: host.forExecution(milestone) });
      expect(bad).toMatchObject({ status: "failed", error: { details: { code: "ARK_MILESTONE_CONFIG_INVALID" } } });
    });

    it("creates the plan / milestone of a node without ref_id once per run and node (replays and loop passes reuse it)", async () => {
      const host = kernel.get(toolHostRef);
      const nodeTypes = kernel.get(coreServices.registries).nodeTypes;
      const signal = new AbortController().signal;
      const count = async (table: string) => Number((await kernel.get(coreServices.store).query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
      const [plans, milestones] = [await count("ark_plans"), await count("ark_milestones")];
      const planRequest: ExecutionRequest = {
        contract_version: "v1", node_id: "roadmap", node_type: "plan", input_context: {}, execution_id: "778", execution_index: 1, flowchart_run_id: runId,
        node_config: { mode: "deterministic", store_mode: "append", name: "Auto roadmap", patch: { stages: [{ name: "Only" }] } },
      };
      const first = await nodeTypes.get("plan")!.execute!(planRequest, signal, { tools: host.forExecution(planRequest) });
      const replayed = await nodeTypes.get("plan")!.execute!(planRequest, signal, { tools: host.forExecution(planRequest) });
      const secondPass = { ...planRequest, execution_id: "781", execution_index: 2 };
      const looped = await nodeTypes.get("plan")!.execute!(secondPass, signal, { tools: host.forExecution(secondPass) });
      expect(first).toMatchObject({ status: "success", output_state: { plan_created: true, plan: { name: "Auto roadmap", stages: [{ name: "Only" }] } } });
      expect((first.output_state as any).action_results[0]).toMatch(/^Created plan \d+ \(the node has no ref_id\)\.$/);
      expect(replayed.output_state).toMatchObject({ plan: { id: (first.output_state as any).plan.id }, deterministic_tooling: { replayed: true } });
      expect(looped.output_state).toMatchObject({ plan_created: false, plan: { id: (first.output_state as any).plan.id, stages: [{ name: "Only" }] } });
      const msRequest: ExecutionRequest = { ...planRequest, node_id: "ship", node_type: "milestone", execution_id: "779", node_config: { action: "complete" } };
      const done = await nodeTypes.get("milestone")!.execute!(msRequest, signal, { tools: host.forExecution(msRequest) });
      const redo = await nodeTypes.get("milestone")!.execute!(msRequest, signal, { tools: host.forExecution(msRequest) });
      expect(done).toMatchObject({ status: "success", output_state: { milestone_created: true, action: "mark_complete", milestone: { name: "ship", completed: true, status: "done" } } });
      expect((redo.output_state as any).milestone.id).toBe((done.output_state as any).milestone.id);
      const otherRun = { ...msRequest, execution_id: "780", flowchart_run_id: `${runId}0`, node_config: { action: "complete", name: "   ", description: 5 } };
      const another = await nodeTypes.get("milestone")!.execute!(otherRun, signal, { tools: host.forExecution(otherRun) });
      expect(another.output_state).toMatchObject({ milestone_created: true, milestone: { name: "ship", description: null } });
      expect((another.output_state as any).milestone.id).not.toBe((done.output_state as any).milestone.id);
      expect([await count("ark_plans"), await count("ark_milestones")]).toEqual([plans + 1, milestones + 2]);
    });
  });
}

suite("plan and milestone nodes in a kernel [pglite]", async () => ({ store: { driver: "pglite", dataDir: "memory://" }, dispose: async () => undefined }));

const postgresSuite = TEST_DATABASE_URL ? suite : (name: string) => describe.skip(`${name} (set ARK_TEST_DATABASE_URL to run it)`, () => undefined);
postgresSuite("plan and milestone nodes in a kernel [postgres]", async () => {
  const schema = `ark_t_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  return {
    store: { driver: "postgres", url: urlWithSearchPath(TEST_DATABASE_URL!, schema) },
    dispose: async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
});
