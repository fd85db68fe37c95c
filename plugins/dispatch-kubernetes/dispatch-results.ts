/**
 * The v1 results the Kubernetes dispatcher answers, each with the run metadata of execution-plane §1/§4.14 (fixing
 * Q2: the failure category is kept in `api_failure_category` / `k8s_failure_category`, and Q3: `dispatch_submitted`
 * is a real state). Ambiguous outcomes fail closed with `dispatch_uncertain: true`.
 */
import { failedResult, type ArkErrorCode, type ExecutionRequest, type ExecutionResult } from "../../core/plugin-api/index.js";

/** Dispatch states (execution-plane §4.15). */
export type DispatchStatus = "dispatch_pending" | "dispatch_submitted" | "dispatch_confirmed" | "dispatch_failed";

/** What the dispatcher knows about one node run's Job as it goes. */
export interface DispatchTrack {
  status: DispatchStatus;
  /** The Job was created (or adopted): the dispatch id names something real. */
  submitted: boolean;
  uncertain: boolean;
  readonly namespace: string;
  readonly jobName: string;
  podName: string | null;
  terminalReason: string | null;
  failureCategory: string | null;
  adopted: boolean;
  cancel: Record<string, unknown> | null;
  readonly workspaceIdentity: string;
  readonly startedAt: string;
}

/** A failure the dispatcher reports. */
export interface DispatchFailure {
  readonly status: "failed" | "timeout" | "cancelled";
  /** The result's error code: dispatch_error, dispatch_timeout, execution_timeout, execution_error, cancelled. */
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  /** The ArkError code behind it, when there is one (ARK_K8S_FORBIDDEN, ARK_EXECUTOR_PLUGIN_SET_MISMATCH, ...). */
  readonly arkCode?: ArkErrorCode;
  readonly details?: Record<string, unknown>;
}

/** `kubernetes:<namespace>/<job>`, once a Job was (or may have been) submitted. */
export function providerDispatchId(track: DispatchTrack): string | null {
  return track.submitted || track.uncertain ? `kubernetes:${track.namespace}/${track.jobName}` : null;
}

/** The run metadata of a result. */
export function runMetadataOf(track: DispatchTrack, request: ExecutionRequest): Record<string, unknown> {
  return {
    selected_provider: "kubernetes", final_provider: "kubernetes", provider_dispatch_id: providerDispatchId(track),
    workspace_identity: track.workspaceIdentity, dispatch_status: track.status, fallback_attempted: false, fallback_reason: null,
    dispatch_uncertain: track.uncertain, api_failure_category: track.failureCategory, cli_fallback_used: false, cli_preflight_passed: null,
    execution_mode: request.execution_mode ?? null,
    k8s_namespace: track.namespace, k8s_job_name: track.jobName, k8s_pod_name: track.podName, k8s_terminal_reason: track.terminalReason,
    k8s_failure_category: track.failureCategory, k8s_job_adopted: track.adopted, ...(track.cancel ? { k8s_cancel: track.cancel } : {}),
  };
}

function providerMetadata(track: DispatchTrack): Record<string, unknown> {
  return {
    executor_provider: "kubernetes", provider_dispatch_id: providerDispatchId(track), k8s_namespace: track.namespace,
    k8s_job_name: track.jobName, k8s_pod_name: track.podName ?? "", k8s_terminal_reason: track.terminalReason ?? "",
  };
}

/** A failed result; a failure before confirmation moves the track to dispatch_failed. */
export function failureResult(track: DispatchTrack, request: ExecutionRequest, failure: DispatchFailure, logs: string): ExecutionResult {
  if (track.status !== "dispatch_confirmed") track.status = "dispatch_failed";
  track.terminalReason ??= failure.message;
  const base = failedResult(failure.code, failure.message, { status: failure.status });
  const details: Record<string, unknown> = { ...failure.details, ...(failure.arkCode ? { ark_code: failure.arkCode } : {}) };
  return {
    ...base,
    error: { ...base.error!, retryable: failure.retryable, ...(Object.keys(details).length > 0 ? { details } : {}) } as NonNullable<ExecutionResult["error"]>,
    started_at: track.startedAt, finished_at: new Date().toISOString(), stdout: logs, stderr: "",
    provider_metadata: providerMetadata(track), run_metadata: runMetadataOf(track, request),
  };
}

/** The executor's own result, with the dispatch metadata added. */
export function executorResult(track: DispatchTrack, request: ExecutionRequest, result: ExecutionResult, logs: string): ExecutionResult {
  return {
    ...result,
    started_at: result.started_at ?? track.startedAt, finished_at: result.finished_at ?? new Date().toISOString(),
    stdout: typeof result.stdout === "string" && result.stdout !== "" ? result.stdout : logs,
    provider_metadata: { ...(result.provider_metadata as object | undefined), ...providerMetadata(track) },
    run_metadata: { ...(result.run_metadata as object | undefined), ...runMetadataOf(track, request) },
    metrics: { ...(result.metrics as object | undefined), dispatch_mode: "kubernetes_api" },
  };
}
