import { describe, expect, it } from "vitest";
import { ArkError } from "../errors/index.js";
import { checkNodeExecutorSettingsPatch, planNodeExecutorSettingsPatch } from "./node-executor-settings-patch.js";

const kubeconfig = "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n";

function fieldsOf(patch: unknown): Record<string, string> {
  const result = checkNodeExecutorSettingsPatch(patch);
  if (result.ok) throw new Error(`expected ${JSON.stringify(patch)} to be rejected`);
  return result.fields;
}

function planOf(patch: unknown) {
  const result = checkNodeExecutorSettingsPatch(patch);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(patch)} to be accepted: ${JSON.stringify(result.fields)}`);
  return result.plan;
}

describe("accepted values are canonicalised; only named keys appear in the plan", () => {
  it("keeps a partial update partial", () => {
    expect(planOf({ dispatch_timeout_seconds: 120 })).toEqual({ set: { dispatch_timeout_seconds: "120" }, reset: [], kubeconfig: { action: "keep" } });
    expect(planOf({})).toEqual({ set: {}, reset: [], kubeconfig: { action: "keep" } });
  });

  it("parses integers and bool flags as strings", () => {
    expect(
      planOf({
        execution_timeout_seconds: " 600 ",
        k8s_gpu_limit: 8,
        cancel_force_kill_enabled: "off",
        agent_runtime_cutover_enabled: true,
        k8s_in_cluster: "YES",
        task_schema_validation_enabled: 0,
      }).set,
    ).toEqual({
      execution_timeout_seconds: "600",
      k8s_gpu_limit: "8",
      cancel_force_kill_enabled: "false",
      agent_runtime_cutover_enabled: "true",
      k8s_in_cluster: "true",
      task_schema_validation_enabled: "false",
    });
  });

  it("accepts the range bounds exactly", () => {
    expect(planOf({ dispatch_timeout_seconds: 5, k8s_job_ttl_seconds: 86400, k8s_gpu_limit: 0 }).set).toEqual({
      dispatch_timeout_seconds: "5",
      k8s_job_ttl_seconds: "86400",
      k8s_gpu_limit: "0",
    });
  });

  it("trims strings; null resets; blank resets keys whose blank means the default", () => {
    const plan = planOf({
      k8s_namespace: " ark-runs ",
      k8s_frontier_image: " ghcr.io/acme/f:v1 ",
      k8s_frontier_image_tag: "v2",
      k8s_vllm_image: "",
      k8s_vllm_image_tag: " ",
      workspace_identity_key: "",
      k8s_service_account: "",
      k8s_image_pull_secrets_json: null,
      dispatch_timeout_seconds: null,
    });
    expect(plan.set).toEqual({ k8s_namespace: "ark-runs", k8s_frontier_image: "ghcr.io/acme/f:v1", k8s_frontier_image_tag: "v2", k8s_service_account: "" });
    expect(plan.reset).toEqual(["k8s_vllm_image", "k8s_vllm_image_tag", "workspace_identity_key", "k8s_image_pull_secrets_json", "dispatch_timeout_seconds"]);
  });

  it("accepts provider kubernetes (any case) or empty, and never stores it", () => {
    expect(planOf({ provider: " Kubernetes " })).toEqual({ set: {}, reset: [], kubeconfig: { action: "keep" } });
    expect(planOf({ provider: "" }).set).toEqual({});
  });

  it("accepts pull secrets as a JSON string or an array", () => {
    expect(planOf({ k8s_image_pull_secrets_json: '["regcred", {"name": "other"}]' }).set.k8s_image_pull_secrets_json).toBe('["regcred", {"name": "other"}]');
    expect(planOf({ k8s_image_pull_secrets_json: ["regcred"] }).set.k8s_image_pull_secrets_json).toBe('["regcred"]');
    expect(planOf({ k8s_image_pull_secrets_json: "" }).set.k8s_image_pull_secrets_json).toBe("");
  });

  it("sets, keeps (blank) and clears the kubeconfig", () => {
    expect(planOf({ k8s_kubeconfig: kubeconfig }).kubeconfig).toEqual({ action: "set", plaintext: kubeconfig });
    expect(planOf({ k8s_kubeconfig: "   " }).kubeconfig).toEqual({ action: "keep" });
    expect(planOf({ k8s_kubeconfig_clear: true }).kubeconfig).toEqual({ action: "clear" });
    expect(planOf({ k8s_kubeconfig_clear: "false", k8s_kubeconfig: "" }).kubeconfig).toEqual({ action: "keep" });
  });
});

describe("rejected values: a message per field, every field at once", () => {
  it.each([
    ["dispatch_timeout_seconds", 4, "dispatch_timeout_seconds must be between 5 and 3600 (got 4)."],
    ["dispatch_timeout_seconds", 3601, "dispatch_timeout_seconds must be between 5 and 3600 (got 3601)."],
    ["execution_timeout_seconds", 29, "execution_timeout_seconds must be between 30 and 86400 (got 29)."],
    ["log_collection_timeout_seconds", 601, "log_collection_timeout_seconds must be between 1 and 600 (got 601)."],
    ["cancel_grace_timeout_seconds", 0, "cancel_grace_timeout_seconds must be between 1 and 300 (got 0)."],
    ["k8s_gpu_limit", 9, "k8s_gpu_limit must be between 0 and 8 (got 9)."],
    ["k8s_job_ttl_seconds", 59, "k8s_job_ttl_seconds must be between 60 and 86400 (got 59)."],
    ["dispatch_timeout_seconds", 4.5, "dispatch_timeout_seconds must be a whole number between 5 and 3600."],
    ["dispatch_timeout_seconds", "soon", "dispatch_timeout_seconds must be a whole number between 5 and 3600."],
    ["dispatch_timeout_seconds", "", "dispatch_timeout_seconds must be a whole number between 5 and 3600."],
    ["dispatch_timeout_seconds", "1_000", "dispatch_timeout_seconds must be a whole number between 5 and 3600."],
    ["dispatch_timeout_seconds", true, "dispatch_timeout_seconds must be a whole number between 5 and 3600."],
    ["cancel_force_kill_enabled", "maybe", "cancel_force_kill_enabled must be true or false (1/0, yes/no and on/off are accepted too)."],
    ["k8s_in_cluster", 2, "k8s_in_cluster must be true or false (1/0, yes/no and on/off are accepted too)."],
    ["agent_runtime_cutover_enabled", "", "agent_runtime_cutover_enabled must be true or false (1/0, yes/no and on/off are accepted too)."],
    ["provider", "docker", "Node executor provider must be kubernetes."],
    ["provider", "workspace", "Node executor provider must be kubernetes."],
    ["provider", 5, "Node executor provider must be kubernetes."],
    ["workspace_identity_key", "/srv/workspaces/a", "Workspace identity key must be a stable key, not a filesystem path."],
    ["workspace_identity_key", "a\\b", "Workspace identity key must be a stable key, not a filesystem path."],
    ["workspace_identity_key", "s3://bucket", "Workspace identity key must be a stable key, not a filesystem path."],
    ["workspace_identity_key", "-leading-dash", "Workspace identity key must start with a letter or digit and contain only letters, digits, '_', '.' or '-' (at most 128 characters)."],
    ["workspace_identity_key", "a".repeat(129), "Workspace identity key must start with a letter or digit and contain only letters, digits, '_', '.' or '-' (at most 128 characters)."],
    ["workspace_identity_key", "has space", "Workspace identity key must start with a letter or digit and contain only letters, digits, '_', '.' or '-' (at most 128 characters)."],
    ["k8s_namespace", "Ark_Runs", "k8s_namespace must be a Kubernetes namespace name: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters."],
    ["k8s_namespace", 7, "k8s_namespace must be a string."],
    ["k8s_frontier_image", "ark executor", "k8s_frontier_image is not a valid image reference: it must not contain whitespace."],
    ["k8s_vllm_image", "ark@sha256:123", "k8s_vllm_image is not a valid image reference: the digest must be @sha256: followed by 64 lower-case hex characters."],
    ["k8s_frontier_image", "//ark", "k8s_frontier_image is not a valid image reference: the repository must not start or end with '/' or contain '//'."],
    ["k8s_frontier_image", "ark:-x", "k8s_frontier_image is not a valid image reference: the tag '-x' must match ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$."],
    ["k8s_frontier_image_tag", ".hidden", "k8s_frontier_image_tag must be an image tag: a letter, digit or '_', then up to 127 letters, digits, '_', '.' or '-'."],
    ["k8s_vllm_image_tag", 2026, "k8s_vllm_image_tag must be a string."],
    ["k8s_frontier_plugin_set_hash", "sha256:" + "a".repeat(64), "k8s_frontier_plugin_set_hash must be the plugin_set_hash of an executor bundle (64 lower-case hex characters, from its bundle.json)."],
    ["k8s_vllm_plugin_set_hash", "A".repeat(64), "k8s_vllm_plugin_set_hash must be the plugin_set_hash of an executor bundle (64 lower-case hex characters, from its bundle.json)."],
    ["k8s_service_account", "Runner!", "k8s_service_account must be a Kubernetes service account name: lower-case letters, digits, '-' and '.', at most 253 characters."],
    ["k8s_image_pull_secrets_json", '{"name": "regcred"}', "Kubernetes image pull secrets JSON must be an array."],
    ["k8s_image_pull_secrets_json", '["ok", 5]', 'Kubernetes image pull secrets JSON entries must be Secret names or {"name": "<secret>"} objects.'],
    ["k8s_image_pull_secrets_json", 5, "k8s_image_pull_secrets_json must be a string."],
  ])("%s = %j → %s", (key, value, message) => {
    expect(fieldsOf({ [key]: value })).toEqual({ [key]: message });
  });

  it("rejects invalid pull-secrets JSON with the parser's reason", () => {
    expect(fieldsOf({ k8s_image_pull_secrets_json: "[regcred]" }).k8s_image_pull_secrets_json).toMatch(
      /^Kubernetes image pull secrets JSON is invalid: .+\.$/,
    );
  });

  it("rejects the legacy image keys with the reference's message", () => {
    const message = "Legacy node executor image fields are not supported. Use k8s_frontier_image/k8s_frontier_image_tag instead.";
    expect(fieldsOf({ k8s_image: "x:1", k8s_image_tag: "1" })).toEqual({ k8s_image: message, k8s_image_tag: message });
  });

  it("rejects unknown, derived and removed keys, suggesting the likely key", () => {
    expect(fieldsOf({ dispatch_timeout: 30, k8s_effective_vllm_image: "x", k8s_kubeconfig_fingerprint: "x", fallback_provider: "docker", docker_image: "x", zzz: 1 })).toEqual({
      dispatch_timeout: "Unknown node executor setting 'dispatch_timeout'. Did you mean 'dispatch_timeout_seconds'?",
      k8s_effective_vllm_image: "k8s_effective_vllm_image is derived from other settings and cannot be set.",
      k8s_kubeconfig_fingerprint: "k8s_kubeconfig_fingerprint is derived from other settings and cannot be set.",
      fallback_provider: "fallback_provider was removed: node runs are dispatched only to Kubernetes, there is no fallback provider.",
      docker_image: "docker_image was removed: node runs are dispatched only to Kubernetes, there is no fallback provider.",
      zzz: "Unknown node executor setting 'zzz'.",
    });
  });

  it("rejects a bad kubeconfig without quoting it", () => {
    const secretLine = "token: s3cr3t-token: nested";
    const fields = fieldsOf({ k8s_kubeconfig: `apiVersion: v1\n${secretLine}\n` });
    expect(fields.k8s_kubeconfig).toBe("k8s_kubeconfig is not valid YAML (line 2, column 8).");
    expect(JSON.stringify(fields)).not.toContain("s3cr3t");
    expect(fieldsOf({ k8s_kubeconfig: "just-a-token-s3cr3t" }).k8s_kubeconfig).toBe(
      "k8s_kubeconfig must be a kubeconfig document: a YAML mapping with clusters, users and contexts.",
    );
    expect(fieldsOf({ k8s_kubeconfig: null }).k8s_kubeconfig).toBe("k8s_kubeconfig cannot be null; send k8s_kubeconfig_clear: true to clear it.");
    expect(fieldsOf({ k8s_kubeconfig: { clusters: [] } }).k8s_kubeconfig).toBe("k8s_kubeconfig must be a string (the kubeconfig YAML).");
    expect(fieldsOf({ k8s_kubeconfig: `a: ${"x".repeat(1024 * 1024)}` }).k8s_kubeconfig).toBe("k8s_kubeconfig is larger than 1 MiB; a kubeconfig is a few KiB.");
    expect(fieldsOf({ k8s_kubeconfig_clear: "sometimes" })).toEqual({ k8s_kubeconfig_clear: "k8s_kubeconfig_clear must be true or false." });
    expect(fieldsOf({ k8s_kubeconfig_clear: true, k8s_kubeconfig: kubeconfig })).toEqual({
      k8s_kubeconfig_clear: "k8s_kubeconfig_clear: true cannot be combined with a new k8s_kubeconfig; send one or the other.",
    });
  });

  it("rejects a body that is not an object", () => {
    for (const body of [null, [], "x", 5]) {
      expect(fieldsOf(body)).toEqual({ "(body)": "The settings update must be a JSON object of setting → value." });
    }
  });

  it("reports every bad field at once and throws ARK_SETTINGS_INVALID with details.fields", () => {
    const patch = { dispatch_timeout_seconds: 1, provider: "docker", k8s_image: "x", k8s_namespace: "ok-ns", k8s_kubeconfig: "a: b: c" };
    let error: unknown;
    try {
      planNodeExecutorSettingsPatch(patch);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ArkError);
    const arkError = error as ArkError;
    expect(arkError.code).toBe("ARK_SETTINGS_INVALID");
    expect(Object.keys(arkError.details.fields as object).sort()).toEqual(["dispatch_timeout_seconds", "k8s_image", "k8s_kubeconfig", "provider"]);
    expect(arkError.message).toMatch(/^Node executor settings not saved; 4 fields are invalid\. dispatch_timeout_seconds: /);
    expect(arkError.message).toContain("provider: Node executor provider must be kubernetes.");
  });
});

describe("did-you-mean suggestions", () => {
  it.each([
    ["k8s_namespce", "k8s_namespace"],
    ["K8S_GPU_LIMIT", "k8s_gpu_limit"],
    ["execution_timeout", "execution_timeout_seconds"],
    ["cancel_force_kill", "cancel_force_kill_enabled"],
    ["k8s_kubeconfg", "k8s_kubeconfig"],
  ])("%s → %s", (typo, key) => {
    expect(fieldsOf({ [typo]: 1 })[typo]).toBe(`Unknown node executor setting '${typo}'. Did you mean '${key}'?`);
  });
});
