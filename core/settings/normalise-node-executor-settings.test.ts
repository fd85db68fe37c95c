import { describe, expect, it } from "vitest";
import { createContractRegistry } from "../contracts/contract-registry.js";
import { contractIds, registerCoreContracts } from "../contracts/schemas/index.js";
import {
  deriveNodeExecutorSettings,
  effectiveImageForClass,
  nodeExecutorSettingDefaults,
  normaliseNodeExecutorSettings,
  parseImagePullSecrets,
} from "./normalise-node-executor-settings.js";
import { parseBoolFlag, parseLenientInteger } from "./setting-values.js";

const unsetKubeconfig = { isSet: false, fingerprint: "", updatedAt: "" };

describe("defaults (§15.2)", () => {
  it("has every reference default, with ARK's image names", () => {
    expect(nodeExecutorSettingDefaults({})).toEqual({
      provider: "kubernetes",
      dispatch_timeout_seconds: "300",
      execution_timeout_seconds: "1800",
      log_collection_timeout_seconds: "30",
      cancel_grace_timeout_seconds: "15",
      cancel_force_kill_enabled: "true",
      workspace_identity_key: "default",
      agent_runtime_cutover_enabled: "false",
      task_schema_validation_enabled: "true",
      k8s_namespace: "default",
      k8s_frontier_image: "ark-executor-frontier:latest",
      k8s_frontier_image_tag: "",
      k8s_vllm_image: "ark-executor-vllm:latest",
      k8s_vllm_image_tag: "",
      k8s_frontier_plugin_set_hash: "",
      k8s_vllm_plugin_set_hash: "",
      k8s_in_cluster: "false",
      k8s_service_account: "",
      k8s_gpu_limit: "0",
      k8s_job_ttl_seconds: "1800",
      k8s_image_pull_secrets_json: "",
    });
  });

  it("takes ARK_NODE_EXECUTOR_* env overrides, normalised like stored values", () => {
    const defaults = nodeExecutorSettingDefaults({
      ARK_NODE_EXECUTOR_DISPATCH_TIMEOUT_SECONDS: "120",
      ARK_NODE_EXECUTOR_EXECUTION_TIMEOUT_SECONDS: "999999", // clamped to 86400
      ARK_NODE_EXECUTOR_LOG_COLLECTION_TIMEOUT_SECONDS: "soon", // unparsable → built-in default
      ARK_NODE_EXECUTOR_AGENT_RUNTIME_CUTOVER_ENABLED: "yes",
      ARK_NODE_EXECUTOR_CANCEL_FORCE_KILL_ENABLED: "perhaps", // unknown word → default true
      ARK_NODE_EXECUTOR_K8S_NAMESPACE: "  ark-runs ",
      ARK_NODE_EXECUTOR_K8S_FRONTIER_IMAGE: "ghcr.io/acme/frontier:v1",
      ARK_NODE_EXECUTOR_K8S_VLLM_IMAGE_TAG: "v9",
      ARK_NODE_EXECUTOR_WORKSPACE_IDENTITY_KEY: "/tmp/ws", // a path → default
      ARK_NODE_EXECUTOR_PROVIDER: "docker", // always kubernetes
      ARK_NODE_EXECUTOR_K8S_GPU_LIMIT: "",
      LLMCTL_NODE_EXECUTOR_K8S_GPU_LIMIT: "4", // the reference's prefix is not ours
    });
    expect(defaults).toMatchObject({
      dispatch_timeout_seconds: "120",
      execution_timeout_seconds: "86400",
      log_collection_timeout_seconds: "30",
      agent_runtime_cutover_enabled: "true",
      cancel_force_kill_enabled: "true",
      k8s_namespace: "ark-runs",
      k8s_frontier_image: "ghcr.io/acme/frontier:v1",
      k8s_vllm_image_tag: "v9",
      workspace_identity_key: "default",
      provider: "kubernetes",
      k8s_gpu_limit: "0",
    });
  });
});

describe("normaliseNodeExecutorSettings: clamps and fallbacks on load", () => {
  it.each([
    ["dispatch_timeout_seconds", "1", "5"],
    ["dispatch_timeout_seconds", "99999", "3600"],
    ["execution_timeout_seconds", "29", "30"],
    ["execution_timeout_seconds", "86401", "86400"],
    ["log_collection_timeout_seconds", "0", "1"],
    ["log_collection_timeout_seconds", "601", "600"],
    ["cancel_grace_timeout_seconds", "-5", "1"],
    ["cancel_grace_timeout_seconds", "301", "300"],
    ["k8s_gpu_limit", "-1", "0"],
    ["k8s_gpu_limit", "9", "8"],
    ["k8s_job_ttl_seconds", "59", "60"],
    ["k8s_job_ttl_seconds", "86401", "86400"],
    ["dispatch_timeout_seconds", " 3_600 ", "3600"],
    ["dispatch_timeout_seconds", "+42", "42"],
    ["dispatch_timeout_seconds", "4.5", "300"],
    ["dispatch_timeout_seconds", "", "300"],
    ["k8s_gpu_limit", "two", "0"],
  ])("%s stored as %j reads %j", (key, stored, expected) => {
    expect(normaliseNodeExecutorSettings({ [key]: stored })[key as "provider"]).toBe(expected);
  });

  it.each([
    ["cancel_force_kill_enabled", "0", "false"],
    ["cancel_force_kill_enabled", "OFF", "false"],
    ["cancel_force_kill_enabled", "maybe", "true"],
    ["agent_runtime_cutover_enabled", "On", "true"],
    ["agent_runtime_cutover_enabled", " 1 ", "true"],
    ["agent_runtime_cutover_enabled", "garbage", "false"],
    ["k8s_in_cluster", "yes", "true"],
    ["k8s_in_cluster", "", "false"],
  ])("bool %s stored as %j reads %j", (key, stored, expected) => {
    expect(normaliseNodeExecutorSettings({ [key]: stored })[key as "provider"]).toBe(expected);
  });

  it("forces the provider, defaults an empty namespace, trims the service account", () => {
    const values = normaliseNodeExecutorSettings({ provider: "docker", k8s_namespace: "  ", k8s_service_account: " runner " });
    expect(values).toMatchObject({ provider: "kubernetes", k8s_namespace: "default", k8s_service_account: "runner" });
  });

  it("falls back to the default for an invalid workspace identity key or image, to \"\" for bad pull secrets", () => {
    expect(normaliseNodeExecutorSettings({ workspace_identity_key: "a/b" }).workspace_identity_key).toBe("default");
    expect(normaliseNodeExecutorSettings({ workspace_identity_key: "-x" }).workspace_identity_key).toBe("default");
    expect(normaliseNodeExecutorSettings({ workspace_identity_key: " team.a-1 " }).workspace_identity_key).toBe("team.a-1");
    expect(normaliseNodeExecutorSettings({ k8s_frontier_image: "bad image" }).k8s_frontier_image).toBe("ark-executor-frontier:latest");
    expect(normaliseNodeExecutorSettings({ k8s_image_pull_secrets_json: "{" }).k8s_image_pull_secrets_json).toBe("");
    expect(normaliseNodeExecutorSettings({ k8s_image_pull_secrets_json: '{"a":1}' }).k8s_image_pull_secrets_json).toBe("");
    expect(normaliseNodeExecutorSettings({ k8s_image_pull_secrets_json: '["regcred"]' }).k8s_image_pull_secrets_json).toBe('["regcred"]');
  });

  it("stored values win over env defaults; unknown stored keys are ignored", () => {
    const env = { ARK_NODE_EXECUTOR_K8S_NAMESPACE: "from-env", ARK_NODE_EXECUTOR_K8S_GPU_LIMIT: "2" };
    const values = normaliseNodeExecutorSettings({ k8s_namespace: "stored", docker_image: "x", k8s_image: "y" }, env);
    expect(values.k8s_namespace).toBe("stored");
    expect(values.k8s_gpu_limit).toBe("2");
    expect(values).not.toHaveProperty("docker_image");
    expect(values).not.toHaveProperty("k8s_image");
  });
});

describe("image tags and effective images", () => {
  it("derives an unset tag from the configured image", () => {
    const values = normaliseNodeExecutorSettings({ k8s_frontier_image: "ghcr.io/acme/frontier:v7", k8s_vllm_image: "localhost:5000/vllm" });
    expect(values.k8s_frontier_image_tag).toBe("v7");
    expect(values.k8s_vllm_image_tag).toBe("");
    const derived = deriveNodeExecutorSettings(values, unsetKubeconfig);
    expect(derived.k8s_effective_frontier_image).toBe("ghcr.io/acme/frontier:v7");
    expect(derived.k8s_effective_vllm_image).toBe("localhost:5000/vllm");
  });

  it("a configured tag replaces the image's tag; an env tag is the default tag", () => {
    const values = normaliseNodeExecutorSettings(
      { k8s_frontier_image: "ghcr.io/acme/frontier:latest", k8s_frontier_image_tag: "v2026.02.18" },
      { ARK_NODE_EXECUTOR_K8S_VLLM_IMAGE_TAG: "gpu-3" },
    );
    const derived = deriveNodeExecutorSettings(values, unsetKubeconfig);
    expect(derived.k8s_effective_frontier_image).toBe("ghcr.io/acme/frontier:v2026.02.18");
    expect(derived.k8s_effective_vllm_image).toBe("ark-executor-vllm:gpu-3");
    expect(effectiveImageForClass(derived, "vllm")).toBe("ark-executor-vllm:gpu-3");
    expect(effectiveImageForClass(derived, "frontier")).toBe("ghcr.io/acme/frontier:v2026.02.18");
    expect(effectiveImageForClass(derived, "anything-else")).toBe("ghcr.io/acme/frontier:v2026.02.18");
  });

  it("an invalid stored tag reads as the image's own tag", () => {
    expect(normaliseNodeExecutorSettings({ k8s_frontier_image_tag: "-x" }).k8s_frontier_image_tag).toBe("latest");
  });
});

describe("kubeconfig derived keys", () => {
  it("reports is_set, fingerprint and updated_at only when set", () => {
    const values = normaliseNodeExecutorSettings({});
    expect(deriveNodeExecutorSettings(values, unsetKubeconfig)).toMatchObject({
      k8s_kubeconfig_is_set: "false",
      k8s_kubeconfig_fingerprint: "",
      k8s_kubeconfig_updated_at: "",
    });
    const set = { isSet: true, fingerprint: "sha256:0123456789ab", updatedAt: "2026-02-27T10:00:00.000Z" };
    expect(deriveNodeExecutorSettings(values, set)).toMatchObject({
      k8s_kubeconfig_is_set: "true",
      k8s_kubeconfig_fingerprint: "sha256:0123456789ab",
      k8s_kubeconfig_updated_at: "2026-02-27T10:00:00.000Z",
    });
  });

  it("the full view matches the redacted-settings contract", () => {
    const registry = createContractRegistry();
    registerCoreContracts(registry);
    const values = normaliseNodeExecutorSettings({ k8s_image_pull_secrets_json: '["a"]' });
    const view = { ...values, ...deriveNodeExecutorSettings(values, { isSet: true, fingerprint: "sha256:0123456789ab", updatedAt: "2026-02-27T10:00:00.000Z" }) };
    expect(registry.check(contractIds.nodeExecutorSettings, view)).toEqual({ valid: true });
    expect(registry.check(contractIds.nodeExecutorSettings, { ...view, k8s_kubeconfig: "x" }).valid).toBe(false);
  });
});

describe("value parsing", () => {
  it("parses bool flags", () => {
    for (const v of [true, 1, "1", "true", "TRUE", " yes ", "on"]) expect(parseBoolFlag(v)).toBe(true);
    for (const v of [false, 0, "0", "false", "No", "off"]) expect(parseBoolFlag(v)).toBe(false);
    for (const v of ["", "maybe", 2, null, undefined, {}, "y"]) expect(parseBoolFlag(v)).toBeUndefined();
  });

  it("parses integers like the reference's int()", () => {
    expect(parseLenientInteger(" 12 ")).toBe(12);
    expect(parseLenientInteger("1_000")).toBe(1000);
    expect(parseLenientInteger("-3")).toBe(-3);
    for (const v of ["1__0", "_1", "1.0", "1e3", "", "0x10", "99999999999999999999"]) expect(parseLenientInteger(v)).toBeUndefined();
  });

  it("parses image pull secrets for a Job spec", () => {
    expect(parseImagePullSecrets('["regcred", {"name": " other "}, "regcred", "", {"nope": 1}, 5]')).toEqual([{ name: "regcred" }, { name: "other" }]);
    expect(parseImagePullSecrets("")).toEqual([]);
    expect(parseImagePullSecrets('{"name":"x"}')).toEqual([]);
  });
});
