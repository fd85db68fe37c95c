/**
 * The tool-host probe: a node type every executor knows without a plugin, which only asks its tool host for the tool
 * list (`GET /api/internal/tool-host/tools` with the node run's token) and reports what happened. A dispatcher's
 * preflight runs it where node runs run (a Kubernetes pod, say), so `ark doctor` proves that executors there can
 * reach the URL they are given and that the kernel behind it accepts the token — not just that the kernel answers
 * on loopback. It calls nothing: the probe's token names no tool domain.
 */
import { errorMessage } from "../errors/index.js";
import type { ExecutionResult, ToolHost } from "../plugin-api/contributions.js";
import { failedResult, successResult } from "./execution-results.js";
import { TOOLHOST_TOKEN_ENV, TOOLHOST_URL_ENV } from "./executor-tool-host.js";

/** The probe's node type. */
export const TOOL_HOST_PROBE_NODE_TYPE = "ark_tool_host_probe";

/** How long the probe waits for the tool host before it reports it unreachable. */
const PROBE_TIMEOUT_MS = 15_000;

/** Runs the probe with the executor's tool host; never throws. */
export async function runToolHostProbe(toolHost: ToolHost, env: Readonly<Record<string, string | undefined>>): Promise<ExecutionResult> {
  const url = env[TOOLHOST_URL_ENV]?.trim() ?? "";
  if (!url || !env[TOOLHOST_TOKEN_ENV]?.trim()) {
    return failedResult("tool_host_unavailable", `The executor got no tool host: ${TOOLHOST_URL_ENV} and ${TOOLHOST_TOKEN_ENV} must both be set by the dispatcher.`);
  }
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  try {
    const tools = await Promise.race([toolHost.describe(), timeout]);
    const ms = Math.round(performance.now() - started);
    return successResult({ node_type: TOOL_HOST_PROBE_NODE_TYPE, tool_host_url: url, tools_listed: tools.length, duration_ms: ms }, {});
  } catch (err) {
    const endpoint = `GET ${url.replace(/\/+$/, "")}/api/internal/tool-host/tools from the executor`;
    // An answer with an HTTP status: something listens there, but refused (the token, or not ARK's tool host).
    const answered = (err as { details?: { status?: unknown; code?: unknown } }).details;
    if (typeof answered?.status === "number") {
      const code = typeof answered.code === "string" ? ` [${answered.code}]` : "";
      return failedResult("tool_host_refused", `${endpoint} answered HTTP ${answered.status}${code}: ${errorMessage(err)}`, { details: { tool_host_url: url, http_status: answered.status } });
    }
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ? `${cause.code}: ${cause.message ?? errorMessage(err)}` : errorMessage(err);
    return failedResult("tool_host_unreachable", `${endpoint} failed: ${why}`, { details: { tool_host_url: url } });
  } finally {
    clearTimeout(timer);
  }
}
