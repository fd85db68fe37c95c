/**
 * Artifact history of a domain record (runbook "Specialized node REST contract", reference orchestration §12.6):
 * `GET /api/{collection}/{id}/artifacts` (paged, newest first; filters flowchart_id, flowchart_run_id,
 * flowchart_node_id), `GET` and `DELETE /api/{collection}/{id}/artifacts/{artifact_id}`. An artifact belongs to a record
 * when its artifact_type matches and its ref_id is the record's id. For record-backed tool domains: plans, milestones,
 * memories.
 */
import type { ApiRequest, ApiRoute } from "../api/api-server-port.js";
import type { JSONSchema } from "../contracts/json-schema.js";
import { ArkError } from "../errors/index.js";
import { serialiseArtifact } from "../flow/engine/node-artifacts.js";
import type { Queryable } from "../store/store-port.js";

/** Which records a set of history routes serves. */
export interface RecordArtifactRoutesOptions {
  /** URL segment: `plans`, `milestones`, `memories`. */
  readonly collection: string;
  /** Artifact type: `plan`, `milestone`, `memory`. */
  readonly artifactType: string;
  /** Answer key of the record's id: `plan_id`, `memory_id`. */
  readonly idField: string;
  readonly db: () => Queryable;
  /** Throws the record's own not-found error when it does not exist. */
  readonly requireRecord: (db: Queryable, id: number) => Promise<unknown>;
}

/** A positive integer id in a path. */
export const RECORD_ID_PATTERN = "^[1-9][0-9]{0,15}$";

const params = (...names: string[]): JSONSchema => ({
  type: "object", required: names, additionalProperties: false,
  properties: Object.fromEntries(names.map((n) => [n, { type: "string", pattern: RECORD_ID_PATTERN }])),
});

const pageQuery: JSONSchema = {
  type: "object", additionalProperties: false,
  properties: {
    limit: { type: "integer", minimum: 1, maximum: 500, default: 50 },
    offset: { type: "integer", minimum: 0, default: 0 },
    flowchart_id: { type: "string", pattern: RECORD_ID_PATTERN },
    flowchart_run_id: { type: "string", pattern: RECORD_ID_PATTERN },
    flowchart_node_id: { type: "string", minLength: 1, maxLength: 256 },
  },
};

interface PageQuery {
  readonly limit: number;
  readonly offset: number;
  readonly flowchart_id?: string;
  readonly flowchart_run_id?: string;
  readonly flowchart_node_id?: string;
}

/** The request/correlation ids every answer carries. */
export function answerIds(request: ApiRequest<unknown, unknown, unknown>): Record<string, string> {
  return { request_id: request.requestId, ...(request.correlationId ? { correlation_id: request.correlationId } : {}) };
}

const FILTER = "artifact_type = $1 AND ref_id = $2 AND ($3::bigint IS NULL OR flowchart_id = $3) AND ($4::bigint IS NULL OR run_id = $4) AND ($5::text IS NULL OR node_id = $5)";

/** The three history routes of one record kind. */
export function recordArtifactRoutes(o: RecordArtifactRoutesOptions): ApiRoute[] {
  const base = `/api/${o.collection}/:id/artifacts`;
  const tags = [o.collection];
  const one = async (request: ApiRequest<{ id: string; artifact_id: string }>) => {
    const id = Number(request.params.id);
    await o.requireRecord(o.db(), id);
    const { rows } = await o.db().query("SELECT * FROM ark_flow_node_artifacts WHERE id = $1 AND artifact_type = $2 AND ref_id = $3", [request.params.artifact_id, o.artifactType, id]);
    if (!rows[0]) throw new ArkError("ARK_NOT_FOUND", `Artifact ${request.params.artifact_id} of ${o.artifactType} ${id} was not found.`, { details: { [o.idField]: id, artifact_id: request.params.artifact_id } });
    return { id, artifact: serialiseArtifact(rows[0]) };
  };
  return [
    {
      method: "GET", url: base, summary: `A ${o.artifactType}'s artifact history, newest first (paged)`, tags, auth: "bearer",
      schema: { params: params("id"), querystring: pageQuery },
      async handler(request: ApiRequest<{ id: string }, PageQuery>) {
        const id = Number(request.params.id);
        await o.requireRecord(o.db(), id);
        const q = request.query;
        const values = [o.artifactType, id, q.flowchart_id ?? null, q.flowchart_run_id ?? null, q.flowchart_node_id ?? null];
        const { rows } = await o.db().query(`SELECT * FROM ark_flow_node_artifacts WHERE ${FILTER} ORDER BY created_at DESC, id DESC LIMIT $6 OFFSET $7`, [...values, q.limit, q.offset]);
        const total = await o.db().query<{ n: number }>(`SELECT count(*)::int AS n FROM ark_flow_node_artifacts WHERE ${FILTER}`, values);
        const filters = Object.fromEntries(Object.entries({ flowchart_id: q.flowchart_id, flowchart_run_id: q.flowchart_run_id, flowchart_node_id: q.flowchart_node_id }).filter(([, v]) => v !== undefined));
        return { ok: true, [o.idField]: id, items: rows.map(serialiseArtifact), count: rows.length, total_count: Number(total.rows[0]?.n ?? 0), limit: q.limit, offset: q.offset, filters, ...answerIds(request) };
      },
    },
    {
      method: "GET", url: `${base}/:artifact_id`, summary: `One artifact of a ${o.artifactType}`, tags, auth: "bearer",
      schema: { params: params("id", "artifact_id") },
      async handler(request: ApiRequest<{ id: string; artifact_id: string }>) {
        const { id, artifact } = await one(request);
        return { ok: true, [o.idField]: id, item: artifact, ...answerIds(request) };
      },
    },
    {
      method: "DELETE", url: `${base}/:artifact_id`, summary: `Delete one artifact of a ${o.artifactType} (the record stays)`, tags, auth: "bearer",
      schema: { params: params("id", "artifact_id") },
      async handler(request: ApiRequest<{ id: string; artifact_id: string }>) {
        const { artifact } = await one(request);
        await o.db().query("DELETE FROM ark_flow_node_artifacts WHERE id = $1", [artifact.id]);
        return { ok: true, deleted: true, ...answerIds(request) };
      },
    },
  ];
}
