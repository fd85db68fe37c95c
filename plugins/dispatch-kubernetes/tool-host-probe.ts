/**
 * The in-cluster tool-host probe of the `kubernetes` preflight (config `probeToolHost`): one Job, dispatched like a
 * node run with the frontier executor image, whose pod runs the executors' built-in probe node type — a GET of the
 * tool list at the URL pods are given, with a node-run token that names no tool domain. Its verdict says what an
 * operator must fix before the cutover: the URL (pods cannot reach it), the token secret (the kernel there refuses
 * it), or the image (the pod never started). The Job is deleted afterwards.
 */
import { randomUUID } from "node:crypto";
import { TOOL_HOST_PROBE_NODE_TYPE, type ExecutionRequest, type ExecutionResult, type PreflightCheckResult } from "../../core/plugin-api/index.js";

const CHECK = "kubernetes tool host from a pod";

/** The synthetic node run the probe dispatches (no flowchart run; no tool domains in its token's scope). */
export function toolHostProbeRequest(): ExecutionRequest {
  const executionId = `probe-${randomUUID().slice(0, 8)}`;
  return {
    contract_version: "v1", node_id: "tool-host-probe", node_type: TOOL_HOST_PROBE_NODE_TYPE, node_ref_id: null,
    node_config: { tool_domains: [] }, input_context: {}, execution_id: executionId, execution_task_id: null, execution_index: 1,
    attempt: 1, flowchart_id: null, flowchart_run_id: null, request_id: `preflight-${executionId}`, correlation_id: null,
  };
}

function hintFor(code: string, message: string, toolHostUrl: string | null): string {
  const setUrl = "Set dispatch-kubernetes `toolHostUrl` to the kernel API's address as pods reach it (a Service, e.g. http://ark.ark.svc:8080), " +
    "with api.host listening on an interface the pods can route to, and check NetworkPolicies between the namespaces.";
  if (code === "tool_host_unavailable") return "The kernel issued no tool-host token: the tooling API (built-in `tooling-api`) must run in the kernel that dispatches.";
  if (code === "tool_host_refused") {
    return /HTTP 40[13]\b/.test(message)
      ? "The kernel at toolHostUrl refused a token this kernel minted: tooling.tokenSecret must be the same on every kernel sharing the database."
      : `Something answers at toolHostUrl, but not as ARK's tool host: check that the URL points at the kernel API (not a proxy or another service). ${setUrl}`;
  }
  if (code === "tool_host_unreachable") {
    return toolHostUrl ? setUrl : `No toolHostUrl is set, so pods were given this kernel's own callback URL (usually loopback). ${setUrl}`;
  }
  if (code === "dispatch_timeout") return "The probe pod did not start: check the frontier executor image (k8s_frontier_image / tag), image pull secrets and the namespace's quotas.";
  return "See the detail; `ark doctor --json` has the probe's full result.";
}

/** The line when an earlier check failed: the probe would only fail the same way, or create a Job it cannot run. */
export function probeNotRun(): PreflightCheckResult {
  return { status: "fail", detail: `${CHECK}: not run (fix the checks above first)` };
}

/** The probe's verdict from its dispatch result. */
export function probeVerdict(result: ExecutionResult, namespace: string, toolHostUrl: string | null): PreflightCheckResult {
  if (result.status === "success") {
    const out = result.output_state as { tool_host_url?: string; duration_ms?: number };
    return { status: "ok", detail: `${CHECK}: a pod in ${namespace} reached ${out.tool_host_url ?? "the tool host"} and its token was accepted (${out.duration_ms ?? "?"} ms)` };
  }
  const code = result.error?.code ?? result.status;
  const message = result.error?.message ?? `the probe ended ${result.status}`;
  return { status: "fail", detail: `${CHECK}: ${message}`, hint: hintFor(code, message, toolHostUrl) };
}
