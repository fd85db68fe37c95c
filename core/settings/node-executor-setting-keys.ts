/** The node-executor settings: every key, its kind, default and bounds (orchestration-and-events §15.2). */

/** How one setting is parsed, normalised and validated. */
export type SettingSpec =
  | { readonly kind: "provider" }
  | { readonly kind: "integer"; readonly defaultValue: number; readonly min: number; readonly max: number }
  | { readonly kind: "boolean"; readonly defaultValue: boolean }
  | { readonly kind: "workspaceIdentity"; readonly defaultValue: string }
  | { readonly kind: "namespace"; readonly defaultValue: string }
  | { readonly kind: "image"; readonly defaultValue: string }
  | { readonly kind: "imageTag"; readonly imageKey: "k8s_frontier_image" | "k8s_vllm_image" }
  | { readonly kind: "serviceAccount" }
  | { readonly kind: "pullSecrets" }
  | { readonly kind: "pluginSetHash" };

/** The only provider: node runs routed through the unified executor runtime are dispatched as Kubernetes Jobs. */
export const NODE_EXECUTOR_PROVIDER = "kubernetes";

/** Default executor images per class (ARK's own image names; the reference used llmctl-executor-*). */
export const DEFAULT_FRONTIER_IMAGE = "ark-executor-frontier:latest";
export const DEFAULT_VLLM_IMAGE = "ark-executor-vllm:latest";

/** Every stored (non-secret) setting, in display order. */
export const nodeExecutorSettingSpecs = {
  provider: { kind: "provider" },
  dispatch_timeout_seconds: { kind: "integer", defaultValue: 300, min: 5, max: 3600 },
  execution_timeout_seconds: { kind: "integer", defaultValue: 1800, min: 30, max: 86400 },
  log_collection_timeout_seconds: { kind: "integer", defaultValue: 30, min: 1, max: 600 },
  cancel_grace_timeout_seconds: { kind: "integer", defaultValue: 15, min: 1, max: 300 },
  cancel_force_kill_enabled: { kind: "boolean", defaultValue: true },
  workspace_identity_key: { kind: "workspaceIdentity", defaultValue: "default" },
  agent_runtime_cutover_enabled: { kind: "boolean", defaultValue: false },
  // Not a stored key in the reference (Q3: runs always saw true); here it is a real, per-deployment setting.
  task_schema_validation_enabled: { kind: "boolean", defaultValue: true },
  k8s_namespace: { kind: "namespace", defaultValue: "default" },
  k8s_frontier_image: { kind: "image", defaultValue: DEFAULT_FRONTIER_IMAGE },
  k8s_frontier_image_tag: { kind: "imageTag", imageKey: "k8s_frontier_image" },
  k8s_vllm_image: { kind: "image", defaultValue: DEFAULT_VLLM_IMAGE },
  k8s_vllm_image_tag: { kind: "imageTag", imageKey: "k8s_vllm_image" },
  // Not in the reference: the plugin-set hash each class's image must report (bundle.json), "" = not checked.
  k8s_frontier_plugin_set_hash: { kind: "pluginSetHash" },
  k8s_vllm_plugin_set_hash: { kind: "pluginSetHash" },
  k8s_in_cluster: { kind: "boolean", defaultValue: false },
  k8s_service_account: { kind: "serviceAccount" },
  k8s_gpu_limit: { kind: "integer", defaultValue: 0, min: 0, max: 8 },
  k8s_job_ttl_seconds: { kind: "integer", defaultValue: 1800, min: 60, max: 86400 },
  k8s_image_pull_secrets_json: { kind: "pullSecrets" },
} as const satisfies Record<string, SettingSpec>;

/** A stored, non-secret setting key. */
export type NodeExecutorSettingKey = keyof typeof nodeExecutorSettingSpecs;

/** Stored setting keys in display order. */
export const NODE_EXECUTOR_SETTING_KEYS = Object.keys(nodeExecutorSettingSpecs) as NodeExecutorSettingKey[];

/** The write-only secret: encrypted at rest, never in a read, only in the runtime read. */
export const KUBECONFIG_KEY = "k8s_kubeconfig";

/** Write-only flag: `true` clears the stored kubeconfig. */
export const KUBECONFIG_CLEAR_KEY = "k8s_kubeconfig_clear";

/** Keys computed on read; they cannot be written. */
export const NODE_EXECUTOR_DERIVED_KEYS = [
  "k8s_effective_frontier_image",
  "k8s_effective_vllm_image",
  "k8s_kubeconfig_is_set",
  "k8s_kubeconfig_fingerprint",
  "k8s_kubeconfig_updated_at",
] as const;

/** Image keys from before the frontier/vLLM split; writes naming them are refused with the reference's message. */
export const LEGACY_IMAGE_KEYS = ["k8s_image", "k8s_image_tag"] as const;

/** Keys the reference removed when it went Kubernetes-only (`migrate_node_executor_to_kubernetes_only_settings`). */
export const REMOVED_KEYS = ["fallback_provider", "fallback_enabled", "fallback_on_dispatch_error", "workspace_root"] as const;

/** The settings namespace rows are stored under. */
export const NODE_EXECUTOR_NAMESPACE = "node_executor";

/** Environment variable overriding a key's default, e.g. ARK_NODE_EXECUTOR_DISPATCH_TIMEOUT_SECONDS. */
export function envVarFor(key: string): string {
  return `ARK_NODE_EXECUTOR_${key.toUpperCase()}`;
}

/** True for a stored, non-secret setting key. */
export function isNodeExecutorSettingKey(key: string): key is NodeExecutorSettingKey {
  return Object.prototype.hasOwnProperty.call(nodeExecutorSettingSpecs, key);
}
