/** Control and cancel routes over real HTTP with a bearer token: pause/resume, graceful stop, force cancel, replays. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, holdFlowYaml, startFlowApiKernel, type FlowApiKernel } from "./flow-api-test-support.js";

let t: FlowApiKernel;
let boomId: string;

const boomFlow = `schema_version: 1
name: boom flow
nodes:
  - { id: start, type: start }
  - { id: explode, type: boom }
  - { id: end, type: end }
connectors:
  - { source: start, target: explode }
  - { source: explode, target: end }
`;

beforeAll(async () => {
  t = await startFlowApiKernel({ withToken: true });
  boomId = (await t.call("POST", "/api/flowcharts/import", { content: boomFlow })).json.flowchart.id;
}, 90_000);
afterAll(async () => {
  await t?.stop();
});

/** Starts a run of a fresh `hold` flow and waits until its hold node is running. */
async function heldRun(latch: string): Promise<string> {
  const imported = await t.call("POST", "/api/flowcharts/import", { content: holdFlowYaml(`held ${latch}`, latch) });
  const started = await t.call("POST", `/api/flowcharts/${imported.json.flowchart.id}/runs`, {});
  const runId = started.json.flowchart_run.id as string;
  await eventually(async () => (await nodeStates(runId)).includes("wait:running"), `run ${runId} holding`);
  return runId;
}

async function nodeStates(runId: string): Promise<string[]> {
  const page = await t.call("GET", `/api/runs/${runId}/node-runs`);
  return page.json.items.map((n: { node_id: string; status: string }) => `${n.node_id}:${n.status}`);
}

async function runStatus(runId: string): Promise<string> {
  return (await t.call("GET", `/api/runs/${runId}`)).json.flowchart_run.status;
}

async function failedBoomRun(): Promise<string> {
  const started = await t.call("POST", `/api/flowcharts/${boomId}/runs`, {});
  const run = await t.engine.waitForRun(started.json.flowchart_run.id, { timeoutMs: 20_000 });
  expect(run.status).toBe("failed");
  return run.id;
}

describe("auth", () => {
  it("needs the bearer token on flow routes; unknown routes answer 404 without one", async () => {
    const none = await t.call("GET", "/api/runs", undefined, { token: null });
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe("unauthorized");
    expect((await t.call("POST", "/api/runs/1/cancel", {}, { token: "wrong-token-wrong-token" })).status).toBe(401);
    expect((await t.call("GET", "/api/nothing-here", undefined, { token: null })).status).toBe(404);
  });
});

describe("pause, resume and cancel", () => {
  it("pauses a running run (pausing → paused once its node finished) and resumes it to completion", async () => {
    const runId = await heldRun("pause-latch");
    const paused = await t.call("POST", `/api/runs/${runId}/control`, { action: "pause" });
    expect(paused.status).toBe(200);
    expect(paused.json).toMatchObject({ ok: true, requested_action: "pause", applied_action: "pausing", status_before: "running", status_after: "pausing", updated: true, idempotent: false });
    t.latches.open("pause-latch");
    await eventually(async () => (await runStatus(runId)) === "paused", "paused");
    expect(await nodeStates(runId)).toEqual(["start:succeeded", "wait:succeeded"]);
    const again = await t.call("POST", `/api/runs/${runId}/control`, { action: "pause" });
    expect(again.json).toMatchObject({ updated: false, idempotent: true, status_after: "paused" });

    const resumed = await t.call("POST", `/api/runs/${runId}/control`, { action: "RESUME" });
    expect(resumed.json).toMatchObject({ applied_action: "running", status_before: "paused" });
    const done = await t.engine.waitForRun(runId, { timeoutMs: 20_000 });
    expect(done.status).toBe("completed");
    expect(await nodeStates(runId)).toEqual(["start:succeeded", "wait:succeeded", "end:succeeded"]);
    const transitions = (await t.call("GET", `/api/runs/${runId}/events?limit=1000`)).json.events
      .filter((e: { event_type: string; payload: { transition?: string } }) => e.event_type === "flowchart:run:updated")
      .map((e: { payload: { transition: string } }) => e.payload.transition);
    // pause (pausing + control), node done (paused), the repeated pause (control), resume (resumed + control), end.
    expect(transitions).toEqual(["started", "pausing", "control", "paused", "control", "resumed", "control", "completed"]);
  });

  it("stops gracefully: the running node finishes, nothing new starts, the run ends stopped", async () => {
    const runId = await heldRun("stop-latch");
    const stop = await t.call("POST", `/api/runs/${runId}/cancel`, {});
    expect(stop.json).toMatchObject({ ok: true, force: false, updated: true, action: "stopping", canceled: false, stop_requested: true, flowchart_run: { status: "stopping" } });
    const repeat = await t.call("POST", `/api/runs/${runId}/cancel`);
    expect(repeat.json).toMatchObject({ updated: false, action: "stopping" });
    t.latches.open("stop-latch");
    expect((await t.engine.waitForRun(runId, { timeoutMs: 20_000 })).status).toBe("stopped");
    expect(await nodeStates(runId)).toEqual(["start:succeeded", "wait:succeeded"]);
    const finished = await t.call("POST", `/api/runs/${runId}/cancel?force=true`);
    expect(finished.json).toMatchObject({ updated: false, action: "none", force: true });
  });

  it("force-cancels through the query or the control route: run and running node runs canceled at once", async () => {
    const viaQuery = await heldRun("never-1");
    const canceled = await t.call("POST", `/api/runs/${viaQuery}/cancel?force=yes`);
    expect(canceled.json).toMatchObject({ force: true, updated: true, action: "canceled", canceled: true, flowchart_run: { status: "canceled" } });
    await eventually(async () => (await nodeStates(viaQuery)).includes("wait:canceled"), "node run canceled");
    expect(await runStatus(viaQuery)).toBe("canceled");

    const viaControl = await heldRun("never-2");
    const controlled = await t.call("POST", `/api/runs/${viaControl}/control`, { action: "cancel", force: "1" });
    expect(controlled.json).toMatchObject({ applied_action: "canceled", status_after: "canceled" });
    const viaBody = await heldRun("never-3");
    expect((await t.call("POST", `/api/runs/${viaBody}/cancel`, { force: true })).json.action).toBe("canceled");
  });

  it("refuses bad control input with stable codes and changes nothing", async () => {
    const runId = await failedBoomRun();
    const unknown = await t.call("POST", `/api/runs/${runId}/control`, { action: "explode" });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({ code: "ARK_FLOW_CONTROL_INVALID", details: { allowed: ["pause", "resume", "cancel", "retry", "skip", "rewind"] } });
    const missing = await t.call("POST", `/api/runs/${runId}/control`, { force: true });
    expect(missing.status).toBe(400);
    expect(missing.json.error.code).toBe("invalid_request");
    const extra = await t.call("POST", `/api/runs/${runId}/control`, { action: "retry", when: "now" });
    expect(extra.json.error.details.issues[0].path).toBe("body.when");
    const badRef = await t.call("POST", `/api/runs/${runId}/control`, { action: "rewind", rewind_to_node_run_id: 999999 });
    expect(badRef.status).toBe(400);
    expect(badRef.json.error.code).toBe("ARK_FLOW_CONTROL_INVALID");
    const badId = await t.call("POST", `/api/runs/${runId}/control`, { action: "retry", node_run_id: "abc" });
    expect(badId.status).toBe(400);
    expect((await t.call("POST", "/api/runs/999999/control", { action: "pause" })).json.error.code).toBe("not_found");
    expect((await t.call("POST", "/api/runs/nope/cancel", {})).status).toBe(404);
    const stringBody = await t.call("POST", `/api/runs/${runId}/cancel`, '"force"', { headers: { "content-type": "application/json" } });
    expect(stringBody.status).toBe(400);
    expect(stringBody.json.error.code).toBe("invalid_request");
    const runs = await t.call("GET", `/api/runs?flowchart_id=${boomId}&limit=500`);
    expect(runs.json.items.filter((r: { source_run_id: string | null }) => r.source_run_id === runId)).toEqual([]);
    expect(await runStatus(runId)).toBe("failed");
  });
});

describe("replays", () => {
  it("retries a failed run once per idempotency key (body or header); force_new makes another", async () => {
    const runId = await failedBoomRun();
    const first = await t.call("POST", `/api/runs/${runId}/control`, { action: "retry", idempotency_key: "retry-1" }, { headers: { "x-correlation-id": "c-retry" } });
    expect(first.json).toMatchObject({ updated: true, applied_action: "retry", idempotent: false, correlation_id: "c-retry" });
    const replayId = first.json.replay_run.id as string;
    expect(first.json.replay_run).toMatchObject({ source_run_id: runId, origin: "replay", replay_action: "retry" });

    const repeat = await t.call("POST", `/api/runs/${runId}/control`, { action: "retry", idempotency_key: "retry-1" });
    expect(repeat.json).toMatchObject({ applied_action: "replay_existing", idempotent: true, replay_run: { id: replayId } });
    const viaHeader = await t.call("POST", `/api/runs/${runId}/control`, { action: "retry" }, { headers: { "x-idempotency-key": "retry-1" } });
    expect(viaHeader.json.replay_run.id).toBe(replayId);

    const fresh = await t.call("POST", `/api/runs/${runId}/control`, { action: "retry", idempotency_key: "retry-1", force_new: true });
    expect(fresh.json.applied_action).toBe("retry");
    expect(fresh.json.replay_run.id).not.toBe(replayId);
    for (const id of [replayId, fresh.json.replay_run.id]) expect((await t.engine.waitForRun(id, { timeoutMs: 20_000 })).status).toBe("failed");
  });

  it("skips the failed node (the run goes on past it) and answers noop_active for an active source", async () => {
    const runId = await failedBoomRun();
    const skipped = await t.call("POST", `/api/runs/${runId}/control`, { action: "skip" });
    expect(skipped.json.applied_action).toBe("skip");
    const replay = await t.engine.waitForRun(skipped.json.replay_run.id, { timeoutMs: 20_000 });
    expect(replay.status).toBe("completed");
    expect(await nodeStates(replay.id)).toEqual(expect.arrayContaining(["explode:skipped", "end:succeeded"]));

    const active = await heldRun("active-source");
    const noop = await t.call("POST", `/api/runs/${active}/control`, { action: "rewind" });
    expect(noop.json).toMatchObject({ applied_action: "noop_active", updated: false, replay_run: null });
    const skipCompleted = await t.call("POST", `/api/runs/${replay.id}/control`, { action: "skip" });
    expect(skipCompleted.status).toBe(400);
    expect(skipCompleted.json.error.code).toBe("ARK_FLOW_CONTROL_INVALID");
    t.latches.open("active-source");
    await t.engine.waitForRun(active, { timeoutMs: 20_000 });
  });
});
