/**
 * dispatch-kubernetes: runs each node run as a Kubernetes Job (dispatcher id `kubernetes`) through the API
 * (`@kubernetes/client-node`, no kubectl), and contributes the `kubernetes` preflight check to `ark doctor`.
 */
import { ArkError, coreServices, definePlugin, resolveConfigPath, toolHostIssuerSlotRef, type PluginContext, type PluginDefinition } from "../../core/plugin-api/index.js";
import { kubernetesDispatchConfigSchema, type KubernetesDispatchConfig } from "./config.js";
import { KUBERNETES_DISPATCHER_ID, KubernetesDispatcher } from "./kubernetes-dispatcher.js";

export { KUBERNETES_DISPATCHER_ID, KubernetesDispatcher } from "./kubernetes-dispatcher.js";
export type { KubernetesDispatchConfig, SecretEnvRef } from "./config.js";
export { buildJobManifest, buildPayloadConfigMap, buildToolHostSecret, EXECUTOR_CONTAINER, PAYLOAD_MOUNT_PATH, RUNTIME_MOUNT_PATH, TOOLHOST_TOKEN_KEY } from "./k8s-manifests.js";
export { configMapNameFor, jobLabels, jobNameFor, labelValue, nodeRunIdentity, toolHostSecretNameFor } from "./k8s-names.js";
export { manifestInputFor } from "./node-run-dispatch.js";
export { resolveDispatchParams } from "./dispatch-params.js";
export { REQUIRED_PERMISSIONS } from "./preflight.js";

/** Id of the preflight check this plugin contributes. */
export const PREFLIGHT_CHECK_ID = "kubernetes";

function dispatcherOf(ctx: PluginContext<KubernetesDispatchConfig>): KubernetesDispatcher {
  const dispatchers = ctx.get(coreServices.registries).dispatchers;
  const dispatcher = dispatchers.get(KUBERNETES_DISPATCHER_ID);
  if (!(dispatcher instanceof KubernetesDispatcher) || dispatchers.ownerOf(KUBERNETES_DISPATCHER_ID) !== ctx.pluginId) {
    throw new ArkError("ARK_KERNEL_STATE", `The "${KUBERNETES_DISPATCHER_ID}" dispatcher of plugin "${ctx.pluginId}" is not registered in this kernel.`);
  }
  return dispatcher;
}

/** The section with a relative `kubeconfigPath` made absolute, against the config file's folder (else the cwd). */
export function withAbsolutePaths(config: KubernetesDispatchConfig, configFile: string | null): KubernetesDispatchConfig {
  return config.kubeconfigPath ? { ...config, kubeconfigPath: resolveConfigPath(config.kubeconfigPath, configFile) } : config;
}

/** Builds the plugin definition (the default export is one). */
export function createKubernetesDispatchPlugin(): PluginDefinition<KubernetesDispatchConfig> {
  return definePlugin<KubernetesDispatchConfig>({
    id: "dispatch-kubernetes",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "Kubernetes dispatcher: one Job per node run, payload ConfigMap and tool-host token Secret owned by the Job, markers and result from the pod log.",
    requires: ["store"],
    // The execution module's slot where the tooling API plugs the node-run token issuer (pods call tools back).
    consumes: [toolHostIssuerSlotRef],
    configSchema: kubernetesDispatchConfigSchema,
    register(r) {
      const dispatcher = new KubernetesDispatcher();
      r.dispatcher(dispatcher);
      r.preflightCheck({
        id: PREFLIGHT_CHECK_ID,
        description: "Kubernetes API reachable, namespace exists, RBAC for jobs, pods, pods/log, configmaps and secrets; with probeToolHost, a pod reaching the tool host.",
        run: (signal) => dispatcher.preflight(signal),
      });
    },
    init(ctx) {
      const issuers = ctx.get(toolHostIssuerSlotRef);
      // Read per dispatch: the tooling API sets the issuer in its own init, which may run after this one.
      dispatcherOf(ctx).bind(withAbsolutePaths(ctx.config, ctx.get(coreServices.kernel).configFile), ctx.get(coreServices.settings), () => issuers.get());
    },
    stop(ctx) {
      const dispatcher = ctx.get(coreServices.registries).dispatchers.get(KUBERNETES_DISPATCHER_ID);
      if (dispatcher instanceof KubernetesDispatcher) dispatcher.unbind();
    },
  });
}

export default createKubernetesDispatchPlugin();
