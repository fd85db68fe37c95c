/**
 * The `tool host` preflight check (`ark doctor`, `ark cutover enable`), contributed by the built-in `tooling-api`
 * module: it calls the kernel's tool host the way a sandboxed executor does — a node-run token minted by the kernel's
 * signer, then `GET <callback URL>/api/internal/tool-host/tools` over real HTTP — so the API, the route, the token
 * check and the domain scoping are all exercised. The token's scope names no tool domain: it can list nothing and
 * call nothing, so even a token that leaks (say, to a proxy in front of a misconfigured URL) grants nothing; an answer
 * that lists tools to it is a scoping failure.
 */
import { randomUUID } from "node:crypto";
import { errorMessage } from "../errors/index.js";
import type { PreflightCheckResult, ToolDescriptor } from "../plugin-api/contributions.js";

/** Id (and `ark doctor` name) of the check. */
export const TOOL_HOST_CHECK_ID = "tool host";

/** Token lifetime: long enough for one request on a loaded machine, short enough to be worthless afterwards. */
const TOKEN_TTL_SECONDS = 60;

/** What the check needs from the tooling modules. */
export interface ToolHostProbe {
  /** The URL sandboxes are given (ARK_TOOLHOST_URL); null while the API does not listen. */
  callbackUrl(): string | null;
  /** Mints a node-run token for `scope`. */
  issueToken(scope: Readonly<Record<string, unknown>>, ttlSeconds: number): string;
  /** The kernel's tool catalogue (what a token allowed every domain would see). */
  catalogue(): readonly Pick<ToolDescriptor, "domain">[];
  /** Per-request limit in ms (default 5000). */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

const WHERE = "The tool host is this kernel's HTTP API (built-in modules `api` + `tooling-api`): `ark start` serves it on " +
  "api.host:api.port (runtime.config.yaml `api:`); `ark doctor` and `ark cutover enable` start their own on api.host with a free port, so this check " +
  "proves the routes, the token signer and the scoping, not that a running server's port is free.";
const PODS = "Executor pods call back on the URL their dispatcher gives them: for Kubernetes set dispatch-kubernetes `toolHostUrl` " +
  "(e.g. http://ark.ark.svc:8080) to the API's address as pods reach it, with api.host listening on an interface they can route to, " +
  "and its `probeToolHost: true` to have this preflight prove it from a pod.";

function fail(detail: string, hint: string): PreflightCheckResult {
  return { status: "fail", detail, hint };
}

/** Why a fetch failed, in operator words (refused, timed out, DNS, ...). */
function transportProblem(err: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no answer within ${timeoutMs} ms`;
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === "ECONNREFUSED") return "connection refused (nothing listens there)";
  return cause?.code ? `${cause.code}: ${cause.message ?? errorMessage(err)}` : errorMessage(err);
}

/** The body's error code and message, when it is the API error envelope. */
function envelopeError(body: unknown): string {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return error && typeof error.code === "string" ? ` [${error.code}] ${String(error.message ?? "")}`.trimEnd() : "";
}

/** Runs the check once; never throws. */
export async function checkToolHost(probe: ToolHostProbe, signal?: AbortSignal): Promise<PreflightCheckResult> {
  const base = probe.callbackUrl()?.replace(/\/+$/, "") ?? null;
  if (!base) {
    return fail("the API is not listening in this kernel: sandboxed executors get no ARK_TOOLHOST_URL and cannot call tools", `${WHERE} ${PODS}`);
  }
  const url = `${base}/api/internal/tool-host/tools`;
  const timeoutMs = probe.timeoutMs ?? 5000;
  const token = probe.issueToken({ flowchart_run_id: null, node_run_id: `preflight-${randomUUID()}`, node_type: "", dispatcher: "preflight", tool_domains: [] }, TOKEN_TTL_SECONDS);
  const timeout = AbortSignal.timeout(timeoutMs);
  const started = performance.now();
  let response: Response;
  try {
    response = await (probe.fetch ?? fetch)(url, { headers: { authorization: `Bearer ${token}` }, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (err) {
    return fail(`GET ${url}: ${transportProblem(err, timeout.aborted, timeoutMs)}`, `${WHERE} Check that the API started (the startup report) and that nothing blocks loopback HTTP. ${PODS}`);
  }
  const ms = (performance.now() - started).toFixed(1);
  const body = (await response.json().catch(() => null)) as { tools?: unknown } | null;
  if (!response.ok) {
    return fail(`GET ${url} answered HTTP ${response.status}${envelopeError(body)} (${ms} ms)`,
      `The API refused a node-run token its own signer minted: check tooling.tokenSecret (at least 32 characters, the same on every kernel sharing the database) and any proxy in front of the API. ${WHERE}`);
  }
  if (!Array.isArray(body?.tools)) return fail(`GET ${url} answered HTTP ${response.status} without a tool list (${ms} ms): not ARK's tool host`, `${WHERE} ${PODS}`);
  if (body.tools.length > 0) {
    return fail(`GET ${url} listed ${body.tools.length} tool(s) to a token scoped to no tool domain`, "Node-run token scoping is broken: sandboxes could call tool domains their node may not use. Report this as a bug.");
  }
  const tools = probe.catalogue();
  const domains = new Set(tools.map((t) => t.domain)).size;
  return { status: "ok", detail: `${base} answered in ${ms} ms with a node-run token; ${tools.length} tool operation(s) in ${domains} domain(s), none visible to a token scoped to no domain` };
}
