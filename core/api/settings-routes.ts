import type { JSONSchema } from "../contracts/json-schema.js";
import { ArkError } from "../errors/index.js";
import {
  KUBECONFIG_CLEAR_KEY,
  KUBECONFIG_KEY,
  NODE_EXECUTOR_PROVIDER,
  nodeExecutorSettingSpecs,
  planNodeExecutorSettingsPatch,
  type NodeExecutorSettingsService,
  type NodeExecutorSettingsView,
  type SettingSpec,
} from "../settings/index.js";
import type { ApiRequest, ApiRoute } from "./api-server-port.js";

const BASE = "/api/settings/runtime/node-executor";
/** The gate's settings key (core/migration's cutover routes toggle it). */
const CUTOVER_KEY = "agent_runtime_cutover_enabled";
const TAGS = ["settings"];
/** A kubeconfig may be up to 1 MiB, and JSON escaping makes it longer: the update route accepts at least 2 MiB. */
const MIN_UPDATE_BODY_BYTES = 2 * 1024 * 1024;

function describe(key: string, spec: SettingSpec): string {
  switch (spec.kind) {
    case "provider":
      return `Always "${NODE_EXECUTOR_PROVIDER}"; any other value is refused.`;
    case "integer":
      return `Whole number between ${spec.min} and ${spec.max} (default ${spec.defaultValue}).`;
    case "boolean":
      return `true or false (default ${spec.defaultValue}).`;
    case "imageTag":
      return `Image tag for ${spec.imageKey} (default: that image's own tag).`;
    case "pullSecrets":
      return "JSON array of image pull Secret names or {\"name\": ...} objects (a JSON string or an array).";
    case "serviceAccount":
      return "Kubernetes service account name for executor Jobs (empty: the namespace default).";
    default:
      return "defaultValue" in spec ? `${key} (default "${spec.defaultValue}").` : key;
  }
}

/** Every writable key, documented; values are checked by the settings service so each bad field gets its own message. */
const updateBodySchema: JSONSchema = {
  type: "object",
  description: "A partial update: only the keys named change; null resets a key to its default. Unknown keys are refused per field.",
  properties: {
    ...Object.fromEntries(Object.entries(nodeExecutorSettingSpecs).map(([key, spec]) => [key, { description: `${describe(key, spec)} null resets it.` }])),
    [KUBECONFIG_KEY]: { description: "Write-only secret: the kubeconfig YAML, encrypted at rest (needs ARK_SECRET_KEY). Blank leaves it as it is; never returned." },
    [KUBECONFIG_CLEAR_KEY]: { description: "true clears the stored kubeconfig." },
  },
};

const settingsViewSchema: JSONSchema = {
  type: "object",
  description: "Every setting as a string, plus derived keys (effective images, k8s_kubeconfig_is_set/_fingerprint/_updated_at). Never the kubeconfig.",
  additionalProperties: { type: "string" },
};

const historyQuerySchema: JSONSchema = {
  type: "object",
  properties: { limit: { type: "integer", minimum: 1, maximum: 1000, default: 50, description: "Most changes returned, newest first." } },
  additionalProperties: false,
};

const historyResponseSchema: JSONSchema = {
  type: "object",
  properties: {
    ok: { type: "boolean" },
    history: {
      type: "array",
      items: {
        type: "object",
        properties: {
          version: { type: "integer" },
          actor: { type: "string" },
          changed_at: { type: "string", format: "date-time" },
          changes: { type: "object", description: "key → {from, to}; the kubeconfig only as \"(set)\" / \"(cleared)\"." },
        },
      },
    },
  },
};

/** The view without the secret, whatever the service returns: a read must never carry the kubeconfig. */
function redacted(view: NodeExecutorSettingsView): Record<string, string> {
  const { [KUBECONFIG_KEY]: _secret, ...rest } = view;
  return rest;
}

/**
 * The cutover gate is toggled only through the gate (`POST /api/settings/runtime/cutover`, `ark cutover`), which runs
 * the preflight and writes the event with the settings version; an update that would flip it here is refused. One
 * that names the gate with its current value (a settings form sending every field) passes.
 */
async function refuseGateToggle(settings: NodeExecutorSettingsService, body: Record<string, unknown>): Promise<void> {
  if (!(CUTOVER_KEY in body)) return;
  const plan = planNodeExecutorSettingsPatch(body); // an invalid value fails here exactly as the update would
  const next = plan.reset.includes(CUTOVER_KEY) ? String(nodeExecutorSettingSpecs[CUTOVER_KEY].defaultValue) : plan.set[CUTOVER_KEY];
  const current = (await settings.read())[CUTOVER_KEY];
  if (next !== undefined && next !== current) {
    throw new ArkError("ARK_CUTOVER_USE_GATE", `${CUTOVER_KEY} is changed through the cutover gate, not the settings update: POST /api/settings/runtime/cutover {"enabled": ${next}}.`, {
      details: { field: CUTOVER_KEY, current, requested: next },
    });
  }
}

/** The node-executor settings routes of reference §15.5 (secrets write-only; partial updates; history). */
export function settingsRoutes(settings: NodeExecutorSettingsService, options: { bodyLimitBytes: number }): ApiRoute[] {
  return [
    {
      method: "GET",
      url: BASE,
      summary: "Node-executor runtime settings (redacted) and the effective summary",
      tags: TAGS,
      auth: "bearer",
      schema: { response: { "200": { type: "object", properties: { ok: { type: "boolean" }, node_executor_settings: settingsViewSchema, node_executor: settingsViewSchema } } } },
      async handler() {
        const view = redacted(await settings.read());
        return {
          ok: true,
          node_executor_settings: view,
          node_executor: view,
          node_executor_options: { provider_options: [{ value: NODE_EXECUTOR_PROVIDER, label: "Kubernetes" }] },
        };
      },
    },
    {
      method: "GET",
      url: `${BASE}/effective`,
      summary: "Effective node-executor configuration (images with their configured tags, kubeconfig state)",
      tags: TAGS,
      auth: "bearer",
      schema: { response: { "200": { type: "object", properties: { ok: { type: "boolean" }, node_executor: settingsViewSchema } } } },
      handler: async () => ({ ok: true, node_executor: redacted(await settings.read()) }),
    },
    {
      method: "POST",
      url: BASE,
      summary: "Update node-executor settings (partial; secrets write-only)",
      description: "Only the keys named change. Every invalid field is reported at once as details.fields and nothing is written. The caller is recorded in the history.",
      tags: TAGS,
      auth: "bearer",
      bodyLimitBytes: Math.max(options.bodyLimitBytes, MIN_UPDATE_BODY_BYTES),
      schema: { body: updateBodySchema, response: { "200": { type: "object", properties: { ok: { type: "boolean" }, node_executor_settings: settingsViewSchema } } } },
      async handler(request: ApiRequest<unknown, unknown, Record<string, unknown>>) {
        await refuseGateToggle(settings, request.body);
        const view = await settings.update(request.body, request.subject);
        return { ok: true, node_executor_settings: redacted(view) };
      },
    },
    {
      method: "GET",
      url: `${BASE}/history`,
      summary: "Node-executor settings changes, newest first (who, when, what)",
      tags: TAGS,
      auth: "bearer",
      schema: { querystring: historyQuerySchema, response: { "200": historyResponseSchema } },
      async handler(request: ApiRequest<unknown, { limit: number }>) {
        const history = await settings.history(request.query.limit);
        return {
          ok: true,
          history: history.map((change) => ({ version: change.version, actor: change.actor, changed_at: change.changedAt, changes: change.changes })),
        };
      },
    },
  ];
}
