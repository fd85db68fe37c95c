/**
 * HTTP routes of plans: list (paged), create, one plan with its structure, and its artifact history. Patches go
 * through the tool routes (`POST /api/tools/plan/{append|replace|update|complete_task}`), so the envelope applies.
 */
import { answerIds, apiReply, RECORD_ID_PATTERN, recordArtifactRoutes, type ApiRequest, type ApiRoute } from "../../core/plugin-api/index.js";
import type { CreateInput, PlanDomain } from "./plan-domain.js";
import { requirePlan } from "./plan-rows.js";
import { createInputSchema } from "./plan-schemas.js";

const listAnswer = {
  type: "object", required: ["ok", "items", "count", "total_count", "limit", "offset"],
  properties: { ok: { type: "boolean" }, items: { type: "array", items: { type: "object" } }, count: { type: "integer" }, total_count: { type: "integer" }, limit: { type: "integer" }, offset: { type: "integer" } },
};
const TAGS = ["plans"];
const idParams = { type: "object", required: ["id"], additionalProperties: false, properties: { id: { type: "string", pattern: RECORD_ID_PATTERN } } };
const planAnswer = { type: "object", required: ["ok", "plan_id", "item"], properties: { ok: { type: "boolean" }, plan_id: { type: "integer" }, item: { type: "object" } } };

/** The plan routes over the plugin's domain. */
export function planRoutes(domain: PlanDomain): ApiRoute[] {
  return [
    {
      method: "GET", url: "/api/plans", summary: "Plans, newest first, with stage and task counts (paged)", tags: TAGS, auth: "bearer",
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
      method: "POST", url: "/api/plans", summary: "Create a plan, optionally with stages and tasks", tags: TAGS, auth: "bearer",
      schema: { body: createInputSchema, response: { "201": planAnswer } },
      async handler(request: ApiRequest<unknown, unknown, CreateInput>) {
        const created = await domain.create(request.body);
        return apiReply(201, { ok: true, plan_id: created.plan.id, item: created.plan, operation_counts: created.operation_counts, ...answerIds(request) });
      },
    },
    {
      method: "GET", url: "/api/plans/:id", summary: "One plan with its stages and tasks", tags: TAGS, auth: "bearer",
      schema: { params: idParams, response: { "200": planAnswer } },
      async handler(request: ApiRequest<{ id: string }>) {
        const plan = await requirePlan(domain.db(), Number(request.params.id));
        return { ok: true, plan_id: plan.id, item: plan, ...answerIds(request) };
      },
    },
    ...recordArtifactRoutes({ collection: "plans", artifactType: "plan", idField: "plan_id", db: () => domain.db(), requireRecord: (db, id) => requirePlan(db, id) }),
  ];
}
