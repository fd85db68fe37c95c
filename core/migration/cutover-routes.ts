/**
 * The cutover gate over HTTP, for operators and consoles that do not run the CLI: `GET /api/settings/runtime/cutover`
 * (the gate and its newest change) and `POST /api/settings/runtime/cutover` (enable after the preflight, `force` to
 * override a failed one — recorded —, or disable, which always works). The same CutoverService as `ark cutover`, so
 * each toggle is one settings version and one `runtime:cutover:*` event; the generic settings route refuses to flip
 * the gate around them.
 */
import type { ApiRequest, ApiRoute } from "../api/api-server-port.js";
import type { JSONSchema } from "../contracts/json-schema.js";
import type { CutoverService, CutoverToggle } from "./cutover.js";

/** Path of the gate's routes (beside the node-executor settings it toggles). */
export const CUTOVER_ROUTE = "/api/settings/runtime/cutover";

const toggleBody: JSONSchema = {
  type: "object", required: ["enabled"], additionalProperties: false,
  properties: {
    enabled: { type: "boolean", description: "true runs the preflight and enables the unified executor route; false is the rollback." },
    force: { type: "boolean", default: false, description: "Enable although preflight checks failed; the failed checks are recorded in the settings version's note." },
    reason: { type: "string", minLength: 1, maxLength: 2000, description: "Why (disable only): recorded as the settings version's note." },
  },
};

const change: JSONSchema = {
  type: ["object", "null"],
  properties: { version: { type: "integer" }, actor: { type: "string" }, changed_at: { type: "string" }, note: { type: ["string", "null"] } },
};

const preflightItem: JSONSchema = {
  type: "object", properties: { name: { type: "string" }, status: { type: "string" }, detail: { type: "string" }, hint: { type: ["string", "null"] } },
};

function answerOf(toggle: CutoverToggle): Record<string, unknown> {
  return {
    ok: true, enabled: toggle.enabled, changed: toggle.changed, forced: toggle.forced, version: toggle.version,
    preflight: toggle.preflight.map((c) => ({ name: c.name, status: c.status, detail: c.detail, hint: c.hint ?? null })),
    ...(toggle.eventError ? { event_error: toggle.eventError } : {}),
  };
}

/** The two routes over the kernel's cutover service. */
export function cutoverRoutes(cutover: () => CutoverService): ApiRoute[] {
  return [
    {
      method: "GET", url: CUTOVER_ROUTE, summary: "The cutover gate (agent_runtime_cutover_enabled) and its newest change", tags: ["settings"], auth: "bearer",
      schema: { response: { "200": { type: "object", properties: { ok: { type: "boolean" }, enabled: { type: "boolean" }, last_change: change } } } },
      async handler() {
        const status = await cutover().status();
        const last = status.lastChange;
        return { ok: true, enabled: status.enabled, last_change: last ? { version: last.version, actor: last.actor, changed_at: last.changedAt, note: last.note ?? null } : null };
      },
    },
    {
      method: "POST", url: CUTOVER_ROUTE, summary: "Enable (after the preflight) or disable the cutover gate",
      description: "Enable runs the preflight and answers 409 ARK_CUTOVER_PREFLIGHT_FAILED (with every failed check) unless force is true. Disable never runs the preflight and always succeeds.",
      tags: ["settings"], auth: "bearer",
      schema: {
        body: toggleBody,
        response: {
          "200": {
            type: "object",
            properties: {
              ok: { type: "boolean" }, enabled: { type: "boolean" }, changed: { type: "boolean" }, forced: { type: "boolean" }, version: { type: ["integer", "null"] },
              preflight: { type: "array", items: preflightItem }, event_error: { type: "string" },
            },
          },
        },
      },
      async handler(request: ApiRequest<unknown, unknown, { enabled: boolean; force?: boolean; reason?: string }>) {
        const { enabled, force, reason } = request.body;
        const toggle = enabled
          ? await cutover().enable({ actor: request.subject, force: force === true })
          : await cutover().disable({ actor: request.subject, ...(reason ? { reason } : {}) });
        return answerOf(toggle);
      },
    },
  ];
}
