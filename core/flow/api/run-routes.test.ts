/** Run, node-run, trace, events and artifact routes over real HTTP, with good and bad input. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleText, startFlowApiKernel, type FlowApiKernel } from "./flow-api-test-support.js";

let t: FlowApiKernel;
let decisionId: string;
let runId: string;

beforeAll(async () => {
  t = await startFlowApiKernel();
  const imported = await t.call("POST", "/api/flowcharts/import", { content: exampleText("decision-branch.yaml") });
  decisionId = imported.json.flowchart.id;
  const started = await t.call("POST", `/api/flowcharts/${decisionId}/runs`, {}, { headers: { "x-correlation-id": "corr-run-routes" } });
  runId = started.json.flowchart_run.id;
  await t.engine.waitForRun(runId, { timeoutMs: 20_000 });
}, 90_000);
afterAll(async () => {
  await t?.stop();
});

describe("starting runs", () => {
  it("answers 202 with the queued run and a valid verdict", async () => {
    const started = await t.call("POST", `/api/flowcharts/${decisionId}/runs`, {});
    expect(started.status).toBe(202);
    expect(started.json).toMatchObject({ ok: true, flowchart_run: { flowchart_id: decisionId, status: "queued", origin: "api" }, validation: { valid: true, errors: [] } });
    const noBody = await t.call("POST", `/api/flowcharts/${decisionId}/runs`);
    expect(noBody.status).toBe(202);
    await t.engine.waitForRun(started.json.flowchart_run.id, { timeoutMs: 20_000 });
    await t.engine.waitForRun(noBody.json.flowchart_run.id, { timeoutMs: 20_000 });
  });

  it("refuses unknown flowcharts, unknown start nodes and unknown body keys, creating no run", async () => {
    const before = (await t.call("GET", "/api/runs?limit=1")).json.total_count;
    const unknown = await t.call("POST", "/api/flowcharts/999999/runs", {});
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe("not_found");
    const badStart = await t.call("POST", `/api/flowcharts/${decisionId}/runs`, { start_node_id: "ghost" });
    expect(badStart.status).toBe(400);
    expect(badStart.json.error).toMatchObject({ code: "invalid_request", message: "start_node_id must reference a node in this flowchart." });
    const extra = await t.call("POST", `/api/flowcharts/${decisionId}/runs`, { start: "now" });
    expect(extra.status).toBe(400);
    expect(extra.json.error.details.issues[0].path).toBe("body.start");
    const notObject = await t.call("POST", `/api/flowcharts/${decisionId}/runs`, [1, 2]);
    expect(notObject.status).toBe(400);
    expect((await t.call("GET", "/api/runs?limit=1")).json.total_count).toBe(before);
  });
});

describe("reading runs", () => {
  it("shows a finished run with counts and warnings", async () => {
    const answer = await t.call("GET", `/api/runs/${runId}`);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      ok: true,
      flowchart_run: { id: runId, flowchart_id: decisionId, status: "completed", correlation_id: "corr-run-routes", finished_at: expect.any(String) },
      counts: { succeeded: 3 }, warning_count: 0, warnings: [],
    });
  });

  it("lists runs with flowchart and status filters and paging; refuses unknown statuses", async () => {
    const all = await t.call("GET", `/api/runs?flowchart_id=${decisionId}`);
    expect(all.json.items.length).toBeGreaterThanOrEqual(1);
    expect(all.json.items.every((r: { flowchart_id: string }) => r.flowchart_id === decisionId)).toBe(true);
    const completed = await t.call("GET", `/api/runs?flowchart_id=${decisionId}&status=completed,failed`);
    expect(completed.json.items.map((r: { id: string }) => r.id)).toContain(runId);
    const paged = await t.call("GET", `/api/runs?flowchart_id=${decisionId}&limit=1&offset=0`);
    expect(paged.json).toMatchObject({ count: 1, limit: 1, offset: 0 });
    const none = await t.call("GET", `/api/runs?flowchart_id=${decisionId}&status=paused`);
    expect(none.json).toMatchObject({ items: [], total_count: 0 });
    const bad = await t.call("GET", "/api/runs?status=completed,sleeping");
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: "invalid_request", details: { unsupported: ["sleeping"] } });
    expect((await t.call("GET", "/api/runs?limit=0")).status).toBe(400);
    expect((await t.call("GET", "/api/runs?flowchart_id=x")).json.error.code).toBe("invalid_request");
  });

  it("lists node runs in order and reads one", async () => {
    const page = await t.call("GET", `/api/runs/${runId}/node-runs`);
    expect(page.json.items.map((n: { node_id: string; execution_index: number; status: string }) => `${n.node_id}#${n.execution_index}:${n.status}`)).toEqual([
      "start#1:succeeded", "triage#1:succeeded", "accepted#1:succeeded",
    ]);
    const triage = page.json.items[1];
    expect(triage.idempotency_key).toBe(`run:${runId}:node:triage:execution:1`);
    const one = await t.call("GET", `/api/node-runs/${triage.id}`);
    expect(one.json.node_run).toMatchObject({ id: triage.id, node_type: "decision", output_state: { matched_connector_ids: ["accepted"] } });
    const filtered = await t.call("GET", `/api/runs/${runId}/node-runs?node_id=accepted`);
    expect(filtered.json.items).toHaveLength(1);
    expect((await t.call("GET", "/api/node-runs/999999")).json.error.code).toBe("not_found");
    expect((await t.call("GET", "/api/runs/999999/node-runs")).status).toBe(404);
  });

  it("serves the trace with surface, status and paging filters; refuses unknown surfaces", async () => {
    const full = await t.call("GET", `/api/runs/${runId}/trace`);
    expect(full.json.run.id).toBe(runId);
    expect(full.json.node.total_count).toBe(3);
    expect(full.json.node.items[0]).toHaveProperty("node_id");
    expect(full.json.artifact.total_count).toBe(3);
    expect(full.json.failure.total_count).toBe(0);
    expect(full.json.timeline.items.length).toBeGreaterThan(3);
    const some = await t.call("GET", `/api/runs/${runId}/trace?include=node&status=succeeded&limit=2`);
    expect(Object.keys(some.json).sort()).toEqual(["node", "ok", "run"]);
    expect(some.json.node).toMatchObject({ total_count: 3, limit: 2, offset: 0 });
    expect(some.json.node.items).toHaveLength(2);
    const bad = await t.call("GET", `/api/runs/${runId}/trace?include=node,gossip`);
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.unsupported).toEqual(["gossip"]);
    expect((await t.call("GET", `/api/runs/${runId}/trace?degraded_only=maybe`)).status).toBe(400);
    expect((await t.call("GET", `/api/runs/${runId}/trace?limit=201`)).status).toBe(400);
    expect((await t.call("GET", "/api/runs/999999/trace")).status).toBe(404);
  });
});

describe("events backfill", () => {
  it("returns the run's events in sequence order, paged with after", async () => {
    const all = await t.call("GET", `/api/runs/${runId}/events`);
    expect(all.json.stream).toBe(`flowchart_run:${runId}`);
    const sequences = all.json.events.map((e: { sequence: number }) => e.sequence);
    expect(sequences).toEqual(sequences.map((_: number, i: number) => i + 1));
    expect(all.json.events[0]).toMatchObject({ event_type: "flowchart:run:updated", payload: { transition: "started" } });
    expect(all.json.events.at(-1)).toMatchObject({ event_type: "flowchart:run:updated", payload: { transition: "completed" } });
    expect(all.json.has_more).toBe(false);

    const first = await t.call("GET", `/api/runs/${runId}/events?after=0&limit=4`);
    expect(first.json).toMatchObject({ count: 4, has_more: true, next_after: 4 });
    const rest = await t.call("GET", `/api/runs/${runId}/events?after=${first.json.next_after}&limit=1000`);
    expect([...first.json.events, ...rest.json.events].map((e: { event_id: string }) => e.event_id)).toEqual(all.json.events.map((e: { event_id: string }) => e.event_id));
    const past = await t.call("GET", `/api/runs/${runId}/events?after=10000`);
    expect(past.json).toMatchObject({ events: [], count: 0, has_more: false, next_after: 10000 });

    expect((await t.call("GET", `/api/runs/${runId}/events?after=-1`)).status).toBe(400);
    expect((await t.call("GET", `/api/runs/${runId}/events?limit=1001`)).status).toBe(400);
    expect((await t.call("GET", "/api/runs/999999/events")).json.error.code).toBe("not_found");
  });
});

describe("artifacts", () => {
  it("lists artifacts with filters, reads one, and lists a run's", async () => {
    const ofRun = await t.call("GET", `/api/runs/${runId}/artifacts`);
    expect(ofRun.json).toMatchObject({ ok: true, count: 3, total_count: 3, filters: { flowchart_run_id: runId } });
    expect(ofRun.json.items.map((a: { artifact_type: string }) => a.artifact_type).sort()).toEqual(["decision", "end", "start"]);
    const decisions = await t.call("GET", `/api/artifacts?flowchart_run_id=${runId}&artifact_type=decision`, undefined, { headers: { "x-correlation-id": "c-1" } });
    expect(decisions.json).toMatchObject({ count: 1, correlation_id: "c-1", request_id: decisions.headers["x-request-id"] });
    const artifact = decisions.json.items[0];
    expect(artifact.payload.matched_connector_ids).toEqual(["accepted"]);
    const one = await t.call("GET", `/api/artifacts/${artifact.id}`);
    expect(one.json.item).toEqual(artifact);
    const byFlowchart = await t.call("GET", `/api/artifacts?flowchart_id=${decisionId}&flowchart_node_id=triage`);
    expect(byFlowchart.json.items.every((a: { flowchart_node_id: string }) => a.flowchart_node_id === "triage")).toBe(true);
    const ofRunFiltered = await t.call("GET", `/api/runs/${runId}/artifacts?artifact_type=end`);
    expect(ofRunFiltered.json.count).toBe(1);
  });

  it("refuses unknown types, bad limits and unknown ids", async () => {
    const badType = await t.call("GET", "/api/artifacts?artifact_type=poem");
    expect(badType.status).toBe(400);
    expect(badType.json.error.code).toBe("invalid_request");
    expect(badType.json.error.details.supported).toEqual(expect.arrayContaining(["decision", "memory", "plan", "hold", "boom"]));
    expect((await t.call("GET", "/api/artifacts?limit=0")).json.error.code).toBe("invalid_request");
    expect((await t.call("GET", "/api/artifacts?colour=red")).status).toBe(400);
    expect((await t.call("GET", "/api/artifacts/999999")).json.error.code).toBe("not_found");
    expect((await t.call("GET", "/api/artifacts/x1")).status).toBe(404);
    expect((await t.call("GET", "/api/runs/999999/artifacts")).status).toBe(404);
  });

  it("documents every flow route in /api/docs", async () => {
    const docs = await t.call("GET", "/api/docs");
    const paths = Object.keys(docs.json.paths);
    for (const path of ["/api/flowcharts", "/api/flowcharts/{id}", "/api/flowcharts/{id}/graph", "/api/flowcharts/{id}/validate", "/api/flowcharts/import",
      "/api/flowcharts/{id}/runs", "/api/runs", "/api/runs/{id}", "/api/runs/{id}/trace", "/api/runs/{id}/node-runs", "/api/node-runs/{id}",
      "/api/runs/{id}/control", "/api/runs/{id}/cancel", "/api/runs/{id}/events", "/api/artifacts", "/api/artifacts/{id}", "/api/runs/{id}/artifacts"]) {
      expect(paths, path).toContain(path);
    }
  });
});
