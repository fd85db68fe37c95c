/**
 * Node-executor runtime settings (orchestration-and-events §15): the DB-backed service, and the pure rules the HTTP
 * API and the Kubernetes dispatcher reuse (defaults, load normalisation, save validation, image references).
 */
export { createNodeExecutorSettingsService, type NodeExecutorSettingsServiceOptions } from "./node-executor-settings-service.js";
export type {
  NodeExecutorRuntimeSettings,
  NodeExecutorSettingsService,
  NodeExecutorSettingsView,
  SettingsChange,
  SettingsUpdateOptions,
} from "./node-executor-settings-port.js";
export {
  DEFAULT_FRONTIER_IMAGE,
  DEFAULT_VLLM_IMAGE,
  KUBECONFIG_CLEAR_KEY,
  KUBECONFIG_KEY,
  LEGACY_IMAGE_KEYS,
  NODE_EXECUTOR_DERIVED_KEYS,
  NODE_EXECUTOR_NAMESPACE,
  NODE_EXECUTOR_PROVIDER,
  NODE_EXECUTOR_SETTING_KEYS,
  envVarFor,
  isNodeExecutorSettingKey,
  nodeExecutorSettingSpecs,
  type NodeExecutorSettingKey,
  type SettingSpec,
} from "./node-executor-setting-keys.js";
export {
  deriveNodeExecutorSettings,
  effectiveImageForClass,
  nodeExecutorSettingDefaults,
  normaliseNodeExecutorSettings,
  parseImagePullSecrets,
  type KubeconfigState,
  type NodeExecutorSettingValues,
  type SettingsEnv,
} from "./normalise-node-executor-settings.js";
export {
  LEGACY_IMAGE_MESSAGE,
  PROVIDER_MESSAGE,
  checkNodeExecutorSettingsPatch,
  planNodeExecutorSettingsPatch,
  type KubeconfigChange,
  type NodeExecutorSettingsPatchPlan,
} from "./node-executor-settings-patch.js";
export { checkImageReference, imageTagOf, IMAGE_TAG_PATTERN, resolveEffectiveImage, type ImageReference } from "./image-reference.js";
export {
  WORKSPACE_IDENTITY_PATH_MESSAGE,
  WORKSPACE_IDENTITY_PATTERN,
  checkWorkspaceIdentityKey,
  normaliseWorkspaceIdentityKey,
} from "./workspace-identity.js";
export { boolText, clampInteger, parseBoolFlag, parseLenientInteger, parseStrictInteger } from "./setting-values.js";
export { SECRET_KEY_ENV, createSecretBox, secretBoxFromEnv, secretFingerprint, type SecretBox } from "./secret-box.js";
