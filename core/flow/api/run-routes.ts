/**
 * Run routes: start a run of a flowchart (§3.1; a graph that may not run answers 400), list runs, one run with its
 * §17 status summary, the trace, node runs.
 */
import type { ApiRequest, ApiRoute } from "../../api/index.js";
import { apiReply } from "../../api/index.js";
import { ArkError, isArkError } from "../../errors/index.js";
import type { FlowEngine } from "../engine/flow-engine.js";
import { NODE_RUN_STATUSES, RUN_STATUSES } from "../engine/engine-types.js";
import { TRACE_SURFACES } from "../engine/run-trace.js";
import { nodeRunView, runView, schemas, statusView } from "./flow-views.js";
import { BOOLEAN_WORDS, booleanWord, csv, csvOf, guarded, idParamsSchema, optionalId, optionalObjectBody, pageBody, pageSchema, pagingProperties, pathId, snakeKeys, type IdParams } from "./route-support.js";

const TAGS = ["runs"];

interface RunListQuery {
  flowchart_id?: string;
  status?: string;
  limit: number;
  offset: number;
}

interface TraceQuery {
  include?: string;
  status?: string;
  request_id?: string;
  trace_request_id?: string;
  correlation_id?: string;
  trace_correlation_id?: string;
  flowchart_node_id?: string;
  flowchart_run_node_id?: string;
  degraded_only?: string;
  artifact_type?: string;
  limit: number;
  offset: number;
}

const text = (description: string) => ({ type: "string", minLength: 1, maxLength: 256, description });

const traceQuerySchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    include: { type: "string", maxLength: 200, description: `CSV of surfaces: all, ${TRACE_SURFACES.join(", ")} (default all).` },
    status: { type: "string", maxLength: 200, description: `CSV of node-run statuses: ${NODE_RUN_STATUSES.join(", ")}.` },
    request_id: text("Node runs with this request id."), trace_request_id: text("Alias of request_id."),
    correlation_id: text("Node runs with this correlation id."), trace_correlation_id: text("Alias of correlation_id."),
    flowchart_node_id: text("Only this node."), flowchart_run_node_id: text("Only this node run."),
    degraded_only: { type: "string", enum: [...BOOLEAN_WORDS], description: "Only degraded node runs." },
    artifact_type: text("Only artifacts of this type."),
    ...pagingProperties(50, 200),
  },
};

/** Start a run. */
function startRunRoute(engine: FlowEngine): ApiRoute {
  return {
    method: "POST", url: "/api/flowcharts/:id/runs", summary: "Start a run of a flowchart (202; 400 when its graph may not run)", tags: TAGS, auth: "bearer",
    description: "The run starts queued with the flowchart's current graph and settings snapshotted. A graph with errors answers 400 ARK_FLOW_GRAPH_INVALID with details.validation.errors and every issue; nothing is written.",
    schema: {
      params: idParamsSchema,
      body: optionalObjectBody({ start_node_id: { type: ["string", "integer"], description: "Start at this node instead of the start node." } }, "Optional."),
      response: { "202": { type: "object", properties: { ok: { type: "boolean" }, flowchart_run: schemas.run, validation: schemas.validation } } },
    },
    handler: guarded(async (request: ApiRequest<IdParams, unknown, { start_node_id?: string | number }>) => {
      const flowchartId = pathId(request.params.id, "Flowchart");
      try {
        const run = await engine.startRun({ flowchartId, startNodeId: request.body?.start_node_id, correlationId: request.correlationId });
        return apiReply(202, { ok: true, flowchart_run: runView(run), validation: { valid: true, errors: [] } });
      } catch (err) {
        if (!isArkError(err, "ARK_FLOW_GRAPH_INVALID")) throw err;
        const issues = [...((err.details.structuralErrors as { message: string }[]) ?? []), ...((err.details.semanticErrors as { message: string }[]) ?? [])];
        throw new ArkError("ARK_FLOW_GRAPH_INVALID", `Flowchart graph validation failed: ${err.message}`, {
          details: { ...err.details, validation: { valid: false, errors: issues.map((i) => i.message) } }, cause: err,
        });
      }
    }),
  };
}

/** Run list and one run with its status summary. */
function runReadRoutes(engine: FlowEngine): ApiRoute[] {
  const queries = engine.queries;
  return [
    {
      method: "GET", url: "/api/runs", summary: "Runs, newest first (filter by flowchart and status)", tags: TAGS, auth: "bearer",
      schema: {
        querystring: {
          type: "object", additionalProperties: false,
          properties: { flowchart_id: text("Only runs of this flowchart."), status: { type: "string", maxLength: 200, description: `CSV of run statuses: ${RUN_STATUSES.join(", ")}.` }, ...pagingProperties() },
        },
        response: { "200": pageSchema("items", schemas.run) },
      },
      handler: guarded(async (request: ApiRequest<unknown, RunListQuery>) => {
        const { limit, offset } = request.query;
        const statuses = csvOf(request.query.status, RUN_STATUSES, "status");
        const flowchartId = optionalId(request.query.flowchart_id, "flowchart_id");
        const page = await queries.listRuns({ ...(flowchartId ? { flowchartId } : {}), statuses, limit, offset });
        return pageBody("items", { ...page, items: page.items.map(runView) });
      }),
    },
    {
      method: "GET", url: "/api/runs/:id", summary: "One run with its status summary (node-run counts per status, warnings)", tags: TAGS, auth: "bearer",
      schema: {
        params: idParamsSchema,
        response: { "200": { type: "object", properties: { ok: { type: "boolean" }, flowchart_run: schemas.run, counts: { type: "object" }, warning_count: { type: "integer" }, warnings: { type: "array", items: { type: "object" } } } } },
      },
      handler: guarded(async (request: ApiRequest<IdParams>) => {
        const id = pathId(request.params.id, "Flowchart run");
        const run = await queries.getRun(id);
        return { ok: true, flowchart_run: runView(run), ...statusView(await queries.runStatus(id)) };
      }),
    },
  ];
}

/** Trace and node-run reads. */
function runDetailRoutes(engine: FlowEngine): ApiRoute[] {
  const queries = engine.queries;
  return [
    {
      method: "GET", url: "/api/runs/:id/trace", summary: "A run's trace: node runs, tool calls, artifacts, failures, timeline (§17)", tags: TAGS, auth: "bearer",
      schema: { params: idParamsSchema, querystring: traceQuerySchema, response: { "200": { type: "object", description: "{ok, run, node?, tool?, artifact?, failure?, timeline?}; each surface {items, total_count, limit, offset}." } } },
      handler: guarded(async (request: ApiRequest<IdParams, TraceQuery>) => {
        const q = request.query;
        const trace = await engine.trace(pathId(request.params.id, "Flowchart run"), {
          include: csv(q.include), statuses: csvOf(q.status, NODE_RUN_STATUSES, "status"),
          ...defined({ requestId: q.request_id ?? q.trace_request_id, correlationId: q.correlation_id ?? q.trace_correlation_id, nodeId: q.flowchart_node_id, nodeRunId: q.flowchart_run_node_id, artifactType: q.artifact_type, degradedOnly: booleanWord(q.degraded_only) }),
          limit: q.limit, offset: q.offset,
        });
        const { run, node, failure, ...rest } = trace;
        const nodes = (page: typeof node) => (page ? { ...page, items: page.items.map((item) => snakeKeys(item)) } : undefined);
        return { ok: true, run: runView(run), ...defined({ node: nodes(node), failure: nodes(failure) }), ...rest };
      }),
    },
    {
      method: "GET", url: "/api/runs/:id/node-runs", summary: "A run's node runs in execution order", tags: TAGS, auth: "bearer",
      schema: {
        params: idParamsSchema,
        querystring: { type: "object", additionalProperties: false, properties: { node_id: text("Only executions of this node."), ...pagingProperties(500, 500) } },
        response: { "200": pageSchema("items", schemas.nodeRun) },
      },
      handler: guarded(async (request: ApiRequest<IdParams, { node_id?: string; limit: number; offset: number }>) => {
        const { node_id: nodeId, limit, offset } = request.query;
        const page = await queries.listNodeRuns(pathId(request.params.id, "Flowchart run"), { limit, offset, ...(nodeId ? { nodeId } : {}) });
        return pageBody("items", { ...page, items: page.items.map(nodeRunView) });
      }),
    },
    {
      method: "GET", url: "/api/node-runs/:id", summary: "One node run", tags: TAGS, auth: "bearer",
      schema: { params: idParamsSchema, response: { "200": { type: "object", properties: { ok: { type: "boolean" }, node_run: schemas.nodeRun } } } },
      handler: guarded(async (request: ApiRequest<IdParams>) => ({ ok: true, node_run: nodeRunView(await queries.getNodeRun(pathId(request.params.id, "Node run"))) })),
    },
  ];
}

/** The keys whose value is not undefined. */
function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Start and read routes of runs. */
export function runRoutes(engine: FlowEngine): ApiRoute[] {
  return [startRunRoute(engine), ...runReadRoutes(engine), ...runDetailRoutes(engine)];
}
