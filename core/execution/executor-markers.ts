/**
 * The executor marker protocol (execution-plane §8.4), shared by the executor entrypoint and every out-of-process
 * dispatcher: the executor prints a literal start marker and a JSON start event before any node work, logs freely,
 * and ends with one `ARK_EXECUTOR_RESULT_JSON=` line. Readers take the LAST result line; a missing or malformed one
 * is a typed problem, never an exception.
 */
import type { ExecutionResult } from "../plugin-api/contributions.js";

/** The literal line an executor prints once it is running (before node work). */
export const EXECUTOR_STARTED_MARKER = "ARK_EXECUTOR_STARTED";
/** The prefix of the line carrying the v1 result JSON. */
export const RESULT_LINE_PREFIX = "ARK_EXECUTOR_RESULT_JSON=";
/** The `event` of the JSON start line. */
export const EXECUTOR_STARTED_EVENT = "executor_started";

/** What the JSON start line carries. */
export interface ExecutorStartInfo {
  readonly event: typeof EXECUTOR_STARTED_EVENT;
  readonly contract_version: "v1";
  readonly ts: string;
  readonly plugin_set_hash: string | null;
  readonly executor_class: string;
}

/** Why a result could not be read from an executor's output. */
export interface ExecutorOutputProblem {
  readonly code: "result_missing" | "result_malformed";
  readonly message: string;
}

/** An executor's output, read. */
export interface ParsedExecutorOutput {
  /** The literal or JSON start marker was seen. */
  readonly started: boolean;
  readonly startInfo: ExecutorStartInfo | null;
  /** The last result line's result, when it parsed as a v1 result envelope. */
  readonly result: ExecutionResult | null;
  readonly problem: ExecutorOutputProblem | null;
  /** Every other line (the executor's log). */
  readonly logLines: string[];
}

/** The two start lines: the literal marker and the JSON start event. */
export function formatStartMarkers(info: { pluginSetHash: string | null; executorClass: string; ts?: string }): string[] {
  const event: ExecutorStartInfo = {
    event: EXECUTOR_STARTED_EVENT, contract_version: "v1", ts: info.ts ?? new Date().toISOString(),
    plugin_set_hash: info.pluginSetHash, executor_class: info.executorClass,
  };
  return [EXECUTOR_STARTED_MARKER, JSON.stringify(event)];
}

/** The result line (single line: JSON.stringify never emits raw newlines). */
export function formatResultLine(result: ExecutionResult): string {
  return RESULT_LINE_PREFIX + JSON.stringify(result);
}

/** What one output line is. */
export type ExecutorLine =
  | { readonly kind: "started"; readonly info: ExecutorStartInfo | null }
  | { readonly kind: "result"; readonly result: ExecutionResult | null; readonly problem: ExecutorOutputProblem | null }
  | { readonly kind: "log"; readonly line: string };

const STATUSES = new Set(["success", "failed", "cancelled", "timeout"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The start info of a JSON start line, or null when the line is not one. */
export function parseStartLine(line: string): ExecutorStartInfo | null {
  if (!line.startsWith("{") || !line.includes(EXECUTOR_STARTED_EVENT)) return null;
  try {
    const value: unknown = JSON.parse(line);
    if (!isRecord(value) || value.event !== EXECUTOR_STARTED_EVENT) return null;
    return {
      event: EXECUTOR_STARTED_EVENT, contract_version: "v1", ts: String(value.ts ?? ""),
      plugin_set_hash: typeof value.plugin_set_hash === "string" ? value.plugin_set_hash : null,
      executor_class: String(value.executor_class ?? ""),
    };
  } catch {
    return null;
  }
}

/** Reads a result line's JSON as a v1 result envelope (shape only; the router validates the full contract). */
export function parseResultPayload(json: string): { result: ExecutionResult | null; problem: ExecutorOutputProblem | null } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    return { result: null, problem: { code: "result_malformed", message: `Executor result line is not valid JSON: ${(err as Error).message}` } };
  }
  if (!isRecord(value) || value.contract_version !== "v1" || !STATUSES.has(String(value.status))) {
    return { result: null, problem: { code: "result_malformed", message: "Executor result line is not a v1 result envelope (contract_version/status)." } };
  }
  // States are checked here only for shape; whether a success carries them is the v1 contract's call (the router).
  if ((value.output_state !== undefined && !isRecord(value.output_state)) || (value.routing_state !== undefined && !isRecord(value.routing_state))) {
    return { result: null, problem: { code: "result_malformed", message: "Executor result line has non-object output_state/routing_state." } };
  }
  return { result: value as unknown as ExecutionResult, problem: null };
}

/** Classifies one output line (without its newline; a trailing `\r` is ignored). */
export function classifyExecutorLine(rawLine: string): ExecutorLine {
  const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
  if (line.trim() === EXECUTOR_STARTED_MARKER) return { kind: "started", info: null };
  if (line.startsWith(RESULT_LINE_PREFIX)) return { kind: "result", ...parseResultPayload(line.slice(RESULT_LINE_PREFIX.length)) };
  const info = parseStartLine(line);
  return info ? { kind: "started", info } : { kind: "log", line };
}

/**
 * Accumulates an executor's output line by line (streamed or whole) into a ParsedExecutorOutput.
 * The last result line wins, so a handler that prints a fake early result cannot shadow the real one.
 */
export class ExecutorOutputReader {
  private started = false;
  private startInfo: ExecutorStartInfo | null = null;
  private lastResult: { result: ExecutionResult | null; problem: ExecutorOutputProblem | null } | null = null;
  private readonly logLines: string[] = [];

  /** `maxLogLines` keeps only the newest log lines (a streaming reader of a long run must not grow without bound). */
  constructor(private readonly options: { maxLogLines?: number } = {}) {}

  /** Feeds one complete line; returns what it was. */
  push(line: string): ExecutorLine {
    const classified = classifyExecutorLine(line);
    if (classified.kind === "started") {
      this.started = true;
      this.startInfo = classified.info ?? this.startInfo;
    } else if (classified.kind === "result") {
      this.lastResult = { result: classified.result, problem: classified.problem };
    } else {
      this.logLines.push(classified.line);
      if (this.options.maxLogLines !== undefined && this.logLines.length > this.options.maxLogLines) this.logLines.shift();
    }
    return classified;
  }

  /** The output so far. */
  snapshot(): ParsedExecutorOutput {
    const problem = this.lastResult
      ? this.lastResult.problem
      : { code: "result_missing" as const, message: "Executor output has no ARK_EXECUTOR_RESULT_JSON= line." };
    return { started: this.started, startInfo: this.startInfo, result: this.lastResult?.result ?? null, problem, logLines: [...this.logLines] };
  }
}

/** Parses a complete executor output (stdout, or a pod log). Never throws. */
export function parseExecutorOutput(text: string): ParsedExecutorOutput {
  const reader = new ExecutorOutputReader();
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (const line of lines) reader.push(line);
  return reader.snapshot();
}

/**
 * Splits streamed chunks into complete lines: a line split across chunks (or a UTF-8 character split across Buffers)
 * is joined before it is emitted; `end()` flushes an unterminated last line.
 */
export class LineSplitter {
  private buffer = "";
  private readonly decoder = new TextDecoder("utf-8");

  /** Feeds a chunk; returns the lines it completed. */
  push(chunk: string | Uint8Array): string[] {
    this.buffer += typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    const parts = this.buffer.split("\n");
    this.buffer = parts.pop() ?? "";
    return parts.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  }

  /** Flushes the remaining partial line, if any. */
  end(): string[] {
    this.buffer += this.decoder.decode();
    const rest = this.buffer;
    this.buffer = "";
    return rest === "" ? [] : [rest.endsWith("\r") ? rest.slice(0, -1) : rest];
  }
}
