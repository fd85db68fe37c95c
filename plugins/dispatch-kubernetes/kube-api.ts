/**
 * The Kubernetes API calls the dispatcher makes (`@kubernetes/client-node` 1.4 object-parameter API; no kubectl).
 * Every call is bounded by a timeout and the caller's signal, and fails as an ArkError (kube-errors.ts).
 */
import { AuthorizationV1Api, BatchV1Api, CoreV1Api, KubeConfig, Observable, VersionApi, type RequestContext, type ResponseContext, type V1Job, type V1Pod } from "@kubernetes/client-node";
import { ArkError, errorMessage } from "../../core/plugin-api/index.js";
import type { KubeSource } from "./dispatch-params.js";
import { kubeError } from "./kube-errors.js";

/** Loads a KubeConfig from a source; ARK_K8S_CONFIG_MISSING / ARK_K8S_CONFIG_INVALID when it cannot. */
export function loadKubeConfig(source: KubeSource): KubeConfig {
  const kc = new KubeConfig();
  if (source.kind === "missing") {
    throw new ArkError("ARK_K8S_CONFIG_MISSING", "Kubernetes out-of-cluster mode requires a kubeconfig, and none is stored (k8s_kubeconfig) or configured (kubeconfigPath).");
  }
  try {
    if (source.kind === "file") kc.loadFromFile(source.path);
    else if (source.kind === "inCluster") kc.loadFromCluster();
    else kc.loadFromString(source.kubeconfig);
  } catch (err) {
    throw new ArkError("ARK_K8S_CONFIG_INVALID", `Cannot load the Kubernetes configuration (${source.kind}): ${errorMessage(err)}`, { cause: err });
  }
  if (!kc.getCurrentCluster()) throw new ArkError("ARK_K8S_CONFIG_INVALID", `The kubeconfig (${source.kind}) has no current cluster.`);
  return kc;
}

/** One access question for a SelfSubjectAccessReview. */
export interface AccessQuestion {
  readonly verb: string;
  readonly resource: string;
  readonly group?: string;
  readonly subresource?: string;
}

/** The API calls, bound to one cluster. */
export class KubeApi {
  private readonly core: CoreV1Api;
  private readonly batch: BatchV1Api;
  private readonly authz: AuthorizationV1Api;
  private readonly version: VersionApi;
  /** The API server's URL (for messages). */
  readonly server: string;

  constructor(kc: KubeConfig, private readonly timeoutMs: number) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.batch = kc.makeApiClient(BatchV1Api);
    this.authz = kc.makeApiClient(AuthorizationV1Api);
    this.version = kc.makeApiClient(VersionApi);
    this.server = kc.getCurrentCluster()?.server ?? "";
  }

  /** Runs one call with a timeout and the caller's signal, mapping failures to ArkErrors. */
  private async call<T>(action: string, run: (options: { middleware: unknown[]; middlewareMergeStrategy: "append" }) => Promise<T>, signal?: AbortSignal, timeoutMs = this.timeoutMs): Promise<T> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    // The object API takes observable-style middleware: this one only attaches the abort signal to the request.
    const middleware = [{
      pre: (ctx: RequestContext) => {
        ctx.setSignal(combined);
        return new Observable(Promise.resolve(ctx));
      },
      post: (ctx: ResponseContext) => new Observable(Promise.resolve(ctx)),
    }];
    try {
      return await run({ middleware, middlewareMergeStrategy: "append" });
    } catch (err) {
      throw kubeError(err, action, timeout.aborted);
    }
  }

  /** The API server version (`GET /version`). */
  serverVersion(signal?: AbortSignal): Promise<string> {
    return this.call("read the server version", async (o) => (await this.version.getCode(o as never)).gitVersion, signal);
  }

  readNamespace(name: string, signal?: AbortSignal): Promise<unknown> {
    return this.call(`read namespace ${name}`, (o) => this.core.readNamespace({ name }, o as never), signal);
  }

  createJob(namespace: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<V1Job> {
    return this.call(`create job ${String((body.metadata as { name?: string })?.name)}`, (o) => this.batch.createNamespacedJob({ namespace, body: body as V1Job }, o as never), signal);
  }

  readJob(namespace: string, name: string, signal?: AbortSignal): Promise<V1Job> {
    return this.call(`read job ${name}`, (o) => this.batch.readNamespacedJob({ namespace, name }, o as never), signal);
  }

  /** Deletes a Job; `propagationPolicy` Background deletes its pods, and with them the owned ConfigMap and Secret. */
  deleteJob(namespace: string, name: string, gracePeriodSeconds: number, signal?: AbortSignal): Promise<unknown> {
    return this.call(`delete job ${name}`, (o) => this.batch.deleteNamespacedJob({ namespace, name, gracePeriodSeconds, propagationPolicy: "Background" }, o as never), signal);
  }

  createConfigMap(namespace: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    return this.call(`create configmap ${String((body.metadata as { name?: string })?.name)}`, (o) => this.core.createNamespacedConfigMap({ namespace, body: body as never }, o as never), signal);
  }

  readConfigMap(namespace: string, name: string, signal?: AbortSignal): Promise<{ data?: Record<string, string> }> {
    return this.call(`read configmap ${name}`, (o) => this.core.readNamespacedConfigMap({ namespace, name }, o as never), signal);
  }

  /** Creates a Secret (the node run's tool-host token); the body's values are never part of error messages. */
  createSecret(namespace: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    return this.call(`create secret ${String((body.metadata as { name?: string })?.name)}`, (o) => this.core.createNamespacedSecret({ namespace, body: body as never }, o as never), signal);
  }

  /** Pods of a Job, by the `job-name` label the Job controller sets. */
  async listJobPods(namespace: string, jobName: string, signal?: AbortSignal): Promise<V1Pod[]> {
    const list = await this.call(`list pods of job ${jobName}`, (o) => this.core.listNamespacedPod({ namespace, labelSelector: `job-name=${jobName}` }, o as never), signal);
    return list.items;
  }

  deletePod(namespace: string, name: string, gracePeriodSeconds: number, signal?: AbortSignal): Promise<unknown> {
    return this.call(`delete pod ${name}`, (o) => this.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds }, o as never), signal);
  }

  /** The executor container's whole log so far. */
  readLog(namespace: string, pod: string, container: string, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    return this.call(`read the log of pod ${pod}`, async (o) => String(await this.core.readNamespacedPodLog({ namespace, name: pod, container }, o as never) ?? ""), signal, timeoutMs);
  }

  /** Asks the API server whether ARK's own identity may do something. */
  async mayI(namespace: string, q: AccessQuestion, signal?: AbortSignal): Promise<{ allowed: boolean; reason: string }> {
    const body = { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { namespace, verb: q.verb, group: q.group ?? "", resource: q.resource, ...(q.subresource ? { subresource: q.subresource } : {}) } } };
    const review = await this.call(`review access ${q.verb} ${q.resource}`, (o) => this.authz.createSelfSubjectAccessReview({ body: body as never }, o as never), signal);
    return { allowed: review.status?.allowed === true, reason: review.status?.reason ?? review.status?.evaluationError ?? "" };
  }
}
