/**
 * HTTP routes of plans: list (paged), create, one plan with its structure, and its artifact history. Patches go
 * through the tool routes (`POST /api/tools/plan/{append|replace|update|complete_task}`), so the envelope applies.
 */
import { answerIds, apiReply, recordAnswerSchema, recordRoutes, type ApiRequest, type ApiRoute } from "../../core/plugin-api/index.js";
import type { CreateInput, PlanDomain } from "./plan-domain.js";
import { requirePlan } from "./plan-rows.js";
import { createInputSchema } from "./plan-schemas.js";

/** The plan routes over the plugin's domain. */
export function planRoutes(domain: PlanDomain): ApiRoute[] {
  const create: ApiRoute = {
    method: "POST", url: "/api/plans", summary: "Create a plan, optionally with stages and tasks", tags: ["plans"], auth: "bearer",
    schema: { body: createInputSchema, response: { "201": recordAnswerSchema("plan_id") } },
    async handler(request: ApiRequest<unknown, unknown, CreateInput>) {
      const created = await domain.create(request.body);
      return apiReply(201, { ok: true, plan_id: created.plan.id, item: created.plan, operation_counts: created.operation_counts, ...answerIds(request) });
    },
  };
  return recordRoutes({
    collection: "plans", artifactType: "plan", idField: "plan_id", db: () => domain.db(), requireRecord: (db, id) => requirePlan(db, id),
    listSummary: "Plans, newest first, with stage and task counts (paged)", getSummary: "One plan with its stages and tasks",
    list: (page) => domain.list(page),
  }, [create]);
}
