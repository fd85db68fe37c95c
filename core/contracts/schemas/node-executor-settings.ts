import { contractIds } from "./contract-ids.js";

const draft07 = "http://json-schema.org/draft-07/schema#";
const integerText = { type: "string", pattern: "^(0|[1-9][0-9]*)$" } as const;
const boolText = { enum: ["true", "false"] } as const;
const text = { type: "string" } as const;

/** Every key a redacted node-executor settings read returns (orchestration-and-events §15.2 plus derived keys). */
const viewProperties = {
  provider: { const: "kubernetes" },
  dispatch_timeout_seconds: integerText,
  execution_timeout_seconds: integerText,
  log_collection_timeout_seconds: integerText,
  cancel_grace_timeout_seconds: integerText,
  cancel_force_kill_enabled: boolText,
  workspace_identity_key: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$" },
  agent_runtime_cutover_enabled: boolText,
  task_schema_validation_enabled: boolText,
  k8s_namespace: text,
  k8s_frontier_image: text,
  k8s_frontier_image_tag: text,
  k8s_vllm_image: text,
  k8s_vllm_image_tag: text,
  k8s_frontier_plugin_set_hash: { type: "string", pattern: "^([0-9a-f]{64})?$" },
  k8s_vllm_plugin_set_hash: { type: "string", pattern: "^([0-9a-f]{64})?$" },
  k8s_in_cluster: boolText,
  k8s_service_account: text,
  k8s_gpu_limit: integerText,
  k8s_job_ttl_seconds: integerText,
  k8s_image_pull_secrets_json: text,
  k8s_effective_frontier_image: text,
  k8s_effective_vllm_image: text,
  k8s_kubeconfig_is_set: boolText,
  k8s_kubeconfig_fingerprint: { type: "string", pattern: "^(sha256:[0-9a-f]{12})?$" },
  k8s_kubeconfig_updated_at: { anyOf: [{ const: "" }, { type: "string", format: "date-time" }] },
} as const;

/**
 * The redacted settings read (`GET /api/settings/runtime/node-executor`). No other key is allowed, so a
 * response that leaked `k8s_kubeconfig` fails this contract.
 */
export const nodeExecutorSettingsSchema = {
  $id: contractIds.nodeExecutorSettings,
  $schema: draft07,
  title: "ARK node-executor settings (redacted read) v1",
  type: "object",
  required: Object.keys(viewProperties),
  properties: viewProperties,
  additionalProperties: false,
} as const;

const scalar = { type: ["string", "integer", "boolean", "null"] } as const;

/**
 * A partial settings update (`POST /api/settings/runtime/node-executor`): only the keys named change, `null` resets a
 * key to its default. The settings service checks every value and answers ARK_SETTINGS_INVALID with a message per
 * field; this schema documents the shape for OpenAPI.
 */
export const nodeExecutorSettingsPatchSchema = {
  $id: contractIds.nodeExecutorSettingsPatch,
  $schema: draft07,
  title: "ARK node-executor settings update v1",
  type: "object",
  properties: {
    ...Object.fromEntries(
      Object.keys(viewProperties)
        .filter((key) => !key.startsWith("k8s_effective_") && !key.startsWith("k8s_kubeconfig_"))
        .map((key) => [key, scalar]),
    ),
    k8s_image_pull_secrets_json: { type: ["string", "array", "null"] },
    k8s_kubeconfig: { type: "string", description: "Write-only secret; blank leaves the stored value unchanged." },
    k8s_kubeconfig_clear: { type: ["boolean", "string"], description: "true clears the stored kubeconfig." },
  },
  additionalProperties: true,
} as const;
