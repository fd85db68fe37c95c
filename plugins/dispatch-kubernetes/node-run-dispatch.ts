/**
 * One node run through Kubernetes, start to result: resolve the parameters, build the payload and manifests, submit
 * (dispatch_pending → dispatch_submitted), watch (→ dispatch_confirmed at the start marker), cancel on timeouts and on
 * request, and turn the outcome into a v1 result. Never throws: every problem is a failed result with a stable code.
 */
import {
  ArkError, buildExecutorPayload, errorMessage, isArkError, toolHostScopeOf,
  type DispatchStateListener, type ExecutionRequest, type ExecutionResult, type NodeExecutorRuntimeSettings, type ParsedExecutorOutput, type ToolHostIssuer,
} from "../../core/plugin-api/index.js";
import type { KubernetesDispatchConfig } from "./config.js";
import { resolveDispatchParams, type DispatchParams } from "./dispatch-params.js";
import { executorResult, failureResult, type DispatchFailure, type DispatchTrack } from "./dispatch-results.js";
import type { KubeApi } from "./kube-api.js";
import { outcomeUnknown } from "./kube-errors.js";
import { cancelJob } from "./job-cancel.js";
import { PAYLOAD_SHA_ANNOTATION, submitNodeRun } from "./job-submit.js";
import { JobWatch, type WatchOutcome } from "./job-watch.js";
import { configMapNameFor, jobLabels, jobNameFor, nodeRunIdentity, sha256Hex, toolHostSecretNameFor } from "./k8s-names.js";
import type { ManifestInput } from "./k8s-manifests.js";
import { IMAGE_PULL_REASONS } from "./pod-status.js";

/** What one dispatch needs from the plugin. */
export interface NodeRunDispatchDeps {
  readonly config: KubernetesDispatchConfig;
  readonly settings: () => Promise<NodeExecutorRuntimeSettings>;
  readonly apiFor: (params: DispatchParams) => KubeApi;
  readonly detachSignal: AbortSignal;
  /** The router's listener for dispatch_submitted / dispatch_confirmed (recorded on the node run as they happen). */
  readonly onDispatchState?: DispatchStateListener;
  /** The kernel's tool-host issuer, read per dispatch (null or absent: tooling is off, pods get no tool host). */
  readonly toolHostIssuer?: () => ToolHostIssuer | null;
}

/** The payload and manifest input of a request; `toolHostUrl` (when tools are available) goes to the pod with its token Secret. */
export function manifestInputFor(request: ExecutionRequest, params: DispatchParams, toolHostUrl: string | null = null): ManifestInput {
  const id = nodeRunIdentity(request);
  const jobName = jobNameFor(id);
  const requestId = typeof request.request_id === "string" && request.request_id !== "" ? request.request_id : `node-run-${id.executionId}-${id.executionIndex}`;
  const payload = {
    ...buildExecutorPayload(request, { dispatcherId: "kubernetes", executorClass: params.executorClass, requestId }),
    timeout_seconds: Math.max(1, Math.ceil(params.executionTimeoutMs / 1000)),
    emit_start_markers: true,
    ...(params.expectedPluginSetHash ? { plugin_set_hash: params.expectedPluginSetHash } : {}),
    metadata: { k8s_namespace: params.namespace, k8s_job_name: jobName, executor_class: params.executorClass },
  };
  const payloadJson = JSON.stringify(payload);
  return {
    jobName, configMapName: configMapNameFor(jobName), payloadJson, params,
    toolHost: toolHostUrl ? { url: toolHostUrl, secretName: toolHostSecretNameFor(jobName) } : null,
    labels: jobLabels(id, { executorClass: params.executorClass, workspaceIdentity: params.workspaceIdentity, flowchartRunId: request.flowchart_run_id }),
    annotations: {
      [PAYLOAD_SHA_ANNOTATION]: sha256Hex(payloadJson), "ark/request-id": requestId, "ark/node-id": id.nodeId,
      "ark/execution-id": id.executionId, "ark/workspace-identity": params.workspaceIdentity,
    },
  };
}

const LOG_LIMIT = 256 * 1024;
function logsOf(parsed: ParsedExecutorOutput | null): string {
  const text = parsed ? parsed.logLines.join("\n") : "";
  return text.length > LOG_LIMIT ? text.slice(text.length - LOG_LIMIT) : text;
}

function apiFailure(err: unknown, code = "dispatch_error"): DispatchFailure {
  const ark = isArkError(err) ? err : new ArkError("ARK_K8S_API_ERROR", errorMessage(err));
  return { status: "failed", code, message: ark.message, retryable: !["ARK_K8S_FORBIDDEN", "ARK_K8S_UNAUTHORIZED", "ARK_K8S_REJECTED", "ARK_K8S_CONFIG_MISSING", "ARK_K8S_CONFIG_INVALID"].includes(ark.code), arkCode: ark.code, details: { ...ark.details } };
}

/** The reference's failure vocabulary (execution-plane §3 api_failure_category) for an API error. */
function categoryOf(err: unknown, fallback: string): string {
  const code = isArkError(err) ? err.code : "";
  if (code === "ARK_K8S_FORBIDDEN" || code === "ARK_K8S_UNAUTHORIZED") return "auth_error";
  if (code === "ARK_K8S_UNREACHABLE") return "api_unreachable";
  if (code === "ARK_K8S_TIMEOUT") return "timeout";
  if (code === "ARK_K8S_CONFIG_MISSING" || code === "ARK_K8S_CONFIG_INVALID") return "config_error";
  return fallback;
}

/** Dispatches one node run; resolves with its v1 result. */
export async function dispatchNodeRun(deps: NodeRunDispatchDeps, request: ExecutionRequest, executorClass: string, signal: AbortSignal): Promise<ExecutionResult> {
  const startedAt = new Date().toISOString();
  let params: DispatchParams;
  let input: ManifestInput;
  let api: KubeApi;
  let toolHost: { url: string; token: string } | null;
  try {
    params = resolveDispatchParams(deps.config, await deps.settings(), executorClass);
    const issuer = deps.toolHostIssuer?.() ?? null;
    toolHost = issuer ? await issuer(toolHostScopeOf(request, "kubernetes")) : null;
    // The kernel's own callback URL is usually loopback: pods need the configured in-cluster URL.
    input = manifestInputFor(request, params, toolHost ? params.toolHostUrl ?? toolHost.url : null);
    api = deps.apiFor(params);
  } catch (err) {
    const track: DispatchTrack = newTrack("default", "", "default", startedAt);
    track.failureCategory = categoryOf(err, "config_error");
    return failureResult(track, request, apiFailure(err), "");
  }
  const track = newTrack(params.namespace, input.jobName, params.workspaceIdentity, startedAt);
  try {
    const submission = await submitNodeRun(api, input, signal, (adopted) => {
      track.status = "dispatch_submitted";
      track.submitted = true;
      track.adopted = adopted;
      reportState(deps, "dispatch_submitted", track);
    }, toolHost?.token ?? null);
    track.adopted = submission.adopted;
  } catch (err) {
    if (signal.aborted) return failureResult(track, request, { status: "cancelled", code: "cancelled", message: "Node execution was cancelled while the Job was being created.", retryable: false }, "");
    // A write whose outcome is unknown may have created the Job: fail closed, never dispatch it again blindly.
    track.uncertain = outcomeUnknown(err);
    track.failureCategory = categoryOf(err, "create_failed");
    return failureResult(track, request, apiFailure(err), "");
  }
  const watch = new JobWatch({
    api, namespace: params.namespace, jobName: input.jobName, dispatchTimeoutMs: params.dispatchTimeoutMs, executionTimeoutMs: params.executionTimeoutMs,
    logCollectionTimeoutMs: params.logCollectionTimeoutMs, pollIntervalMs: params.pollIntervalMs, apiTimeoutMs: params.apiTimeoutMs,
    expectedPluginSetHash: params.expectedPluginSetHash, cancelSignal: signal, detachSignal: deps.detachSignal,
    onConfirmed: () => {
      track.status = "dispatch_confirmed";
      track.podName = watch.podName;
      reportState(deps, "dispatch_confirmed", track);
    },
  });
  const outcome = await watch.run();
  track.podName = watch.podName;
  return settle({ api, params, track, request, watch, outcome });
}

/** Tells the router about a state change; a listener that throws must not break the dispatch. */
function reportState(deps: NodeRunDispatchDeps, state: "dispatch_submitted" | "dispatch_confirmed", track: DispatchTrack): void {
  try {
    deps.onDispatchState?.(state, { provider_dispatch_id: `kubernetes:${track.namespace}/${track.jobName}`, k8s_namespace: track.namespace, k8s_job_name: track.jobName, k8s_pod_name: track.podName });
  } catch {
    // Recording is best effort here; the final result carries the same metadata.
  }
}

function newTrack(namespace: string, jobName: string, workspaceIdentity: string, startedAt: string): DispatchTrack {
  return { status: "dispatch_pending", submitted: false, uncertain: false, namespace, jobName, podName: null, terminalReason: null, failureCategory: null, adopted: false, cancel: null, workspaceIdentity, startedAt };
}

interface Settlement {
  readonly api: KubeApi;
  readonly params: DispatchParams;
  readonly track: DispatchTrack;
  readonly request: ExecutionRequest;
  readonly watch: JobWatch;
  readonly outcome: WatchOutcome;
}

/** Stops the Job when the outcome needs it (recorded in run_metadata.k8s_cancel); API errors there are recorded, not thrown. */
async function stopJob(s: Settlement): Promise<void> {
  try {
    const outcome = await cancelJob(s.api, { namespace: s.params.namespace, jobName: s.track.jobName, graceSeconds: s.params.cancelGraceSeconds, force: s.params.cancelForceKill, pollMs: s.params.pollIntervalMs });
    s.track.cancel = { ...outcome };
  } catch (err) {
    s.track.cancel = { error: errorMessage(err), ark_code: isArkError(err) ? err.code : null };
    s.track.uncertain = true;
  }
}

async function settle(s: Settlement): Promise<ExecutionResult> {
  const { track, request, outcome, watch } = s;
  const fail = (failure: DispatchFailure, parsed: ParsedExecutorOutput | null = null) => failureResult(track, request, failure, logsOf(parsed));
  switch (outcome.kind) {
    case "finished":
      return finished(s, outcome);
    case "dispatch_timeout": {
      await stopJob(s);
      const imagePull = [...IMAGE_PULL_REASONS].some((r) => outcome.reason.includes(r));
      track.failureCategory = imagePull ? "image_pull_failed" : "dispatch_timeout";
      track.terminalReason = outcome.reason || null;
      track.uncertain ||= watch.containerRan;
      return fail({ status: "timeout", code: "dispatch_timeout", retryable: !imagePull, message: `Kubernetes job '${track.jobName}' did not confirm startup within ${s.params.dispatchTimeoutMs / 1000} seconds${outcome.reason ? ` (${outcome.reason})` : ""}.`, details: { reason: outcome.reason } });
    }
    case "execution_timeout":
      await stopJob(s);
      track.failureCategory = "execution_timeout";
      return fail({ status: "timeout", code: "execution_timeout", retryable: false, message: `Kubernetes job '${track.jobName}' ran longer than the execution timeout of ${s.params.executionTimeoutMs / 1000} seconds.` });
    case "plugin_set_mismatch":
      await stopJob(s);
      track.uncertain = true;
      track.failureCategory = "config_error";
      return fail({ status: "failed", code: "dispatch_error", retryable: false, arkCode: "ARK_EXECUTOR_PLUGIN_SET_MISMATCH", message: `The executor image reported plugin-set hash ${outcome.reported ?? "(none)"}, expected ${outcome.expected}.`, details: { expected: outcome.expected, reported: outcome.reported } });
    case "api_error":
      await stopJob(s);
      track.uncertain = true;
      track.failureCategory = categoryOf(outcome.error, "api_unreachable");
      return fail(apiFailure(outcome.error));
    case "cancelled":
      await stopJob(s);
      return fail({ status: "cancelled", code: "cancelled", retryable: false, message: "Node execution was cancelled; its Kubernetes Job was deleted." });
    case "detached":
      track.uncertain = true;
      return fail({ status: "failed", code: "dispatch_error", retryable: true, message: `The kernel stopped while Job '${track.jobName}' was running; the Job was left to finish and a new dispatch of this node run adopts it.` });
  }
}

function finished(s: Settlement, outcome: Extract<WatchOutcome, { kind: "finished" }>): ExecutionResult {
  const { track, request } = s;
  const parsed = outcome.parsed;
  track.terminalReason = outcome.reason || null;
  if (outcome.logError) {
    track.uncertain = true;
    track.failureCategory = "log_collection_failed";
    return failureResult(track, request, { ...apiFailure(outcome.logError), code: track.status === "dispatch_confirmed" ? "execution_error" : "dispatch_error", message: `Could not collect the log of Job '${track.jobName}': ${outcome.logError.message}` }, "");
  }
  if (!parsed || !parsed.started) {
    track.uncertain = true;
    track.failureCategory = "create_failed";
    return failureResult(track, request, { status: "failed", code: "dispatch_error", retryable: false, message: `Kubernetes job '${track.jobName}' ended without an executor start marker${outcome.reason ? ` (${outcome.reason})` : ""}.` }, logsOf(parsed));
  }
  if (!parsed.result) {
    // The executor ran but its outcome is unknown: it may have done its work. Fail closed.
    track.uncertain = true;
    return failureResult(track, request, { status: "failed", code: "execution_error", retryable: false, message: parsed.problem?.message ?? "Executor result missing.", details: { problem: parsed.problem?.code ?? "result_missing" } }, logsOf(parsed));
  }
  return executorResult(track, request, parsed.result, logsOf(parsed));
}
