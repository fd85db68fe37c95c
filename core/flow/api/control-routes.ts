/**
 * Run control (§9): `/control` (pause, resume, cancel, retry, skip, rewind — replays with idempotency keys),
 * `/cancel` (graceful stop, or force cancel via body or query), and the run's event backfill from its stream
 * `flowchart_run:{id}` (`after=N`: everything after the last sequence a client saw, in order).
 */
import type { ApiRequest, ApiRoute } from "../../api/index.js";
import type { FlowEngine } from "../engine/flow-engine.js";
import { CONTROL_ACTIONS } from "../engine/control-request.js";
import { runStream } from "../engine/run-events.js";
import { runView, schemas } from "./flow-views.js";
import { BOOLEAN_WORDS, guarded, idParamsSchema, optionalObjectBody, pathId, type IdParams } from "./route-support.js";

const TAGS = ["runs"];
/** Largest page of the events backfill. */
export const MAX_EVENTS_PAGE = 1000;

const flag = (description: string) => ({ type: ["boolean", "integer", "string"], description: `${description} (true/1/yes/on).` });
const idValue = (description: string) => ({ type: ["string", "integer"], description });

interface ControlBody {
  action: string;
  force?: unknown;
  idempotency_key?: string;
  force_new?: unknown;
  node_run_id?: string | number;
  rewind_to_node_run_id?: string | number;
}

const controlBodySchema = {
  type: "object",
  required: ["action"],
  additionalProperties: false,
  properties: {
    action: { type: "string", maxLength: 32, description: `One of ${CONTROL_ACTIONS.join(", ")}; anything else answers 400 ARK_FLOW_CONTROL_INVALID with details.allowed.` },
    force: flag("cancel: force cancel instead of a graceful stop"),
    idempotency_key: { type: "string", minLength: 1, maxLength: 256, description: "Replays: a repeat with the same key answers replay_existing (default key: default:{action}:{run}; also the X-Idempotency-Key / Idempotency-Key headers)." },
    force_new: flag("Replays: create a new replay even if this key was used"),
    node_run_id: idValue("retry / skip: the node run to run again or skip (default: the failed ones / the latest failed)."),
    rewind_to_node_run_id: idValue("rewind: the node run to restart at (default: the first)."),
  },
};

const controlAnswer = {
  type: "object",
  properties: {
    ok: { type: "boolean" }, flowchart_run: schemas.run, updated: { type: "boolean" }, action: { type: "string" }, requested_action: { type: "string" },
    applied_action: { type: "string", description: "pausing, paused, running, stopping, stopped, canceled, retry, skip, rewind, noop, none, noop_active, replay_existing, idempotent_noop." },
    status_before: { type: "string" }, status_after: { type: "string" }, idempotent: { type: "boolean" }, replay_run: { anyOf: [schemas.run, { type: "null" }] },
    request_id: { type: "string" }, correlation_id: { type: ["string", "null"] }, warnings: { type: "array", items: { type: "object" } },
  },
};

function headerText(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text && text.trim() !== "" ? text.trim() : undefined;
}

function controlRoute(engine: FlowEngine): ApiRoute {
  return {
    method: "POST", url: "/api/runs/:id/control", summary: "Control a run: pause, resume, cancel, retry, skip, rewind", tags: TAGS, auth: "bearer",
    description: "pause/resume/cancel change the run's status (§9.1–9.4). retry/skip/rewind create a replay run that resumes from the chosen node run; the source must not be active (applied_action noop_active).",
    schema: { params: idParamsSchema, body: controlBodySchema, response: { "200": controlAnswer } },
    handler: guarded(async (request: ApiRequest<IdParams, unknown, ControlBody>) => {
      const body = request.body;
      const idempotencyKey = body.idempotency_key ?? headerText(request.headers["x-idempotency-key"]) ?? headerText(request.headers["idempotency-key"]) ?? null;
      const result = await engine.control(pathId(request.params.id, "Flowchart run"), {
        action: body.action, force: body.force, forceNew: body.force_new, idempotencyKey, nodeRunId: body.node_run_id,
        rewindToNodeRunId: body.rewind_to_node_run_id, requestId: request.requestId, correlationId: request.correlationId,
      });
      return {
        ok: true, flowchart_run: runView(result.run), updated: result.updated, action: result.appliedAction, requested_action: result.requestedAction,
        applied_action: result.appliedAction, status_before: result.statusBefore, status_after: result.run.status, idempotent: result.idempotent,
        replay_run: result.replayRun ? runView(result.replayRun) : null,
        ...(body.rewind_to_node_run_id === undefined ? {} : { rewind_to_node_run_id: String(body.rewind_to_node_run_id) }),
        request_id: request.requestId, correlation_id: request.correlationId, warnings: result.warnings,
      };
    }),
  };
}

function cancelRoute(engine: FlowEngine): ApiRoute {
  return {
    method: "POST", url: "/api/runs/:id/cancel", summary: "Cancel a run: graceful stop, or force cancel (force in the body or the query)", tags: TAGS, auth: "bearer",
    description: "Graceful: running node runs finish, nothing new starts, the run ends stopped (a queued run stops at once). Force: the run and its running node runs become canceled at once and in-flight executions are told to stop.",
    schema: {
      params: idParamsSchema,
      querystring: { type: "object", additionalProperties: false, properties: { force: { type: "string", enum: [...BOOLEAN_WORDS] } } },
      body: optionalObjectBody({ force: flag("Force cancel") }, "Optional; {force: true} (or ?force=true) force-cancels."),
      response: {
        "200": {
          type: "object",
          properties: {
            ok: { type: "boolean" }, flowchart_run: schemas.run, force: { type: "boolean" }, updated: { type: "boolean" },
            action: { type: "string", description: "stopped, stopping, canceled or none (already finished)." }, canceled: { type: "boolean" }, stop_requested: { type: "boolean" },
          },
        },
      },
    },
    handler: guarded(async (request: ApiRequest<IdParams, { force?: string }, { force?: unknown } | null | undefined>) => {
      const force = request.body?.force ?? request.query.force;
      const result = await engine.cancel(pathId(request.params.id, "Flowchart run"), { force });
      return {
        ok: true, flowchart_run: runView(result.run), force: result.force, updated: result.updated, action: result.action,
        canceled: result.canceled, stop_requested: result.stopRequested,
      };
    }),
  };
}

function eventsRoute(engine: FlowEngine): ApiRoute {
  return {
    method: "GET", url: "/api/runs/:id/events", summary: "A run's events after a sequence, from the event log (backfill / replay)", tags: TAGS, auth: "bearer",
    description: "Every event of a run is on the stream flowchart_run:{id} with a gapless sequence from 1. Ask with after = the last sequence seen; continue with next_after while has_more.",
    schema: {
      params: idParamsSchema,
      querystring: {
        type: "object", additionalProperties: false,
        properties: {
          after: { type: "integer", minimum: 0, default: 0, description: "Last sequence already seen (0: from the start)." },
          limit: { type: "integer", minimum: 1, maximum: MAX_EVENTS_PAGE, default: 100 },
        },
      },
      response: {
        "200": {
          type: "object",
          properties: {
            ok: { type: "boolean" }, run_id: { type: "string" }, stream: { type: "string" }, events: { type: "array", items: { type: "object", description: "An event envelope (v1)." } },
            count: { type: "integer" }, has_more: { type: "boolean" }, next_after: { type: "integer", description: "The `after` that continues after this page." },
          },
        },
      },
    },
    handler: guarded(async (request: ApiRequest<IdParams, { after: number; limit: number }>) => {
      const run = await engine.queries.getRun(pathId(request.params.id, "Flowchart run"));
      const { after, limit } = request.query;
      const read = await engine.runEvents(run.id, after, limit + 1);
      const events = read.slice(0, limit);
      return { ok: true, run_id: run.id, stream: runStream(run.id), events, count: events.length, has_more: read.length > limit, next_after: events.at(-1)?.sequence ?? after };
    }),
  };
}

/** Control, cancel and events routes of runs. */
export function controlRoutes(engine: FlowEngine): ApiRoute[] {
  return [controlRoute(engine), cancelRoute(engine), eventsRoute(engine)];
}
