/** The plugin's `config:` section: cluster access overrides, pod shape, secrets by reference, polling and test timeouts. */
import type { JSONSchema } from "../../core/plugin-api/index.js";

/** Container resource quantities. */
export interface ResourceQuantities {
  readonly cpu?: string;
  readonly memory?: string;
}

/** One env var taken from a Kubernetes Secret (never copied into the Job spec). */
export interface SecretEnvRef {
  readonly secretName: string;
  readonly key: string;
  readonly optional?: boolean;
}

/** The `dispatch-kubernetes` config section as validated (defaults applied by the kernel). */
export interface KubernetesDispatchConfig {
  /** A kubeconfig file; wins over the settings store's encrypted kubeconfig and `k8s_in_cluster` (development, tests). */
  readonly kubeconfigPath?: string;
  readonly pollIntervalMs?: number;
  /** Plugin-set hash the executor image must report in its start marker; unset = not checked. */
  readonly expectedPluginSetHash?: string;
  readonly resources?: { readonly requests?: ResourceQuantities; readonly limits?: ResourceQuantities };
  /** The extended resource the `vllm` class asks for (`k8s_gpu_limit` of them). */
  readonly gpuResourceName?: string;
  /** Plain, non-secret env vars for the executor container. */
  readonly env?: Readonly<Record<string, string>>;
  /** Env var → Secret name/key, mounted with `secretKeyRef`. */
  readonly secretEnv?: Readonly<Record<string, SecretEnvRef>>;
  /** Overrides of the settings' timeouts, in seconds (fractions allowed): for tests and special deployments. */
  readonly timeouts?: {
    readonly dispatchSeconds?: number;
    readonly executionSeconds?: number;
    readonly logCollectionSeconds?: number;
    readonly cancelGraceSeconds?: number;
  };
  /** Bound on each Kubernetes API call, in ms. */
  readonly apiTimeoutMs?: number;
  /** The kernel API's URL as pods reach it (ARK_TOOLHOST_URL); unset = the URL the tool-host issuer answers. */
  readonly toolHostUrl?: string;
  /** Whether the preflight runs a probe Job that calls the tool host from a pod (off: it creates a Job and pulls the image). */
  readonly probeToolHost?: boolean;
}

const ENV_NAME = "^[A-Za-z_][A-Za-z0-9_]*$";
const QUANTITY = { type: "string", pattern: "^[0-9]+(\\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$" } as const;
const quantities = { type: "object", additionalProperties: false, properties: { cpu: QUANTITY, memory: QUANTITY } } as const;
const seconds = { type: "number", exclusiveMinimum: 0, maximum: 86400 } as const;

/** Default requests and limits of the executor container. */
export const DEFAULT_RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "1Gi" } } as const;

/** Schema of the plugin's `config:` section. */
export const kubernetesDispatchConfigSchema: JSONSchema = Object.freeze({
  type: "object",
  description: "Kubernetes dispatcher: one Job per node run. Cluster, images and timeouts come from the node-executor settings.",
  additionalProperties: false,
  properties: {
    kubeconfigPath: { type: "string", minLength: 1, description: "A kubeconfig file (relative: to the config file's folder); wins over the stored kubeconfig and k8s_in_cluster (development and tests)." },
    pollIntervalMs: { type: "integer", minimum: 10, maximum: 60000, default: 1000, description: "How often the Job and its pod are polled." },
    expectedPluginSetHash: { type: "string", pattern: "^[0-9a-f]{16,64}$", description: "Plugin-set hash the executor must report (ark bundle manifest); unset = not checked." },
    resources: {
      type: "object", additionalProperties: false, default: DEFAULT_RESOURCES,
      properties: { requests: quantities, limits: quantities },
    },
    gpuResourceName: { type: "string", pattern: "^[a-z0-9.-]+/[a-z0-9.-]+$", default: "nvidia.com/gpu" },
    env: { type: "object", default: {}, propertyNames: { pattern: ENV_NAME }, additionalProperties: { type: "string" }, description: "Plain, non-secret env vars." },
    secretEnv: {
      type: "object", default: {}, propertyNames: { pattern: ENV_NAME }, description: "Env var → { secretName, key }: mounted by secretKeyRef, never copied.",
      additionalProperties: {
        type: "object", additionalProperties: false, required: ["secretName", "key"],
        properties: {
          secretName: { type: "string", pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 253 },
          key: { type: "string", pattern: "^[-._a-zA-Z0-9]+$", maxLength: 253 },
          optional: { type: "boolean" },
        },
      },
    },
    timeouts: {
      type: "object", additionalProperties: false,
      properties: { dispatchSeconds: seconds, executionSeconds: seconds, logCollectionSeconds: seconds, cancelGraceSeconds: seconds },
    },
    apiTimeoutMs: { type: "integer", minimum: 100, maximum: 600000, default: 30000 },
    toolHostUrl: {
      type: "string", pattern: "^https?://[^\\s/?#]+(/[^\\s?#]*)?$", maxLength: 2048,
      description: "The kernel API's URL as executor pods reach it (e.g. http://ark.ark.svc:8080), sent as ARK_TOOLHOST_URL; unset = the kernel's own callback URL (usually loopback, unreachable from pods).",
    },
    probeToolHost: {
      type: "boolean", default: false,
      description: "`ark doctor` / `ark cutover enable` also run a probe Job (the frontier executor image) whose pod calls the tool host at toolHostUrl with a node-run token: proves pods can reach the kernel and that it accepts the token. Off by default: it creates a Job and may pull the image.",
    },
  },
});
