/**
 * The `process` dispatcher (the embedded default's out-of-process option): one executor child process per node run,
 * with the v1 payload in a per-run workspace folder, a scrubbed environment, the marker protocol on stdout, typed
 * timeouts, cancel with grace then SIGKILL, and a FIFO concurrency limit. From source it runs
 * `node --import tsx core/execution/executor-main.ts`; with `execution.process.bundle` it runs `node <bundle>`.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import type { DispatcherContribution, ExecutionRequest, ExecutionResult } from "../plugin-api/contributions.js";
import { buildExecutorPayload } from "./executor-payload.js";
import { runExecutorChild } from "./executor-child.js";
import type { ExecutorStartInfo } from "./executor-markers.js";
import { PAYLOAD_FILE_ENV } from "./executor-input.js";
import { PLUGIN_BASE_DIR_ENV, PLUGIN_MODULES_ENV } from "./executor-plugin-source.js";
import { failedResult } from "./execution-results.js";
import { EXECUTOR_BUILT_IN_TYPES } from "./executor-registry.js";
import { TOOLHOST_TOKEN_ENV, TOOLHOST_URL_ENV } from "./executor-tool-host.js";
import { resolveTimeouts, type ProcessDispatcherConfig } from "./process-config.js";
import { toolHostScopeOf } from "./tool-host-scope.js";
import { dispatchKeyOf, readRecordedResult, recordResult } from "./process-dispatch-record.js";
import { resultOfOutcome } from "./process-outcome.js";
import { ProcessSlots } from "./process-slots.js";

/** The id of the process dispatcher. */
export const PROCESS_DISPATCHER_ID = "process";

/** The node run a tool-host token is minted for. */
export interface ToolHostScope {
  readonly flowchart_run_id: string | null;
  readonly node_id: string;
  readonly node_run_id: string;
  readonly node_type: string;
  readonly execution_index: number;
  readonly dispatcher: string;
  /** The tool domains the node may call (null: any). */
  readonly tool_domains?: readonly string[] | null;
}

/** Mints a tool-host URL and token for one node run (core/tooling wires it); null = no tool host for this run. */
export type ToolHostIssuer = (scope: ToolHostScope) => { url: string; token: string } | null | Promise<{ url: string; token: string } | null>;

/** A dispatch state change the router records on the node run (`dispatch_submitted`, `dispatch_confirmed`). */
export type DispatchStateListener = (state: "dispatch_submitted" | "dispatch_confirmed", metadata: Record<string, unknown>) => void;

/** The dispatch options the router passes; the extra listener is optional for dispatchers that report states. */
export interface DispatchOptions {
  readonly executorClass: string;
  readonly signal: AbortSignal;
  readonly onDispatchState?: DispatchStateListener;
}

/** What the process dispatcher needs from the kernel. */
export interface ProcessDispatcherDeps {
  readonly config: ProcessDispatcherConfig;
  /** The node-executor settings (timeouts), read per dispatch. */
  readonly readSettings?: () => Promise<Readonly<Record<string, string>>>;
  /** The plugin modules a source-mode executor loads, and the folder they resolve from. */
  readonly pluginModules?: () => Promise<{ modules: readonly string[]; baseDir: string }>;
  /** The current tool-host issuer (read per dispatch, so it can be wired after the dispatcher exists). */
  readonly toolHostIssuer?: () => ToolHostIssuer | null;
  readonly logger?: Pick<Logger, "debug" | "warn">;
  /** The kernel environment the executor env is scrubbed from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The folder relative paths resolve against (default process.cwd()). */
  readonly cwd?: string;
}

/** Kernel env variables every executor gets (everything else is dropped unless allowlisted). */
const BASE_ENV_ALLOWLIST = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR"];

/** The process dispatcher plus its queue gauges (for tests and health). */
export interface ProcessDispatcher extends DispatcherContribution {
  readonly slots: ProcessSlots;
}

function safeSegment(value: unknown, fallback: string): string {
  const text = String(value ?? "").replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^\.+/, "");
  return text === "" ? fallback : text.slice(0, 128);
}

/** `node --import tsx executor-main.ts` from source (same extension as this module), or `node <bundle>`. */
function executorCommand(config: ProcessDispatcherConfig, cwd: string): { command: string; args: string[]; bundle: string | null } {
  if (config.bundle) {
    const bundle = path.resolve(cwd, config.bundle);
    return { command: process.execPath, args: [bundle], bundle };
  }
  const extension = path.extname(fileURLToPath(import.meta.url));
  const main = fileURLToPath(new URL(`./executor-main${extension}`, import.meta.url));
  return { command: process.execPath, args: ["--import", import.meta.resolve("tsx"), main], bundle: null };
}

/** What bundle.json next to the bundle says the executor contains (null without a readable one). */
function bundleManifestOf(bundle: string | null): { pluginSetHash: string | null; nodeTypes: readonly string[] | null } | null {
  if (!bundle) return null;
  const manifest = path.join(path.dirname(bundle), "bundle.json");
  if (!existsSync(manifest)) return null;
  try {
    const value = JSON.parse(readFileSync(manifest, "utf8")) as { plugin_set_hash?: unknown; node_types?: unknown };
    return {
      pluginSetHash: typeof value.plugin_set_hash === "string" && value.plugin_set_hash !== "" ? value.plugin_set_hash : null,
      nodeTypes: Array.isArray(value.node_types) ? value.node_types.filter((t): t is string => typeof t === "string") : null,
    };
  } catch {
    return null;
  }
}

/** The expected plugin-set hash: config, else `plugin_set_hash` of bundle.json next to the bundle, else none. */
function expectedHashOf(config: ProcessDispatcherConfig, bundle: string | null): string | null {
  return config.expectedPluginSetHash ?? bundleManifestOf(bundle)?.pluginSetHash ?? null;
}

/** A node type the configured bundle does not contain fails before anything is spawned (nothing of the node ran). */
function missingNodeType(bundle: string | null, request: ExecutionRequest): ExecutionResult | null {
  const nodeTypes = bundleManifestOf(bundle)?.nodeTypes;
  if (!nodeTypes || nodeTypes.includes(request.node_type) || EXECUTOR_BUILT_IN_TYPES.has(request.node_type)) return null;
  return failedResult("ARK_EXECUTOR_PLUGIN_SET_MISMATCH", `The executor bundle ${bundle} has no plugin for node type '${request.node_type}' (it contains: ${nodeTypes.join(", ") || "none"}); rebuild it with the plugin that provides it (ark bundle --plugins ...).`, {
    retryable: false, details: { node_type: request.node_type, bundle_node_types: nodeTypes, bundle },
  });
}

function scrubbedEnv(deps: ProcessDispatcherDeps): Record<string, string> {
  const source = deps.env ?? process.env;
  const env: Record<string, string> = {};
  for (const name of [...BASE_ENV_ALLOWLIST, ...deps.config.envAllowlist]) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...deps.config.env };
}

/** `<workspaceRoot>/<run>/<node-run>`, resolved against the working folder. */
function workspaceOf(deps: ProcessDispatcherDeps, request: ExecutionRequest): string {
  return path.resolve(deps.cwd ?? process.cwd(), deps.config.workspaceRoot, safeSegment(request.flowchart_run_id, "adhoc"), safeSegment(request.execution_id, "node-run"));
}

async function prepareWorkspace(workspace: string, payload: Record<string, unknown>): Promise<{ workspace: string; payloadFile: string }> {
  await mkdir(workspace, { recursive: true, mode: 0o700 });
  const payloadFile = path.join(workspace, "payload.json");
  await writeFile(payloadFile, JSON.stringify(payload), { mode: 0o600 });
  return { workspace, payloadFile };
}

async function executorEnv(deps: ProcessDispatcherDeps, request: ExecutionRequest, payloadFile: string, bundle: string | null): Promise<Record<string, string>> {
  const env: Record<string, string> = { ...scrubbedEnv(deps), [PAYLOAD_FILE_ENV]: payloadFile };
  if (!bundle && deps.pluginModules) {
    const { modules, baseDir } = await deps.pluginModules();
    env[PLUGIN_MODULES_ENV] = JSON.stringify(modules);
    env[PLUGIN_BASE_DIR_ENV] = baseDir;
  }
  const issuer = deps.toolHostIssuer?.();
  const access = issuer ? await issuer(toolHostScopeOf(request, PROCESS_DISPATCHER_ID)) : null;
  if (access) Object.assign(env, { [TOOLHOST_URL_ENV]: access.url, [TOOLHOST_TOKEN_ENV]: access.token });
  return env;
}

async function dispatchOne(deps: ProcessDispatcherDeps, request: ExecutionRequest, options: DispatchOptions): Promise<ExecutionResult> {
  const timeouts = resolveTimeouts(deps.config, deps.readSettings ? await deps.readSettings() : {});
  const { command, args, bundle } = executorCommand(deps.config, deps.cwd ?? process.cwd());
  const missing = missingNodeType(bundle, request);
  if (missing) return { ...missing, run_metadata: { dispatch_status: "dispatch_failed", dispatch_uncertain: false } };
  const payload = {
    ...buildExecutorPayload(request, { dispatcherId: PROCESS_DISPATCHER_ID, executorClass: options.executorClass, requestId: String(request.request_id ?? request.execution_id) }),
    timeout_seconds: Math.min(86400, Math.max(1, Math.ceil(timeouts.executionSeconds))),
  };
  const { workspace, payloadFile } = await prepareWorkspace(workspaceOf(deps, request), payload);
  const expected = expectedHashOf(deps.config, bundle);
  const log = deps.logger;
  const outcome = await runExecutorChild({
    command, args, cwd: workspace, env: await executorEnv(deps, request, payloadFile, bundle), timeouts, expectedPluginSetHash: expected, signal: options.signal,
    onSpawned: (pid) => options.onDispatchState?.("dispatch_submitted", { provider_dispatch_id: `process:${pid}`, workspace }),
    onStarted: (info: ExecutorStartInfo | null) => options.onDispatchState?.("dispatch_confirmed", { plugin_set_hash: info?.plugin_set_hash ?? null }),
    onLog: (line, stream) => log?.debug({ nodeRunId: String(request.execution_id), stream }, line),
  });
  return resultOfOutcome(outcome, { timeouts, expectedPluginSetHash: expected, workspace, command: [command, ...args] });
}

/** Runs one dispatch in a slot (a cancelled waiter never spawns); preparation failures are certain dispatch failures. */
async function dispatchInSlot(deps: ProcessDispatcherDeps, slots: ProcessSlots, request: ExecutionRequest, options: DispatchOptions): Promise<ExecutionResult> {
  if (!(await slots.acquire(options.signal))) {
    return { ...failedResult("cancelled", "Node execution was cancelled before an executor process started.", { status: "cancelled" }), run_metadata: { dispatch_status: "dispatch_failed", dispatch_uncertain: false } };
  }
  try {
    return await dispatchOne(deps, request, options);
  } catch (err) {
    deps.logger?.warn({ err }, `process dispatch of node run ${String(request.execution_id)} failed before spawn`);
    return { ...failedResult("dispatch_error", `The process dispatcher could not prepare the executor: ${(err as Error).message}`), run_metadata: { dispatch_status: "dispatch_failed", dispatch_uncertain: false } };
  } finally {
    slots.release();
  }
}

/** Creates the process dispatcher. */
export function createProcessDispatcher(deps: ProcessDispatcherDeps): ProcessDispatcher {
  const slots = new ProcessSlots(() => deps.config.maxConcurrent);
  // A repeat of a node run attempt that is still running joins it; one that finished gets the recorded result.
  const inFlight = new Map<string, Promise<ExecutionResult>>();
  return {
    id: PROCESS_DISPATCHER_ID,
    description: "Runs each node in its own executor child process (bundle, or tsx from source).",
    slots,
    async dispatch(request, options: DispatchOptions) {
      const workspace = workspaceOf(deps, request);
      const key = `${workspace}\n${dispatchKeyOf(request)}`;
      const running = inFlight.get(key);
      if (running) return running;
      const pending = (async () => {
        const recorded = await readRecordedResult(workspace, dispatchKeyOf(request));
        if (recorded) return { ...recorded, run_metadata: { ...((recorded.run_metadata as Record<string, unknown> | undefined) ?? {}), duplicate_dispatch: true } };
        const result = await dispatchInSlot(deps, slots, request, options);
        await recordResult(workspace, dispatchKeyOf(request), result).catch((err: unknown) => deps.logger?.warn({ err }, "recording a process dispatch result failed"));
        return result;
      })();
      inFlight.set(key, pending);
      try {
        return await pending;
      } finally {
        inFlight.delete(key);
      }
    },
  };
}
