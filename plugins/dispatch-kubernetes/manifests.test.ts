// Job, ConfigMap and token Secret manifests: names, labels, GPU per class, secrets by reference, the tool host,
// ownership; validated with kubernetes-models.
import { Ajv } from "ajv";
import { Job } from "kubernetes-models/batch/v1/Job";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { describe, expect, it } from "vitest";
import {
  buildJobManifest, buildPayloadConfigMap, buildToolHostSecret, manifestInputFor, resolveDispatchParams, jobNameFor, labelValue, configMapNameFor, toolHostSecretNameFor,
} from "./index.js";
import { kubernetesDispatchConfigSchema } from "./config.js";
import { fixtureRequest } from "./test-support.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const settings = {
  k8s_namespace: "ark-runs", k8s_effective_frontier_image: "ghcr.io/acme/ark-executor-frontier:v1", k8s_effective_vllm_image: "ghcr.io/acme/ark-executor-vllm:v1",
  k8s_gpu_limit: "2", k8s_job_ttl_seconds: "900", k8s_service_account: "ark-executor", k8s_image_pull_secrets_json: '["regcred", {"name": "other"}, "regcred"]',
  dispatch_timeout_seconds: "300", execution_timeout_seconds: "1800", cancel_grace_timeout_seconds: "15", workspace_identity_key: "w".repeat(128),
};
const config = { secretEnv: { OPENAI_API_KEY: { secretName: "llm-keys", key: "openai" } }, env: { LOG_LEVEL: "debug", ARK_TOOLHOST_URL: "http://from-config.invalid" } };
const OWNER = { name: "", uid: "3f1e2d4c-0000-4000-8000-000000000001" };
const TOKEN = "v1.eyJydW4iOiIxIn0.c2lnbmF0dXJl";

function manifests(executorClass: string, request = fixtureRequest("0190f3a2-7c4e-4f6e-9d1a-5b2c3d4e5f60"), toolHostUrl: string | null = null) {
  const params = resolveDispatchParams(config, settings, executorClass);
  const input = manifestInputFor(request, params, toolHostUrl);
  const job = buildJobManifest(input);
  const owner = { ...OWNER, name: input.jobName };
  return {
    input, job, configMap: buildPayloadConfigMap(input, owner),
    secret: input.toolHost ? buildToolHostSecret(input, owner, TOKEN) : null,
  };
}

describe("names and labels", () => {
  it("job names are deterministic per node run attempt, valid DNS labels, and leave room for -payload", () => {
    const id = { nodeType: "task", nodeId: "n1", executionId: "run/ÄÖ:" + "x".repeat(300), executionIndex: 12, attempt: 3 };
    const name = jobNameFor(id);
    expect(name).toBe(jobNameFor({ ...id }));
    expect(name).toMatch(DNS_LABEL);
    expect(name.length).toBeLessThanOrEqual(55);
    expect(configMapNameFor(name).length).toBeLessThanOrEqual(63);
    expect(toolHostSecretNameFor(name).length).toBeLessThanOrEqual(63);
    expect(toolHostSecretNameFor(name)).toMatch(DNS_LABEL);
    expect(jobNameFor({ ...id, attempt: 4 })).not.toBe(name);
    expect(jobNameFor({ ...id, executionIndex: 13 })).not.toBe(name);
    expect(jobNameFor({ ...id, executionId: "" })).toMatch(DNS_LABEL);
  });

  it("label values are at most 63 valid characters; long ones keep a hash of the whole", () => {
    const long = labelValue("w".repeat(128));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(LABEL_VALUE);
    expect(labelValue("w".repeat(127) + "x")).not.toBe(long);
    expect(labelValue("-weird value/ü-")).toBe("weird-value");
    expect(labelValue("")).toBe("none");
    const { job } = manifests("frontier");
    for (const value of Object.values(job.metadata.labels as Record<string, string>)) {
      expect(value.length).toBeLessThanOrEqual(63);
      expect(value).toMatch(LABEL_VALUE);
    }
    expect(job.spec.template.metadata.labels).toEqual(job.metadata.labels);
    expect(job.metadata.annotations["ark/workspace-identity"]).toBe("w".repeat(128));
  });
});

describe("the Job manifest", () => {
  it("has the fixed execution shape: no retries, never restarted, deadline, TTL, volumes, account, pull secrets", () => {
    const { job, input } = manifests("frontier");
    expect(job.spec).toMatchObject({ backoffLimit: 0, ttlSecondsAfterFinished: 900, activeDeadlineSeconds: 300 + 1800 + 15 });
    const pod = job.spec.template.spec;
    expect(pod).toMatchObject({ restartPolicy: "Never", serviceAccountName: "ark-executor", imagePullSecrets: [{ name: "regcred" }, { name: "other" }] });
    expect(pod.volumes).toEqual([
      { name: "executor-payload", configMap: { name: input.configMapName, items: [{ key: "payload.json", path: "payload.json" }] } },
      { name: "executor-runtime", emptyDir: {} },
    ]);
    expect(pod.containers[0]).toMatchObject({ name: "executor", image: "ghcr.io/acme/ark-executor-frontier:v1", imagePullPolicy: "IfNotPresent" });
  });

  it("asks for the GPU only for the vllm class", () => {
    expect(manifests("frontier").job.spec.template.spec.containers[0].resources.limits).toEqual({ cpu: "1", memory: "1Gi" });
    const vllm = manifests("vllm").job.spec.template.spec.containers[0];
    expect(vllm.image).toBe("ghcr.io/acme/ark-executor-vllm:v1");
    expect(vllm.resources.limits).toEqual({ cpu: "1", memory: "1Gi", "nvidia.com/gpu": "2" });
    const noGpu = buildJobManifest(manifestInputFor(fixtureRequest("e1"), resolveDispatchParams(config, { ...settings, k8s_gpu_limit: "0" }, "vllm")));
    expect(noGpu.spec.template.spec.containers[0].resources.limits).not.toHaveProperty("nvidia.com/gpu");
  });

  it("takes secrets by secretKeyRef and never copies a value", () => {
    const env = manifests("frontier").job.spec.template.spec.containers[0].env as Record<string, any>[];
    expect(env[0]).toEqual({ name: "ARK_EXECUTOR_PAYLOAD_FILE", value: "/var/run/ark/payload/payload.json" });
    expect(env).toContainEqual({ name: "OPENAI_API_KEY", valueFrom: { secretKeyRef: { name: "llm-keys", key: "openai" } } });
    expect(env).toContainEqual({ name: "LOG_LEVEL", value: "debug" });
    expect(env.find((e) => e.name === "OPENAI_API_KEY")).not.toHaveProperty("value");
  });

  it("puts the v1 payload in a ConfigMap owned by the Job", () => {
    const { configMap, input } = manifests("frontier");
    expect(configMap.metadata.ownerReferences).toEqual([{ apiVersion: "batch/v1", kind: "Job", name: input.jobName, uid: "3f1e2d4c-0000-4000-8000-000000000001", controller: false, blockOwnerDeletion: true }]);
    const payload = JSON.parse(configMap.data["payload.json"]);
    expect(payload).toMatchObject({ contract_version: "v1", provider: "kubernetes", timeout_seconds: 1800, node_execution: { executor_class: "frontier", request: { execution_id: "0190f3a2-7c4e-4f6e-9d1a-5b2c3d4e5f60" } } });
    expect(configMap.metadata.labels["ark/payload"]).toBe("true");
  });
});

describe("the tool host", () => {
  const withTools = () => manifests("frontier", undefined, "http://ark.ark.svc:8080");

  it("gives the pod ARK_TOOLHOST_URL as a value and ARK_TOOLHOST_TOKEN by secretKeyRef, never the token", () => {
    const { job, input } = withTools();
    expect(input.toolHost).toEqual({ url: "http://ark.ark.svc:8080", secretName: `${input.jobName}-token` });
    const env = job.spec.template.spec.containers[0].env as Record<string, any>[];
    // The dispatcher's URL wins over a plain env of the same name from the plugin config.
    expect(env.filter((e) => e.name === "ARK_TOOLHOST_URL")).toEqual([{ name: "ARK_TOOLHOST_URL", value: "http://ark.ark.svc:8080" }]);
    expect(env).toContainEqual({ name: "ARK_TOOLHOST_TOKEN", valueFrom: { secretKeyRef: { name: `${input.jobName}-token`, key: "token" } } });
    expect(JSON.stringify(job)).not.toContain(TOKEN);
    expect(JSON.stringify(job)).not.toContain(Buffer.from(TOKEN).toString("base64"));
  });

  it("keeps the token in an immutable Secret owned by the Job, base64 as on the wire", () => {
    const { secret, input } = withTools();
    expect(secret).toMatchObject({ apiVersion: "v1", kind: "Secret", type: "Opaque", immutable: true, metadata: { name: `${input.jobName}-token`, namespace: "ark-runs" } });
    expect(secret!.metadata.ownerReferences).toEqual([{ apiVersion: "batch/v1", kind: "Job", name: input.jobName, uid: OWNER.uid, controller: false, blockOwnerDeletion: true }]);
    expect(Buffer.from(secret!.data.token, "base64").toString("utf8")).toBe(TOKEN);
    expect(secret!.metadata.labels).toMatchObject({ "ark/toolhost-token": "true", "ark/execution-id": input.labels["ark/execution-id"] });
  });

  it("without a tool host: no tool-host env (the config's own value stays), and no Secret to build", () => {
    const { job, input } = manifests("frontier");
    expect(input.toolHost).toBeNull();
    const env = job.spec.template.spec.containers[0].env as Record<string, any>[];
    expect(env.filter((e) => e.name.startsWith("ARK_TOOLHOST_"))).toEqual([{ name: "ARK_TOOLHOST_URL", value: "http://from-config.invalid" }]);
    expect(() => buildToolHostSecret(input, { ...OWNER, name: input.jobName }, TOKEN)).toThrow(/no tool host/);
  });

  it("the toolHostUrl config is an http(s) URL", () => {
    const validate = new Ajv({ strict: false }).compile(kubernetesDispatchConfigSchema as object);
    for (const ok of ["http://ark.ark.svc:8080", "https://ark.example.com/base"]) expect(validate({ toolHostUrl: ok }), ok).toBe(true);
    for (const bad of ["ark.ark.svc:8080", "ftp://ark", "http://ark svc", "http://ark/?q=1", 8080]) expect(validate({ toolHostUrl: bad }), String(bad)).toBe(false);
  });

  it("resolves the toolHostUrl override; blank means unset", () => {
    expect(resolveDispatchParams({ toolHostUrl: "http://ark.ark.svc:8080" }, settings, "frontier").toolHostUrl).toBe("http://ark.ark.svc:8080");
    expect(resolveDispatchParams({ toolHostUrl: "  " }, settings, "frontier").toolHostUrl).toBeNull();
    expect(resolveDispatchParams({}, settings, "frontier").toolHostUrl).toBeNull();
  });
});

describe("kubernetes-models validation", () => {
  it("accepts every generated manifest", () => {
    for (const cls of ["frontier", "vllm"]) {
      for (const url of [null, "http://ark.ark.svc:8080"]) {
        const { job, configMap, secret } = manifests(cls, undefined, url);
        expect(() => new Job(job as never).validate()).not.toThrow();
        expect(() => new ConfigMap(configMap as never).validate()).not.toThrow();
        if (secret) expect(() => new Secret(secret as never).validate()).not.toThrow();
      }
    }
  });

  it("rejects a broken Secret (the validation covers it)", () => {
    const { secret } = manifests("frontier", undefined, "http://ark.ark.svc:8080");
    expect(() => new Secret({ ...secret, immutable: "yes" } as never).validate()).toThrow();
  });

  it("rejects a broken manifest (the validation is real)", () => {
    const { job } = manifests("frontier");
    const broken = { ...job, spec: { ...job.spec, backoffLimit: "zero" } };
    expect(() => new Job(broken as never).validate()).toThrow();
  });
});
