/**
 * The `kubernetes` dispatcher contribution: one Job per node run (node-run-dispatch.ts), cancel by dispatch id, and
 * the preflight. The plugin binds it to its config and the settings store at init; kube clients are cached per
 * cluster source so a changed kubeconfig takes effect on the next dispatch.
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import {
  ArkError, errorMessage, isArkError,
  type DispatcherContribution, type DispatchOptions, type ExecutionRequest, type ExecutionResult, type NodeExecutorSettingsService, type PreflightCheckResult, type ToolHostIssuer,
} from "../../core/plugin-api/index.js";
import type { KubernetesDispatchConfig } from "./config.js";
import { kubeSourceOf, resolveDispatchParams, type DispatchParams, type KubeSource } from "./dispatch-params.js";
import { KubeApi, loadKubeConfig } from "./kube-api.js";
import { cancelJob } from "./job-cancel.js";
import { dispatchNodeRun } from "./node-run-dispatch.js";
import { jobNameFor, nodeRunIdentity } from "./k8s-names.js";
import { runKubernetesPreflight } from "./preflight.js";
import { probeNotRun, probeVerdict, toolHostProbeRequest } from "./tool-host-probe.js";

/** The dispatcher id. */
export const KUBERNETES_DISPATCHER_ID = "kubernetes";

interface Binding {
  readonly config: KubernetesDispatchConfig;
  readonly settings: NodeExecutorSettingsService;
  readonly toolHostIssuer: () => ToolHostIssuer | null;
}

function sourceKey(source: KubeSource): string {
  if (source.kind === "file") {
    const mtime = (() => { try { return statSync(source.path).mtimeMs; } catch { return 0; } })();
    return `file:${source.path}:${mtime}`;
  }
  if (source.kind === "inline") return `inline:${createHash("sha256").update(source.kubeconfig).digest("hex")}`;
  return source.kind;
}

/** Dispatches node runs as Kubernetes Jobs. */
export class KubernetesDispatcher implements DispatcherContribution {
  readonly id = KUBERNETES_DISPATCHER_ID;
  readonly description = "Runs each node run as a Kubernetes Job (payload ConfigMap owned by the Job; markers and result read from the pod log).";
  private binding: Binding | null = null;
  private detach = new AbortController();
  private readonly clients = new Map<string, KubeApi>();
  /** Cancel switches of the dispatches this process is watching, by Job name. */
  private readonly running = new Map<string, AbortController>();

  /** Binds the dispatcher to a kernel's config, settings and tool-host issuer (plugin init; no issuer = pods get no tool host). */
  bind(config: KubernetesDispatchConfig, settings: NodeExecutorSettingsService, toolHostIssuer: () => ToolHostIssuer | null = () => null): void {
    this.binding = { config, settings, toolHostIssuer };
    this.detach = new AbortController();
  }

  /** Stops watching every Job (kernel stop): the Jobs keep running and a later dispatch of the same node run adopts them. */
  unbind(): void {
    this.detach.abort();
    this.binding = null;
    this.clients.clear();
  }

  private bound(): Binding {
    if (!this.binding) throw new ArkError("ARK_KERNEL_STATE", "The kubernetes dispatcher was used before its plugin's init ran, or after it stopped.");
    return this.binding;
  }

  private apiFor(source: KubeSource, timeoutMs: number): KubeApi {
    const key = `${sourceKey(source)}|${timeoutMs}`;
    let api = this.clients.get(key);
    if (!api) {
      api = new KubeApi(loadKubeConfig(source), timeoutMs);
      this.clients.set(key, api);
    }
    return api;
  }

  async dispatch(request: ExecutionRequest, options: DispatchOptions): Promise<ExecutionResult> {
    const binding = this.bound();
    const cancel = new AbortController();
    const onAbort = () => cancel.abort();
    options.signal.addEventListener("abort", onAbort, { once: true });
    if (options.signal.aborted) cancel.abort();
    const jobName = jobNameFor(nodeRunIdentity(request));
    this.running.set(jobName, cancel);
    try {
      return await dispatchNodeRun({
        config: binding.config, settings: () => binding.settings.readRuntime(), detachSignal: this.detach.signal, toolHostIssuer: binding.toolHostIssuer,
        ...(options.onDispatchState ? { onDispatchState: options.onDispatchState } : {}),
        apiFor: (params: DispatchParams) => this.apiFor(params.source, params.apiTimeoutMs),
      }, request, options.executorClass, cancel.signal);
    } finally {
      if (this.running.get(jobName) === cancel) this.running.delete(jobName);
      options.signal.removeEventListener("abort", onAbort);
    }
  }

  /** Cancels by provider dispatch id (`kubernetes:<namespace>/<job>`): deletes the Job (grace, then force when asked). */
  async cancel(dispatchId: string, options: { force: boolean }): Promise<void> {
    const binding = this.bound();
    const match = /^kubernetes:([^/]+)\/(.+)$/.exec(dispatchId);
    if (!match) throw new ArkError("ARK_INVALID_ARGUMENT", `Not a kubernetes dispatch id: '${dispatchId}' (expected kubernetes:<namespace>/<job>).`);
    const watched = this.running.get(match[2]!);
    if (watched && !options.force) {
      // The dispatch watching this Job cancels it (grace, then force) and answers its node run with `cancelled`.
      watched.abort();
      return;
    }
    const params = resolveDispatchParams(binding.config, await binding.settings.readRuntime(), "frontier");
    const api = this.apiFor(params.source, params.apiTimeoutMs);
    await cancelJob(api, { namespace: match[1]!, jobName: match[2]!, graceSeconds: options.force ? 0 : params.cancelGraceSeconds, force: true, pollMs: params.pollIntervalMs });
  }

  /** The `ark doctor` verdicts for the configured cluster and namespace. */
  async preflight(signal: AbortSignal): Promise<PreflightCheckResult[]> {
    const binding = this.bound();
    const settings = await binding.settings.readRuntime();
    const params = resolveDispatchParams(binding.config, settings, "frontier");
    let api: KubeApi;
    try {
      api = this.apiFor(kubeSourceOf(binding.config, settings), params.apiTimeoutMs);
    } catch (err) {
      return [{ status: "fail", detail: `kubernetes configuration: ${errorMessage(err)}`, hint: isArkError(err) ? err.hint : "Fix the kubeconfig." }];
    }
    const results = await runKubernetesPreflight(api, params.namespace, signal);
    if (binding.config.probeToolHost !== true) return results;
    return [...results, results.some((r) => r.status === "fail") ? probeNotRun() : await this.probeToolHost(api, params, signal)];
  }

  /** Dispatches the tool-host probe as a Job, then deletes the Job (a failed delete is left to the Job TTL). */
  private async probeToolHost(api: KubeApi, params: DispatchParams, signal: AbortSignal): Promise<PreflightCheckResult> {
    const request = toolHostProbeRequest();
    const result = await this.dispatch(request, { executorClass: "frontier", signal });
    try {
      await cancelJob(api, { namespace: params.namespace, jobName: jobNameFor(nodeRunIdentity(request)), graceSeconds: 0, force: true, pollMs: params.pollIntervalMs });
    } catch {
      // The verdict stands; a Job left behind is removed by its ttlSecondsAfterFinished.
    }
    return probeVerdict(result, params.namespace, params.toolHostUrl);
  }
}
