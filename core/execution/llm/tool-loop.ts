/**
 * The LLM tool loop (execution-plane §9.2–§9.6, with Q18 fixed): the node's tools are advertised with their JSON
 * Schemas, each cycle is one provider call (retried inside the cycle on retryable failures), every tool call goes
 * through the ToolHost with an idempotency key of node run + cycle + call index, and results go back as native
 * tool-result messages. An unknown tool or a refused call is answered to the model as an error result (it can
 * correct itself); a ToolHost that cannot be reached ends the loop. The loop never throws: it returns an outcome.
 */
import { errorMessage, isArkError } from "../../errors/index.js";
import type { ToolHost } from "../../plugin-api/contributions.js";
import { addUsage, type ChatAdapter, type ChatMessage, type ChatResponse, type ChatToolCall, type ChatUsage } from "./chat-model.js";
import { LlmError, isLlmError } from "./llm-errors.js";
import { withRetries, type RetryNotice, type RetryPolicy } from "./llm-retry.js";
import { ToolCatalog } from "./tool-catalog.js";
import { traceOfRefusal, traceOfResult, type ToolTraceEntry } from "./tool-trace.js";

/** Tool-loop cycles when nothing sets them (§9.2). */
export const TOOL_LOOP_DEFAULT_MAX_CYCLES = 24;
/** No node or config can raise the tool loop above this many cycles (§9.2). */
export const TOOL_LOOP_HARD_MAX_CYCLES = 64;

/** A normalised error envelope of the loop (`code` is a provider kind or a loop code). */
export interface LoopError {
  readonly code: string;
  readonly message: string;
  readonly details: Record<string, unknown>;
  readonly retryable: boolean;
}

/** Everything one loop run needs. */
export interface ToolLoopInput {
  readonly adapter: ChatAdapter;
  /** The node run's tool host; without one no tools are advertised. */
  readonly tools?: ToolHost;
  /** The catalog to advertise (built once per node run with `buildCatalog`); empty when absent. */
  readonly catalog?: ToolCatalog;
  readonly system?: string;
  readonly messages: readonly ChatMessage[];
  readonly model?: string;
  readonly json?: boolean;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly maxCycles: number;
  readonly retry: RetryPolicy;
  /** Prefix of each call's idempotency key: `<prefix>:cycle:<n>:call:<i>`. */
  readonly idempotencyPrefix: string;
  readonly scope: Record<string, unknown>;
  readonly signal: AbortSignal;
  readonly onRetry?: (notice: RetryNotice) => void;
}

/** What one loop run produced. */
export interface ToolLoopOutcome {
  readonly ok: boolean;
  readonly text: string;
  /** The whole conversation, ending with the final assistant message when ok. */
  readonly messages: readonly ChatMessage[];
  readonly usage: ChatUsage;
  readonly cycles: number;
  readonly model: string;
  readonly trace: readonly ToolTraceEntry[];
  readonly error?: LoopError;
}

/** The effective max cycles: a positive integer setting, else the default; never above the hard cap (§9.2 step 3). */
export function resolveMaxCycles(value: unknown, fallback = TOOL_LOOP_DEFAULT_MAX_CYCLES, hardCap = TOOL_LOOP_HARD_MAX_CYCLES): number {
  const cap = Math.min(Math.max(1, Math.floor(hardCap)), TOOL_LOOP_HARD_MAX_CYCLES);
  const parsed = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  const cycles = Number.isFinite(parsed) && Math.floor(parsed) >= 1 ? Math.floor(parsed) : fallback;
  return Math.min(cycles, cap);
}

/** The catalog of a tool host (empty without one), optionally limited to some domains. */
export async function buildCatalog(tools: ToolHost | undefined, domains?: readonly string[]): Promise<ToolCatalog> {
  return new ToolCatalog(tools ? await tools.describe() : [], domains);
}

interface LoopState {
  messages: ChatMessage[];
  usage: ChatUsage;
  trace: ToolTraceEntry[];
  model: string;
  cycles: number;
}

/** Runs the loop until the model answers without tool calls, an error, or the cycle cap. */
export async function runToolLoop(input: ToolLoopInput): Promise<ToolLoopOutcome> {
  const catalog = input.catalog ?? new ToolCatalog([]);
  const state: LoopState = { messages: [...input.messages], usage: { inputTokens: 0, outputTokens: 0 }, trace: [], model: input.model ?? input.adapter.defaultModel, cycles: 0 };
  const finish = (text: string, error?: LoopError): ToolLoopOutcome => ({
    ok: !error, text, messages: state.messages, usage: state.usage, cycles: state.cycles, model: state.model, trace: state.trace, ...(error ? { error } : {}),
  });
  for (let cycle = 1; cycle <= input.maxCycles; cycle++) {
    state.cycles = cycle;
    let response: ChatResponse;
    try {
      response = await callProvider(input, catalog, state.messages);
    } catch (err) {
      return finish("", providerFailure(input.adapter.provider, err));
    }
    state.usage = addUsage(state.usage, response.usage);
    state.model = response.model;
    state.messages.push({ role: "assistant", content: response.text, ...(response.toolCalls.length > 0 ? { toolCalls: response.toolCalls } : {}) });
    if (response.toolCalls.length === 0) return finish(response.text);
    if (!input.tools) {
      return finish("", loopError("tool_dispatcher_unconfigured", "The model called tools but this node run has no tool host; tool domain wiring is required before tool calls can execute.", {
        tool_call_count: response.toolCalls.length,
      }));
    }
    const failure = await dispatchCalls(input, input.tools, catalog, cycle, response.toolCalls, state);
    if (failure) return finish("", failure);
  }
  return finish("", loopError("tool_loop_max_cycles_exceeded", `${input.adapter.provider} tool loop exceeded max cycles (${input.maxCycles}) without producing a terminal response.`, {
    max_cycles: input.maxCycles,
  }));
}

function callProvider(input: ToolLoopInput, catalog: ToolCatalog, messages: readonly ChatMessage[]): Promise<ChatResponse> {
  const request = {
    messages, tools: catalog.tools(),
    ...(input.system ? { system: input.system } : {}), ...(input.model ? { model: input.model } : {}), ...(input.json ? { json: true } : {}),
    ...(input.maxTokens !== undefined ? { maxTokens: input.maxTokens } : {}), ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
  };
  return withRetries(() => input.adapter.chat(request, input.signal), {
    policy: input.retry, signal: input.signal, provider: input.adapter.provider, ...(input.onRetry ? { onRetry: input.onRetry } : {}),
  });
}

/** Dispatches one cycle's calls in order; answers each to the model; returns a LoopError when the loop must stop. */
async function dispatchCalls(input: ToolLoopInput, host: ToolHost, catalog: ToolCatalog, cycle: number, calls: readonly ChatToolCall[], state: LoopState): Promise<LoopError | undefined> {
  for (const [index, call] of calls.entries()) {
    const entry = catalog.resolve(call.name);
    const idempotencyKey = entry ? `${input.idempotencyPrefix}:cycle:${cycle}:call:${index + 1}` : null;
    const traced = { provider: input.adapter.provider, cycle, callId: call.id, toolName: call.name, domain: entry?.domain ?? null, operation: entry?.operation ?? null, idempotencyKey };
    if (!entry) {
      const refusal = { code: "unsupported_tool_name", message: `Unsupported tool '${call.name}'.`, details: { call_id: call.id, tool_name: call.name, available: catalog.tools().map((t) => t.name) } };
      state.trace.push(traceOfRefusal(traced, refusal.code));
      state.messages.push(toolMessage(call, { status: "failed", error: refusal }, true));
      continue;
    }
    try {
      const result = await host.invoke({
        domain: entry.domain, operation: entry.operation, input: ToolCatalog.inputFor(entry, call.arguments), idempotencyKey: idempotencyKey!, scope: input.scope, signal: input.signal,
      });
      state.trace.push(traceOfResult(traced, result));
      const failed = result.status === "failed";
      state.messages.push(toolMessage(call, failed ? { status: result.status, error: result.error ?? null } : { status: result.status, output: result.output, warnings: result.warnings }, failed));
    } catch (err) {
      if (input.signal.aborted) return loopError("cancelled", "The node run was cancelled during a tool call.", { call_id: call.id, tool_name: call.name });
      if (!refusedByHost(err)) {
        return loopError("tool_dispatch_failed", `Tool dispatch failed for ${call.name}: ${errorMessage(err)}`, {
          call_id: call.id, tool_name: call.name, tool_domain: entry.domain, operation: entry.operation, ...(isArkError(err) ? { cause_code: err.code } : {}),
        });
      }
      const refusal = { code: err.code, message: err.message, details: err.details };
      state.trace.push(traceOfRefusal(traced, err.code));
      state.messages.push(toolMessage(call, { status: "failed", error: refusal }, true));
    }
  }
  return undefined;
}

/** A client-side refusal the model can act on (bad input, unknown operation, out of scope) — but not a bad token. */
function refusedByHost(err: unknown): err is { code: string; message: string; details: Record<string, unknown> } & Error {
  return isArkError(err) && err.status >= 400 && err.status < 500 && err.status !== 401;
}

function toolMessage(call: ChatToolCall, payload: Record<string, unknown>, isError: boolean): ChatMessage {
  return { role: "tool", callId: call.id, name: call.name, content: JSON.stringify(payload), isError };
}

function loopError(code: string, message: string, details: Record<string, unknown>, retryable = false): LoopError {
  return { code, message, details, retryable };
}

function providerFailure(provider: string, err: unknown): LoopError {
  if (isLlmError(err)) return err.envelope();
  const wrapped = new LlmError("provider_error", `${provider} call failed: ${errorMessage(err)}`, { provider, cause: err });
  return wrapped.envelope();
}
