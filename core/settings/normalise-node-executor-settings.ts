/**
 * Load-side normalisation (orchestration-and-events §15.1/§15.2): defaults (overridable by ARK_NODE_EXECUTOR_* env
 * vars) merged with stored rows, then every value re-normalised — integers clamped, unparsable values and invalid
 * identity keys or images replaced by the default. Lenient on purpose: stored or legacy values never break a read.
 */
import { checkImageReference, imageTagOf, IMAGE_TAG_PATTERN, PLUGIN_SET_HASH_PATTERN, resolveEffectiveImage } from "./image-reference.js";
import {
  DEFAULT_FRONTIER_IMAGE,
  DEFAULT_VLLM_IMAGE,
  envVarFor,
  NODE_EXECUTOR_PROVIDER,
  NODE_EXECUTOR_SETTING_KEYS,
  nodeExecutorSettingSpecs,
  type NodeExecutorSettingKey,
  type SettingSpec,
} from "./node-executor-setting-keys.js";
import { boolText, clampInteger, parseBoolFlag, parseLenientInteger } from "./setting-values.js";
import { checkWorkspaceIdentityKey } from "./workspace-identity.js";

/** Environment variables as the settings read them. */
export type SettingsEnv = Readonly<Record<string, string | undefined>>;

/** Every stored setting with its normalised string value. */
export type NodeExecutorSettingValues = Readonly<Record<NodeExecutorSettingKey, string>>;

/** What a read knows about the kubeconfig secret without decrypting it. */
export interface KubeconfigState {
  readonly isSet: boolean;
  /** `sha256:` + 12 hex of the plaintext's SHA-256, computed when it was written; "" when unset. */
  readonly fingerprint: string;
  /** ISO timestamp of the last write; "" when unset. */
  readonly updatedAt: string;
}

/** True when `text` is a JSON array (the only shape image pull secrets may have). */
function isJsonArray(text: string): boolean {
  try {
    return Array.isArray(JSON.parse(text));
  } catch {
    return false;
  }
}

/** Normalises one raw value for a read; undefined means "fall back to the default". */
function loadValue(spec: SettingSpec, raw: string): string | undefined {
  const text = raw.trim();
  switch (spec.kind) {
    case "provider":
      return NODE_EXECUTOR_PROVIDER;
    case "integer": {
      const parsed = parseLenientInteger(text);
      return parsed === undefined ? undefined : String(clampInteger(parsed, spec.min, spec.max));
    }
    case "boolean": {
      const parsed = parseBoolFlag(text);
      return parsed === undefined ? undefined : boolText(parsed);
    }
    case "workspaceIdentity":
      return text !== "" && checkWorkspaceIdentityKey(text) === undefined ? text : undefined;
    case "namespace":
      return text === "" ? undefined : text;
    case "image":
      return text !== "" && checkImageReference(text).ok ? text : undefined;
    case "imageTag":
      return IMAGE_TAG_PATTERN.test(text) ? text : "";
    case "serviceAccount":
      return text;
    case "pullSecrets":
      return text === "" || isJsonArray(text) ? text : "";
    case "pluginSetHash":
      return PLUGIN_SET_HASH_PATTERN.test(text) ? text : "";
  }
}

function builtInDefault(spec: SettingSpec): string {
  switch (spec.kind) {
    case "provider":
      return NODE_EXECUTOR_PROVIDER;
    case "integer":
      return String(spec.defaultValue);
    case "boolean":
      return boolText(spec.defaultValue);
    case "workspaceIdentity":
    case "namespace":
    case "image":
      return spec.defaultValue;
    case "imageTag":
    case "serviceAccount":
    case "pullSecrets":
    case "pluginSetHash":
      return "";
  }
}

/**
 * The default of every key: the built-in value, or `ARK_NODE_EXECUTOR_<KEY>` from `env` normalised like a stored
 * value (an unparsable env value is ignored, an out-of-range one clamped). An empty image tag means "the image's own".
 */
export function nodeExecutorSettingDefaults(env: SettingsEnv = {}): NodeExecutorSettingValues {
  const defaults = {} as Record<NodeExecutorSettingKey, string>;
  for (const key of NODE_EXECUTOR_SETTING_KEYS) {
    const spec: SettingSpec = nodeExecutorSettingSpecs[key];
    const fromEnv = env[envVarFor(key)];
    const normalised = fromEnv === undefined || fromEnv.trim() === "" ? undefined : loadValue(spec, fromEnv);
    defaults[key] = normalised ?? builtInDefault(spec);
  }
  return defaults;
}

/**
 * The settings a read returns (without derived keys): defaults overlaid with `stored` rows, each normalised.
 * An unset or empty image tag becomes the tag of the configured image (so the effective image is the image itself).
 */
export function normaliseNodeExecutorSettings(
  stored: Readonly<Record<string, string | undefined>>,
  env: SettingsEnv = {},
): NodeExecutorSettingValues {
  const defaults = nodeExecutorSettingDefaults(env);
  const values = {} as Record<NodeExecutorSettingKey, string>;
  for (const key of NODE_EXECUTOR_SETTING_KEYS) {
    const raw = stored[key];
    values[key] = raw === undefined ? defaults[key] : (loadValue(nodeExecutorSettingSpecs[key], raw) ?? defaults[key]);
  }
  if (values.k8s_frontier_image_tag === "") values.k8s_frontier_image_tag = imageTagOf(values.k8s_frontier_image);
  if (values.k8s_vllm_image_tag === "") values.k8s_vllm_image_tag = imageTagOf(values.k8s_vllm_image);
  return values;
}

/** Keys computed on read: the effective image per class and the kubeconfig's is_set / fingerprint / updated_at. */
export function deriveNodeExecutorSettings(values: NodeExecutorSettingValues, kubeconfig: KubeconfigState): Readonly<Record<string, string>> {
  return {
    k8s_effective_frontier_image: resolveEffectiveImage(values.k8s_frontier_image, values.k8s_frontier_image_tag, DEFAULT_FRONTIER_IMAGE),
    k8s_effective_vllm_image: resolveEffectiveImage(values.k8s_vllm_image, values.k8s_vllm_image_tag, DEFAULT_VLLM_IMAGE),
    k8s_kubeconfig_is_set: boolText(kubeconfig.isSet),
    k8s_kubeconfig_fingerprint: kubeconfig.isSet ? kubeconfig.fingerprint : "",
    k8s_kubeconfig_updated_at: kubeconfig.isSet ? kubeconfig.updatedAt : "",
  };
}

/** The executor image for a class: `vllm` uses the vLLM image, every other class the frontier image. */
export function effectiveImageForClass(settings: Readonly<Record<string, string>>, executorClass: string): string {
  return executorClass.trim().toLowerCase() === "vllm"
    ? (settings.k8s_effective_vllm_image ?? DEFAULT_VLLM_IMAGE)
    : (settings.k8s_effective_frontier_image ?? DEFAULT_FRONTIER_IMAGE);
}

/**
 * Image pull secrets for a Job spec: names or `{name}` objects from the JSON array, trimmed, blanks and duplicates
 * dropped; anything that is not a JSON array gives [] (execution-plane §4).
 */
export function parseImagePullSecrets(json: string): Array<{ name: string }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const names: string[] = [];
  for (const entry of parsed) {
    const raw = typeof entry === "string" ? entry : typeof entry === "object" && entry !== null ? (entry as { name?: unknown }).name : undefined;
    const name = typeof raw === "string" ? raw.trim() : "";
    if (name !== "" && !names.includes(name)) names.push(name);
  }
  return names.map((name) => ({ name }));
}
