/**
 * Everything one dispatch runs with, resolved from the node-executor settings (the runtime read, the only place the
 * kubeconfig is decrypted), the plugin config (overrides) and the request's executor class.
 */
import { parseImagePullSecrets, type NodeExecutorRuntimeSettings } from "../../core/plugin-api/index.js";
import { DEFAULT_RESOURCES, type KubernetesDispatchConfig, type ResourceQuantities, type SecretEnvRef } from "./config.js";

/** Where the kube client gets its cluster and credentials from. */
export type KubeSource =
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "inCluster" }
  | { readonly kind: "inline"; readonly kubeconfig: string }
  | { readonly kind: "missing" };

/** One dispatch's resolved parameters. */
export interface DispatchParams {
  readonly source: KubeSource;
  readonly namespace: string;
  readonly image: string;
  readonly executorClass: "frontier" | "vllm";
  readonly serviceAccount: string;
  readonly imagePullSecrets: readonly { name: string }[];
  readonly gpuLimit: number;
  readonly gpuResourceName: string;
  readonly jobTtlSeconds: number;
  readonly dispatchTimeoutMs: number;
  readonly executionTimeoutMs: number;
  readonly logCollectionTimeoutMs: number;
  readonly cancelGraceSeconds: number;
  readonly cancelForceKill: boolean;
  readonly workspaceIdentity: string;
  readonly pollIntervalMs: number;
  readonly apiTimeoutMs: number;
  readonly expectedPluginSetHash: string | null;
  readonly resources: { readonly requests: ResourceQuantities; readonly limits: ResourceQuantities };
  readonly env: Readonly<Record<string, string>>;
  readonly secretEnv: Readonly<Record<string, SecretEnvRef>>;
  /** The tool-host URL pods get, overriding the issuer's (plugin config `toolHostUrl`); null = the issuer's. */
  readonly toolHostUrl: string | null;
}

function int(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}

function flag(value: string | undefined, fallback: boolean): boolean {
  const text = (value ?? "").trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(text)) return true;
  if (["0", "false", "no", "off"].includes(text)) return false;
  return fallback;
}

/** The kube source: plugin kubeconfigPath, else in-cluster, else the stored kubeconfig, else missing. */
export function kubeSourceOf(config: KubernetesDispatchConfig, settings: NodeExecutorRuntimeSettings): KubeSource {
  if (config.kubeconfigPath) return { kind: "file", path: config.kubeconfigPath };
  if (flag(settings.k8s_in_cluster, false)) return { kind: "inCluster" };
  const kubeconfig = settings.k8s_kubeconfig ?? "";
  return kubeconfig.trim() !== "" ? { kind: "inline", kubeconfig } : { kind: "missing" };
}

/** Resolves a dispatch's parameters; `executorClass` is normalised to `vllm` or `frontier`. */
export function resolveDispatchParams(config: KubernetesDispatchConfig, settings: NodeExecutorRuntimeSettings, executorClass: string): DispatchParams {
  const cls = executorClass === "vllm" ? "vllm" : "frontier";
  const timeouts = config.timeouts ?? {};
  const seconds = (override: number | undefined, key: string, fallback: number) => (override ?? int(settings[key], fallback)) * 1000;
  const image = cls === "vllm"
    ? settings.k8s_effective_vllm_image || settings.k8s_vllm_image || "ark-executor-vllm:latest"
    : settings.k8s_effective_frontier_image || settings.k8s_frontier_image || "ark-executor-frontier:latest";
  return {
    source: kubeSourceOf(config, settings),
    namespace: (settings.k8s_namespace ?? "").trim() || "default",
    image, executorClass: cls,
    serviceAccount: (settings.k8s_service_account ?? "").trim(),
    imagePullSecrets: parseImagePullSecrets(settings.k8s_image_pull_secrets_json ?? ""),
    gpuLimit: Math.min(Math.max(int(settings.k8s_gpu_limit, 0), 0), 8),
    gpuResourceName: config.gpuResourceName ?? "nvidia.com/gpu",
    jobTtlSeconds: Math.min(Math.max(int(settings.k8s_job_ttl_seconds, 1800), 60), 86400),
    dispatchTimeoutMs: seconds(timeouts.dispatchSeconds, "dispatch_timeout_seconds", 300),
    executionTimeoutMs: seconds(timeouts.executionSeconds, "execution_timeout_seconds", 1800),
    logCollectionTimeoutMs: seconds(timeouts.logCollectionSeconds, "log_collection_timeout_seconds", 30),
    cancelGraceSeconds: timeouts.cancelGraceSeconds ?? int(settings.cancel_grace_timeout_seconds, 15),
    cancelForceKill: flag(settings.cancel_force_kill_enabled, true),
    workspaceIdentity: (settings.workspace_identity_key ?? "").trim() || "default",
    pollIntervalMs: config.pollIntervalMs ?? 1000,
    apiTimeoutMs: config.apiTimeoutMs ?? 30000,
    // The setting per class (what CI pointed ARK at, with the image) wins over the plugin config's fixed hash.
    expectedPluginSetHash: (settings[`k8s_${cls}_plugin_set_hash`] ?? "").trim() || config.expectedPluginSetHash || null,
    resources: { requests: { ...DEFAULT_RESOURCES.requests, ...config.resources?.requests }, limits: { ...DEFAULT_RESOURCES.limits, ...config.resources?.limits } },
    env: config.env ?? {},
    secretEnv: config.secretEnv ?? {},
    toolHostUrl: config.toolHostUrl?.trim() || null,
  };
}
