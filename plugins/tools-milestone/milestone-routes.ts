/**
 * HTTP routes of milestones: list (paged), create, one milestone, and its artifact history. The actions go through
 * the tool routes (`POST /api/tools/milestone/{create_or_update|mark_complete}`), so the envelope applies.
 */
import { answerIds, apiReply, RECORD_ID_PATTERN, recordArtifactRoutes, type ApiRequest, type ApiRoute } from "../../core/plugin-api/index.js";
import { createInputSchema, type MilestoneDomain } from "./milestone-domain.js";
import { requireMilestone } from "./milestone-rows.js";

const listAnswer = {
  type: "object", required: ["ok", "items", "count", "total_count", "limit", "offset"],
  properties: { ok: { type: "boolean" }, items: { type: "array", items: { type: "object" } }, count: { type: "integer" }, total_count: { type: "integer" }, limit: { type: "integer" }, offset: { type: "integer" } },
};
const TAGS = ["milestones"];
const idParams = { type: "object", required: ["id"], additionalProperties: false, properties: { id: { type: "string", pattern: RECORD_ID_PATTERN } } };
const milestoneAnswer = { type: "object", required: ["ok", "milestone_id", "item"], properties: { ok: { type: "boolean" }, milestone_id: { type: "integer" }, item: { type: "object" } } };

/** The milestone routes over the plugin's domain. */
export function milestoneRoutes(domain: MilestoneDomain): ApiRoute[] {
  return [
    {
      method: "GET", url: "/api/milestones", summary: "Milestones, newest first (paged)", tags: TAGS, auth: "bearer",
      schema: {
        querystring: {
          type: "object", additionalProperties: false,
          properties: { limit: { type: "integer", minimum: 1, maximum: 500, default: 50 }, offset: { type: "integer", minimum: 0, default: 0 } },
        },
        response: { "200": listAnswer },
      },
      async handler(request: ApiRequest<unknown, { limit: number; offset: number }>) {
        const page = await domain.list(request.query);
        return { ok: true, items: page.items, count: page.items.length, total_count: page.total_count, limit: page.limit, offset: page.offset, ...answerIds(request) };
      },
    },
    {
      method: "POST", url: "/api/milestones", summary: "Create a milestone", tags: TAGS, auth: "bearer",
      schema: { body: createInputSchema, response: { "201": milestoneAnswer } },
      async handler(request: ApiRequest<unknown, unknown, Record<string, unknown>>) {
        const milestone = await domain.create(request.body);
        return apiReply(201, { ok: true, milestone_id: milestone.id, item: milestone, ...answerIds(request) });
      },
    },
    {
      method: "GET", url: "/api/milestones/:id", summary: "One milestone", tags: TAGS, auth: "bearer",
      schema: { params: idParams, response: { "200": milestoneAnswer } },
      async handler(request: ApiRequest<{ id: string }>) {
        const milestone = await requireMilestone(domain.db(), Number(request.params.id));
        return { ok: true, milestone_id: milestone.id, item: milestone, ...answerIds(request) };
      },
    },
    ...recordArtifactRoutes({
      collection: "milestones", artifactType: "milestone", idField: "milestone_id", db: () => domain.db(), requireRecord: (db, id) => requireMilestone(db, id),
    }),
  ];
}
