/**
 * HTTP routes of milestones: list (paged), create, one milestone, and its artifact history. The actions go through
 * the tool routes (`POST /api/tools/milestone/{create_or_update|mark_complete}`), so the envelope applies.
 */
import { answerIds, apiReply, recordAnswerSchema, recordRoutes, type ApiRequest, type ApiRoute } from "../../core/plugin-api/index.js";
import { createInputSchema, type MilestoneDomain } from "./milestone-domain.js";
import { requireMilestone } from "./milestone-rows.js";

/** The milestone routes over the plugin's domain. */
export function milestoneRoutes(domain: MilestoneDomain): ApiRoute[] {
  const create: ApiRoute = {
    method: "POST", url: "/api/milestones", summary: "Create a milestone", tags: ["milestones"], auth: "bearer",
    schema: { body: createInputSchema, response: { "201": recordAnswerSchema("milestone_id") } },
    async handler(request: ApiRequest<unknown, unknown, Record<string, unknown>>) {
      const milestone = await domain.create(request.body);
      return apiReply(201, { ok: true, milestone_id: milestone.id, item: milestone, ...answerIds(request) });
    },
  };
  return recordRoutes({
    collection: "milestones", artifactType: "milestone", idField: "milestone_id", db: () => domain.db(), requireRecord: (db, id) => requireMilestone(db, id),
    listSummary: "Milestones, newest first (paged)", getSummary: "One milestone",
    list: (page) => domain.list(page),
  }, [create]);
}
