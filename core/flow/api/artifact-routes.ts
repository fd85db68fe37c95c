/**
 * Generic artifact routes (§12.6): list with filters, one artifact, a run's artifacts. Answers carry
 * `{ok, count, total_count, limit, offset, filters, items, request_id, correlation_id?}` as the reference's do.
 * Domain artifact routes (plans, memories, milestones, decision artifacts) arrive with their tool domains.
 */
import type { ApiRequest, ApiRoute } from "../../api/index.js";
import { ArkError } from "../../errors/index.js";
import type { FlowEngine } from "../engine/flow-engine.js";
import { schemas } from "./flow-views.js";
import { guarded, idParamsSchema, optionalId, pageSchema, pagingProperties, pathId, type IdParams } from "./route-support.js";

const TAGS = ["artifacts"];
/** Artifact types of the reference (§12.1); plugin node types add their own type names. */
export const REFERENCE_ARTIFACT_TYPES = ["decision", "end", "flowchart", "memory", "milestone", "plan", "rag", "start", "task"] as const;

interface ArtifactQuery {
  artifact_type?: string;
  flowchart_id?: string;
  flowchart_node_id?: string;
  flowchart_run_id?: string;
  flowchart_run_node_id?: string;
  request_id?: string;
  trace_request_id?: string;
  correlation_id?: string;
  trace_correlation_id?: string;
  limit: number;
  offset: number;
}

const text = (description: string) => ({ type: "string", minLength: 1, maxLength: 256, description });

const filterProperties = {
  artifact_type: text("Only this type (start, end, decision, flowchart, task, plan, milestone, memory, rag, or a plugin node type)."),
  flowchart_id: text("Only artifacts of this flowchart."),
  flowchart_node_id: text("Only artifacts of this node."),
  flowchart_run_node_id: text("Only the artifact of this node run."),
  request_id: text("Only artifacts with this request id."), trace_request_id: text("Alias of request_id."),
  correlation_id: text("Only artifacts with this correlation id."), trace_correlation_id: text("Alias of correlation_id."),
  ...pagingProperties(),
};

const listAnswer = {
  ...(pageSchema("items", schemas.artifact) as Record<string, unknown>),
  description: "Also filters (what was applied), request_id and correlation_id.",
};

/** The artifact routes; `artifactTypes()` lists the types a filter may name (reference types plus node types). */
export function artifactRoutes(engine: FlowEngine, artifactTypes: () => readonly string[]): ApiRoute[] {
  const list = async (request: ApiRequest<unknown, ArtifactQuery>, runId?: string) => {
    const q = request.query;
    const supported = [...new Set([...REFERENCE_ARTIFACT_TYPES, ...artifactTypes()])].sort();
    const artifactType = q.artifact_type?.trim().toLowerCase();
    if (artifactType !== undefined && !supported.includes(artifactType)) {
      throw new ArkError("ARK_INVALID_ARGUMENT", `Unsupported artifact_type ${JSON.stringify(q.artifact_type)}; use one of: ${supported.join(", ")}.`, {
        details: { field: "artifact_type", supported },
      });
    }
    const filters = {
      runId: runId ?? optionalId(q.flowchart_run_id, "flowchart_run_id"), flowchartId: optionalId(q.flowchart_id, "flowchart_id"),
      nodeRunId: optionalId(q.flowchart_run_node_id, "flowchart_run_node_id"), nodeId: q.flowchart_node_id, artifactType,
      requestId: q.request_id ?? q.trace_request_id, correlationId: q.correlation_id ?? q.trace_correlation_id,
    };
    const applied = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined));
    const page = await engine.queries.listArtifacts({ ...applied, limit: q.limit, offset: q.offset });
    return {
      ok: true, count: page.items.length, total_count: page.total, limit: page.limit, offset: page.offset, filters: snakeFilters(applied), items: page.items,
      request_id: request.requestId, ...(request.correlationId ? { correlation_id: request.correlationId } : {}),
    };
  };
  return [
    {
      method: "GET", url: "/api/artifacts", summary: "Artifacts, newest first, filtered by type, flowchart, node, run, node run, request or correlation id", tags: TAGS, auth: "bearer",
      schema: { querystring: { type: "object", additionalProperties: false, properties: { ...filterProperties, flowchart_run_id: text("Only artifacts of this run.") } }, response: { "200": listAnswer } },
      handler: guarded((request: ApiRequest<unknown, ArtifactQuery>) => list(request)),
    },
    {
      method: "GET", url: "/api/artifacts/:id", summary: "One artifact with its payload", tags: TAGS, auth: "bearer",
      schema: { params: idParamsSchema, response: { "200": { type: "object", properties: { ok: { type: "boolean" }, item: schemas.artifact, request_id: { type: "string" } } } } },
      handler: guarded(async (request: ApiRequest<IdParams>) => ({
        ok: true, item: await engine.queries.getArtifact(pathId(request.params.id, "Artifact")), request_id: request.requestId,
        ...(request.correlationId ? { correlation_id: request.correlationId } : {}),
      })),
    },
    {
      method: "GET", url: "/api/runs/:id/artifacts", summary: "A run's artifacts (same filters as /api/artifacts)", tags: TAGS, auth: "bearer",
      schema: { params: idParamsSchema, querystring: { type: "object", additionalProperties: false, properties: filterProperties }, response: { "200": listAnswer } },
      handler: guarded(async (request: ApiRequest<IdParams, ArtifactQuery>) => {
        const run = await engine.queries.getRun(pathId(request.params.id, "Flowchart run"));
        return list(request as unknown as ApiRequest<unknown, ArtifactQuery>, run.id);
      }),
    },
  ];
}

const FILTER_NAMES: Record<string, string> = {
  runId: "flowchart_run_id", flowchartId: "flowchart_id", nodeRunId: "flowchart_run_node_id", nodeId: "flowchart_node_id",
  artifactType: "artifact_type", requestId: "request_id", correlationId: "correlation_id",
};

function snakeFilters(applied: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(applied).map(([k, v]) => [FILTER_NAMES[k] ?? k, v]));
}
