/**
 * The executor entrypoint's logic (execution-plane §8), free of process globals so it runs in tests and in any
 * bundle: read and validate the v1 payload, print the start markers (with the plugin-set hash), run the node
 * handler with the node run's ToolHost, and end with the `ARK_EXECUTOR_RESULT_JSON=` line. Exit codes: 0 success,
 * 124 timeout, 130 interrupted, 1 anything else. Every problem becomes a typed failed result; nothing throws.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { errorMessage } from "../errors/index.js";
import type { ExecutionRequest, ExecutionResult, NodeExecutionContext, ToolHost } from "../plugin-api/contributions.js";
import type { PluginDefinition } from "../plugin-api/plugin.js";
import { failedResult } from "./execution-results.js";
import { payloadValidator } from "./payload-validator.js";
import { readPayloadInput, parseExecutorFlags, type ExecutorFlags, type ExecutorStdin, type PayloadInputProblem } from "./executor-input.js";
import { formatResultLine, formatStartMarkers } from "./executor-markers.js";
import { buildExecutorRegistry, type ExecutorRegistry } from "./executor-registry.js";
import { toolHostFromEnv } from "./executor-tool-host.js";
import { runToolHostProbe, TOOL_HOST_PROBE_NODE_TYPE } from "./tool-host-probe.js";

/** Env variable that overrides the computed plugin-set hash (a bundle bakes its hash in). */
export const PLUGIN_SET_HASH_ENV = "ARK_EXECUTOR_PLUGIN_SET_HASH";

/** Something text can be written to (process.stdout in the real entrypoint). */
export interface TextSink {
  write(text: string): unknown;
}

/** Everything the entrypoint reads and writes. */
export interface ExecutorIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: ExecutorStdin | null;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** The executor's plugins, or a loader for them (a loader failure becomes an infra_error result). */
  readonly plugins: readonly PluginDefinition<any>[] | (() => Promise<readonly PluginDefinition<any>[]>);
  /** Fires on SIGINT/SIGTERM (the process wrapper wires it): the run answers `cancelled`, exit 130. */
  readonly interrupt?: AbortSignal;
  /** Replaces the ToolHost built from ARK_TOOLHOST_URL / ARK_TOOLHOST_TOKEN. */
  readonly toolHost?: ToolHost;
}

/** The process exit code of a result. */
export function exitCodeOf(result: ExecutionResult): number {
  if (result.status === "success") return 0;
  if (result.status === "timeout") return 124;
  if (result.status === "cancelled") return 130;
  const code = typeof result.exit_code === "number" ? result.exit_code : 1;
  return code > 0 && code < 256 ? code : 1;
}

function problemResult(problem: PayloadInputProblem): ExecutionResult {
  return failedResult(problem.code, problem.message, { details: problem.details });
}

/** The node execution of a validated payload, or a problem. */
function nodeExecutionOf(value: unknown): { request: ExecutionRequest; executorClass: string; payload: Record<string, unknown> } | PayloadInputProblem {
  const check = payloadValidator()(value);
  if (!check.valid) {
    const first = check.issues[0];
    return { code: "validation_error", message: `The payload violates the v1 executor payload contract: ${first ? `${first.instancePath || "/"} ${first.message}` : "invalid"}.`, details: { issues: check.issues } };
  }
  const payload = value as Record<string, unknown>;
  const nodeExecution = payload.node_execution as { request: ExecutionRequest; executor_class?: string } | undefined;
  if (!nodeExecution) return { code: "validation_error", message: "The ARK executor runs node executions only: payload.node_execution is required (command/shell_command are not supported)." };
  return { request: nodeExecution.request, executorClass: nodeExecution.executor_class ?? "frontier", payload };
}

async function loadRegistry(io: ExecutorIo): Promise<ExecutorRegistry | PayloadInputProblem> {
  try {
    const plugins = typeof io.plugins === "function" ? await io.plugins() : io.plugins;
    return buildExecutorRegistry(plugins);
  } catch (err) {
    const details = (err as { details?: Record<string, unknown> }).details ?? {};
    return { code: "infra_error", message: `The executor could not load its plugins: ${errorMessage(err)}`, details };
  }
}

type NodeHandler = (request: ExecutionRequest, signal: AbortSignal, context: NodeExecutionContext) => Promise<ExecutionResult>;

function raceAbort(signal: AbortSignal, answer: () => ExecutionResult): { promise: Promise<ExecutionResult>; dispose(): void } {
  let onAbort = (): void => undefined;
  const promise = new Promise<ExecutionResult>((resolve) => {
    onAbort = () => resolve(answer());
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener("abort", onAbort) };
}

/** Runs the handler against the timeout and the interrupt; the first to settle wins (a handler that ignores its signal is abandoned). */
async function runHandler(io: ExecutorIo, registry: ExecutorRegistry, request: ExecutionRequest, executorClass: string, timeoutSeconds: number | undefined): Promise<ExecutionResult> {
  const nodeType = registry.nodeType(request.node_type);
  const executor = registry.executorFor(executorClass);
  // The probe is built in (every executor image answers it); a node type without its own handler is the executor
  // class's work (frontier / vllm contribute `execute`).
  const handler: NodeHandler | null = request.node_type === TOOL_HOST_PROBE_NODE_TYPE
    ? (_r, _s, c) => runToolHostProbe(c.tools, io.env)
    : nodeType?.execute
      ? (r, s, c) => nodeType.execute!(r, s, c)
      : executor ? (r, s, c) => executor.execute(r, s, c) : null;
  if (!handler) {
    return failedResult("unsupported_node_type", `Unsupported flowchart node type '${request.node_type}' (executor class '${executorClass}', node types: ${registry.nodeTypes.join(", ")}).`);
  }
  const controller = new AbortController();
  const timeout = timeoutSeconds === undefined ? null : AbortSignal.timeout(Math.ceil(timeoutSeconds * 1000));
  const interrupt = io.interrupt ?? new AbortController().signal;
  const interrupted = raceAbort(interrupt, () => failedResult("cancelled", "Node execution was interrupted (SIGINT/SIGTERM).", { status: "cancelled" }));
  const timedOut = timeout
    ? raceAbort(timeout, () => failedResult("timeout", `Execution timed out after ${timeoutSeconds} seconds.`, { status: "timeout", details: { timeout_seconds: timeoutSeconds } }))
    : null;
  const stop = (): void => controller.abort();
  interrupt.addEventListener("abort", stop, { once: true });
  timeout?.addEventListener("abort", stop, { once: true });
  try {
    const work = (async () => handler(request, controller.signal, {
      tools: io.toolHost ?? toolHostFromEnv(io.env), executors: (id) => registry.executorFor(id),
    }))();
    const result = await Promise.race([work, interrupted.promise, ...(timedOut ? [timedOut.promise] : [])]);
    if (typeof result !== "object" || result === null) return failedResult("execution_error", "The node handler returned no result object.");
    return result;
  } catch (err) {
    return controller.signal.aborted
      ? failedResult("cancelled", "Node execution was interrupted.", { status: "cancelled" })
      : failedResult("execution_error", `Node execution failed: ${errorMessage(err)}`);
  } finally {
    interrupted.dispose();
    timedOut?.dispose();
    interrupt.removeEventListener("abort", stop);
  }
}

async function emit(io: ExecutorIo, flags: ExecutorFlags | null, result: ExecutionResult): Promise<number> {
  if (flags?.outputFile) {
    try {
      await mkdir(path.dirname(path.resolve(flags.outputFile)), { recursive: true });
      await writeFile(flags.outputFile, `${JSON.stringify(result, null, 2)}\n`);
    } catch (err) {
      io.stderr.write(`ark-executor: cannot write --output-file ${flags.outputFile}: ${errorMessage(err)}\n`);
    }
  }
  io.stdout.write(`${formatResultLine(result)}\n`);
  return exitCodeOf(result);
}

/** Runs one node execution as the executor entrypoint; resolves with the process exit code. */
export async function runExecutor(io: ExecutorIo): Promise<number> {
  const startedAt = new Date();
  const parsedFlags = parseExecutorFlags(io.argv, io.env);
  if ("problem" in parsedFlags) return emit(io, null, problemResult(parsedFlags.problem));
  const { flags } = parsedFlags;
  const input = await readPayloadInput(flags, io.env, io.stdin);
  if ("problem" in input) return emit(io, flags, problemResult(input.problem));
  const execution = nodeExecutionOf(input.value);
  if ("code" in execution) return emit(io, flags, problemResult(execution));
  const registry = await loadRegistry(io);
  if ("code" in registry) return emit(io, flags, problemResult(registry));
  const hash = io.env[PLUGIN_SET_HASH_ENV]?.trim() || registry.pluginSetHash;
  for (const line of formatStartMarkers({ pluginSetHash: hash, executorClass: execution.executorClass })) io.stdout.write(`${line}\n`);
  const payloadTimeout = execution.payload.timeout_seconds as number | undefined;
  const result = await runHandler(io, registry, execution.request, execution.executorClass, flags.timeoutSeconds ?? payloadTimeout);
  const finishedAt = new Date();
  return emit(io, flags, {
    ...result,
    exit_code: exitCodeOf(result),
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    provider_metadata: {
      executor: "ark-executor", provider: execution.payload.provider ?? null, request_id: execution.payload.request_id ?? null,
      executor_class: execution.executorClass, plugin_set_hash: hash, payload_source: input.source, execution_mode: "node_execution",
      ...((result.provider_metadata as Record<string, unknown> | undefined) ?? {}),
    },
    metrics: { duration_seconds: Math.round(finishedAt.getTime() - startedAt.getTime()) / 1000, ...((result.metrics as Record<string, unknown> | undefined) ?? {}) },
  });
}
