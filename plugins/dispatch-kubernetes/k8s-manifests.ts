/**
 * The objects of a node run (execution-plane §4.5–4.6, with Q10, Q11, Q15 fixed): the payload ConfigMap and, when
 * tools are available, the tool-host token Secret, both owned by the Job so the garbage collector removes them with
 * it, and the Job itself. Pure functions of their inputs.
 */
import { ArkError, TOOLHOST_TOKEN_ENV, TOOLHOST_URL_ENV } from "../../core/plugin-api/index.js";
import type { DispatchParams } from "./dispatch-params.js";

/** Where the executor container finds its payload and its scratch space. */
export const PAYLOAD_MOUNT_PATH = "/var/run/ark/payload";
export const PAYLOAD_FILE_NAME = "payload.json";
export const RUNTIME_MOUNT_PATH = "/var/run/ark/runtime";
/** The executor container's name (logs are read from it). */
export const EXECUTOR_CONTAINER = "executor";
/** The key of the tool-host token in its Secret. */
export const TOOLHOST_TOKEN_KEY = "token";

/** Where the pod calls tools back: the URL (plain env) and the Secret holding the node run's token. */
export interface ToolHostAccess {
  readonly url: string;
  readonly secretName: string;
}

/** What the manifests are built from. */
export interface ManifestInput {
  readonly jobName: string;
  readonly configMapName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly payloadJson: string;
  readonly params: DispatchParams;
  /** The tool host the pod gets (null: tooling is off, no ARK_TOOLHOST_* env). */
  readonly toolHost?: ToolHostAccess | null;
}

/** The Job's owner reference, once the API server gave the Job its uid. */
export interface JobOwner {
  readonly name: string;
  readonly uid: string;
}

/** The payload ConfigMap, owned by the Job (`blockOwnerDeletion` so foreground deletes wait for it). */
export function buildPayloadConfigMap(input: ManifestInput, owner: JobOwner): Record<string, any> {
  return {
    apiVersion: "v1", kind: "ConfigMap",
    metadata: {
      name: input.configMapName, namespace: input.params.namespace,
      labels: { ...input.labels, "ark/payload": "true" }, annotations: { ...input.annotations },
      ownerReferences: [ownerReferenceOf(owner)],
    },
    data: { [PAYLOAD_FILE_NAME]: input.payloadJson },
  };
}

function ownerReferenceOf(owner: JobOwner): Record<string, unknown> {
  return { apiVersion: "batch/v1", kind: "Job", name: owner.name, uid: owner.uid, controller: false, blockOwnerDeletion: true };
}

/**
 * The node run's tool-host token as an immutable Secret owned by the Job: the Job spec only names it (secretKeyRef),
 * so the token never appears in the Job, its pod spec or anything that lists them.
 */
export function buildToolHostSecret(input: ManifestInput, owner: JobOwner, token: string): Record<string, any> {
  if (!input.toolHost) throw new ArkError("ARK_INVALID_ARGUMENT", `Node run ${input.jobName} has no tool host: there is no token Secret to build.`);
  return {
    apiVersion: "v1", kind: "Secret", type: "Opaque", immutable: true,
    metadata: {
      name: input.toolHost.secretName, namespace: input.params.namespace,
      labels: { ...input.labels, "ark/toolhost-token": "true" }, annotations: { ...input.annotations },
      ownerReferences: [ownerReferenceOf(owner)],
    },
    data: { [TOOLHOST_TOKEN_KEY]: Buffer.from(token, "utf8").toString("base64") },
  };
}

/** ARK_TOOLHOST_URL as a value, ARK_TOOLHOST_TOKEN by reference to the node run's Secret. */
function toolHostEnv(toolHost: ToolHostAccess | null | undefined): Record<string, unknown>[] {
  if (!toolHost) return [];
  return [
    { name: TOOLHOST_URL_ENV, value: toolHost.url },
    { name: TOOLHOST_TOKEN_ENV, valueFrom: { secretKeyRef: { name: toolHost.secretName, key: TOOLHOST_TOKEN_KEY } } },
  ];
}

function containerEnv(params: DispatchParams, toolHost: ToolHostAccess | null | undefined): Record<string, unknown>[] {
  // The dispatcher's own variables win over the plugin config's env (as in the process dispatcher).
  const reserved = new Set(["ARK_EXECUTOR_PAYLOAD_FILE", "ARK_EXECUTOR_RUNTIME_DIR", ...(toolHost ? [TOOLHOST_URL_ENV, TOOLHOST_TOKEN_ENV] : [])]);
  const plain = Object.entries(params.env).filter(([name]) => !reserved.has(name) && !(name in params.secretEnv)).sort(([a], [b]) => a.localeCompare(b));
  const secret = Object.entries(params.secretEnv).filter(([name]) => !reserved.has(name)).sort(([a], [b]) => a.localeCompare(b));
  return [
    { name: "ARK_EXECUTOR_PAYLOAD_FILE", value: `${PAYLOAD_MOUNT_PATH}/${PAYLOAD_FILE_NAME}` },
    { name: "ARK_EXECUTOR_RUNTIME_DIR", value: RUNTIME_MOUNT_PATH },
    ...plain.map(([name, value]) => ({ name, value })),
    ...secret.map(([name, ref]) => ({ name, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key, ...(ref.optional ? { optional: true } : {}) } } })),
    ...toolHostEnv(toolHost),
  ];
}

function containerResources(params: DispatchParams): Record<string, Record<string, string>> {
  const limits: Record<string, string> = { ...params.resources.limits } as Record<string, string>;
  // The GPU goes to the vLLM class only (fixes Q11, where every Job got it).
  if (params.executorClass === "vllm" && params.gpuLimit > 0) limits[params.gpuResourceName] = String(params.gpuLimit);
  return { requests: { ...params.resources.requests } as Record<string, string>, limits };
}

/**
 * The Job: no retries, never restarted, a hard deadline (dispatch + execution + cancel grace: the kernel enforces the
 * precise timeouts, this is the backstop when the kernel is gone), cleaned up after `k8s_job_ttl_seconds`.
 */
export function buildJobManifest(input: ManifestInput): Record<string, any> {
  const { params } = input;
  const deadline = Math.ceil((params.dispatchTimeoutMs + params.executionTimeoutMs) / 1000 + params.cancelGraceSeconds);
  return {
    apiVersion: "batch/v1", kind: "Job",
    metadata: { name: input.jobName, namespace: params.namespace, labels: { ...input.labels }, annotations: { ...input.annotations } },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: deadline,
      ttlSecondsAfterFinished: params.jobTtlSeconds,
      template: {
        metadata: { labels: { ...input.labels } },
        spec: {
          restartPolicy: "Never",
          terminationGracePeriodSeconds: Math.max(1, Math.ceil(params.cancelGraceSeconds)),
          ...(params.serviceAccount ? { serviceAccountName: params.serviceAccount } : {}),
          ...(params.imagePullSecrets.length > 0 ? { imagePullSecrets: params.imagePullSecrets.map((s) => ({ name: s.name })) } : {}),
          containers: [{
            name: EXECUTOR_CONTAINER, image: params.image, imagePullPolicy: "IfNotPresent",
            workingDir: RUNTIME_MOUNT_PATH, env: containerEnv(params, input.toolHost), resources: containerResources(params),
            volumeMounts: [
              { name: "executor-payload", mountPath: PAYLOAD_MOUNT_PATH, readOnly: true },
              { name: "executor-runtime", mountPath: RUNTIME_MOUNT_PATH },
            ],
          }],
          volumes: [
            { name: "executor-payload", configMap: { name: input.configMapName, items: [{ key: PAYLOAD_FILE_NAME, path: PAYLOAD_FILE_NAME }] } },
            { name: "executor-runtime", emptyDir: {} },
          ],
        },
      },
    },
  };
}
