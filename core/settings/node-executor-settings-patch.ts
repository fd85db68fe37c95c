/**
 * Save-side validation of a partial settings update. Strict where load is lenient: an explicit operator write that is
 * out of range or malformed is rejected (with a message per field, every bad field at once) rather than silently
 * clamped or defaulted. Only the keys named change; `null` resets a key to its default.
 */
import { ArkError } from "../errors/index.js";
import { closestKey } from "./closest-key.js";
import { checkImageReference, IMAGE_TAG_PATTERN, PLUGIN_SET_HASH_PATTERN } from "./image-reference.js";
import { checkKubeconfigDocument } from "./kubeconfig-document.js";
import {
  isNodeExecutorSettingKey,
  KUBECONFIG_CLEAR_KEY,
  KUBECONFIG_KEY,
  LEGACY_IMAGE_KEYS,
  NODE_EXECUTOR_DERIVED_KEYS,
  NODE_EXECUTOR_PROVIDER,
  NODE_EXECUTOR_SETTING_KEYS,
  nodeExecutorSettingSpecs,
  REMOVED_KEYS,
  type NodeExecutorSettingKey,
  type SettingSpec,
} from "./node-executor-setting-keys.js";
import { boolText, parseBoolFlag, parseStrictInteger } from "./setting-values.js";
import { checkWorkspaceIdentityKey } from "./workspace-identity.js";

/** What a valid update does to the kubeconfig secret. */
export type KubeconfigChange = { readonly action: "keep" } | { readonly action: "set"; readonly plaintext: string } | { readonly action: "clear" };

/** A validated update: values to store (canonical strings), keys to reset to their default, the secret change. */
export interface NodeExecutorSettingsPatchPlan {
  readonly set: Readonly<Partial<Record<NodeExecutorSettingKey, string>>>;
  readonly reset: readonly NodeExecutorSettingKey[];
  readonly kubeconfig: KubeconfigChange;
}

/** The reference's messages, kept word for word. */
export const PROVIDER_MESSAGE = "Node executor provider must be kubernetes.";
export const LEGACY_IMAGE_MESSAGE = "Legacy node executor image fields are not supported. Use k8s_frontier_image/k8s_frontier_image_tag instead.";

const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

type SaveOutcome = { store: string } | { reset: true } | { unchanged: true } | { problem: string };

function stringValue(key: string, value: unknown, check: (text: string) => string | undefined, blankResets: boolean): SaveOutcome {
  if (typeof value !== "string") return { problem: `${key} must be a string.` };
  const text = value.trim();
  if (text === "" && blankResets) return { reset: true };
  const problem = text === "" ? undefined : check(text);
  return problem ? { problem } : { store: text };
}

function pullSecretsProblem(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return `Kubernetes image pull secrets JSON is invalid: ${(err as Error).message.replace(/\.$/, "")}.`;
  }
  if (!Array.isArray(parsed)) return "Kubernetes image pull secrets JSON must be an array.";
  const valid = parsed.every((entry) => {
    const name = typeof entry === "object" && entry !== null && !Array.isArray(entry) ? (entry as { name?: unknown }).name : entry;
    return typeof name === "string" && DNS_SUBDOMAIN.test(name.trim());
  });
  return valid ? undefined : 'Kubernetes image pull secrets JSON entries must be Secret names or {"name": "<secret>"} objects.';
}

// Text checks per kind: why `text` (trimmed, non-empty) is not acceptable for `key`, or undefined.
const textChecks = {
  workspaceIdentity: (_key: string, text: string) => checkWorkspaceIdentityKey(text),
  namespace: (key: string, text: string) =>
    DNS_LABEL.test(text)
      ? undefined
      : `${key} must be a Kubernetes namespace name: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters.`,
  image: (key: string, text: string) => {
    const check = checkImageReference(text);
    return check.ok ? undefined : `${key} is not a valid image reference: ${check.problem}.`;
  },
  imageTag: (key: string, text: string) =>
    IMAGE_TAG_PATTERN.test(text) ? undefined : `${key} must be an image tag: a letter, digit or '_', then up to 127 letters, digits, '_', '.' or '-'.`,
  serviceAccount: (key: string, text: string) =>
    DNS_SUBDOMAIN.test(text)
      ? undefined
      : `${key} must be a Kubernetes service account name: lower-case letters, digits, '-' and '.', at most 253 characters.`,
  pullSecrets: (_key: string, text: string) => pullSecretsProblem(text),
  pluginSetHash: (key: string, text: string) =>
    PLUGIN_SET_HASH_PATTERN.test(text) ? undefined : `${key} must be the plugin_set_hash of an executor bundle (64 lower-case hex characters, from its bundle.json).`,
} as const;

// For these kinds a blank value means "the default", so it resets; for the others "" is a value of its own.
const BLANK_RESETS = new Set<SettingSpec["kind"]>(["workspaceIdentity", "namespace", "image", "imageTag", "pluginSetHash"]);

/** Validates one written value for `key`; `null` always resets to the default. */
function saveValue(key: NodeExecutorSettingKey, spec: SettingSpec, value: unknown): SaveOutcome {
  if (value === null) return { reset: true };
  switch (spec.kind) {
    case "provider": {
      const text = typeof value === "string" ? value.trim().toLowerCase() : undefined;
      return text === "" || text === NODE_EXECUTOR_PROVIDER ? { unchanged: true } : { problem: PROVIDER_MESSAGE };
    }
    case "integer": {
      const parsed = parseStrictInteger(value);
      const range = `between ${spec.min} and ${spec.max}`;
      if (parsed === undefined) return { problem: `${key} must be a whole number ${range}.` };
      if (parsed < spec.min || parsed > spec.max) return { problem: `${key} must be ${range} (got ${parsed}).` };
      return { store: String(parsed) };
    }
    case "boolean": {
      const parsed = parseBoolFlag(value);
      if (parsed === undefined) return { problem: `${key} must be true or false (1/0, yes/no and on/off are accepted too).` };
      return { store: boolText(parsed) };
    }
    default: {
      const written = spec.kind === "pullSecrets" && Array.isArray(value) ? JSON.stringify(value) : value;
      return stringValue(key, written, (text) => textChecks[spec.kind](key, text), BLANK_RESETS.has(spec.kind));
    }
  }
}

/** The message for a key that is not a writable setting. */
function notWritableMessage(key: string): string {
  if ((LEGACY_IMAGE_KEYS as readonly string[]).includes(key)) return LEGACY_IMAGE_MESSAGE;
  if ((NODE_EXECUTOR_DERIVED_KEYS as readonly string[]).includes(key)) return `${key} is derived from other settings and cannot be set.`;
  if ((REMOVED_KEYS as readonly string[]).includes(key) || key.startsWith("docker_")) {
    return `${key} was removed: node runs are dispatched only to Kubernetes, there is no fallback provider.`;
  }
  const suggestion = closestKey(key, [...NODE_EXECUTOR_SETTING_KEYS, KUBECONFIG_KEY, KUBECONFIG_CLEAR_KEY]);
  return `Unknown node executor setting '${key}'.${suggestion ? ` Did you mean '${suggestion}'?` : ""}`;
}

function kubeconfigChange(patch: Record<string, unknown>, problems: Record<string, string>): KubeconfigChange {
  const clearFlag = patch[KUBECONFIG_CLEAR_KEY] === undefined ? false : parseBoolFlag(patch[KUBECONFIG_CLEAR_KEY]);
  if (clearFlag === undefined) problems[KUBECONFIG_CLEAR_KEY] = `${KUBECONFIG_CLEAR_KEY} must be true or false.`;
  const value = patch[KUBECONFIG_KEY];
  let change: KubeconfigChange = clearFlag === true ? { action: "clear" } : { action: "keep" };
  if (value === null) {
    problems[KUBECONFIG_KEY] = `${KUBECONFIG_KEY} cannot be null; send ${KUBECONFIG_CLEAR_KEY}: true to clear it.`;
  } else if (value !== undefined && typeof value !== "string") {
    problems[KUBECONFIG_KEY] = `${KUBECONFIG_KEY} must be a string (the kubeconfig YAML).`;
  } else if (typeof value === "string" && value.trim() !== "") {
    // Blank means "leave the stored secret as it is" (a password field left empty), as in the reference.
    const problem = checkKubeconfigDocument(value);
    if (problem) problems[KUBECONFIG_KEY] = problem;
    else if (clearFlag === true) problems[KUBECONFIG_CLEAR_KEY] = `${KUBECONFIG_CLEAR_KEY}: true cannot be combined with a new ${KUBECONFIG_KEY}; send one or the other.`;
    else change = { action: "set", plaintext: value };
  }
  return change;
}

/** Validates an update; every problem is reported at once as `fields[key] = message`. */
export function checkNodeExecutorSettingsPatch(
  patch: unknown,
): { ok: true; plan: NodeExecutorSettingsPatchPlan } | { ok: false; fields: Record<string, string> } {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    return { ok: false, fields: { "(body)": "The settings update must be a JSON object of setting → value." } };
  }
  const input = patch as Record<string, unknown>;
  const fields: Record<string, string> = {};
  const set: Partial<Record<NodeExecutorSettingKey, string>> = {};
  const reset: NodeExecutorSettingKey[] = [];
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined || key === KUBECONFIG_KEY || key === KUBECONFIG_CLEAR_KEY) continue;
    if (!isNodeExecutorSettingKey(key)) {
      fields[key] = notWritableMessage(key);
      continue;
    }
    const outcome = saveValue(key, nodeExecutorSettingSpecs[key], value);
    if ("problem" in outcome) fields[key] = outcome.problem;
    else if ("store" in outcome) set[key] = outcome.store;
    else if ("reset" in outcome) reset.push(key);
  }
  const kubeconfig = kubeconfigChange(input, fields);
  return Object.keys(fields).length > 0 ? { ok: false, fields } : { ok: true, plan: { set, reset, kubeconfig } };
}

/** Validates an update, throwing ARK_SETTINGS_INVALID (details.fields = { key: message }) when any field is bad. */
export function planNodeExecutorSettingsPatch(patch: unknown): NodeExecutorSettingsPatchPlan {
  const result = checkNodeExecutorSettingsPatch(patch);
  if (result.ok) return result.plan;
  const entries = Object.entries(result.fields);
  const summary = entries.map(([key, message]) => `${key}: ${message}`).join(" ");
  throw new ArkError(
    "ARK_SETTINGS_INVALID",
    `Node executor settings not saved; ${entries.length === 1 ? "1 field is" : `${entries.length} fields are`} invalid. ${summary}`,
    { details: { fields: result.fields } },
  );
}
