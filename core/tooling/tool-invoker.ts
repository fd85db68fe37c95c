/**
 * The invocation envelope (reference §1.4, with §9's quirks fixed): resolve → validate input → idempotency ledger →
 * attempts with backoff (idempotent operations only) → fallback as `success_with_warning` → validate output → trace.
 * Every caller goes through `invoke`: node handlers, the frontier tool loop, sandbox callbacks, HTTP.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { ArkError, errorMessage, isArkError } from "../errors/index.js";
import type { ContractIssue, ContractRegistry } from "../contracts/contract-registry-port.js";
import { TOO_DEEP_MESSAGE, isTooDeep } from "../contracts/nesting-depth.js";
import { replaceUnstorableText, unstorableTextIn } from "../contracts/unstorable-text.js";
import type { ToolCallContext, ToolDescriptor, ToolInvocationResult } from "../plugin-api/contributions.js";
import { MAX_ATTEMPTS, runAttempts, type AttemptOutcome } from "./attempt-runner.js";
import { IdempotencyGate, ledgerSlotOf, type LedgerSlot, type OwnedClaim } from "./idempotency-gate.js";
import type { IdempotencyLedger } from "./idempotency-port.js";
import type { LlmComplete } from "./llm-bridge.js";
import { ToolCatalog, type ResolvedOperation, type ToolDomainLookup } from "./tool-catalog.js";
import { DEFAULT_FALLBACK_WARNING_CODE, type ToolCall, type ToolFallbackOutcome, type ToolWarning } from "./tool-call.js";
import type { ToolFailure } from "./tool-error.js";
import { buildTrace, uniqueWarnings, type CallTrace } from "./trace-envelope.js";

/** What the invoker is built from. */
export interface ToolInvokerOptions {
  readonly domains: ToolDomainLookup;
  readonly contracts: ContractRegistry;
  /** Without a ledger, idempotency keys are passed to handlers but not enforced (benchmarks, stateless tests). */
  readonly ledger?: IdempotencyLedger | null;
  /** ctx.llm, resolved per call (executors may be registered after the invoker is built). */
  readonly llm?: () => LlmComplete | undefined;
  readonly logger?: Logger;
  readonly ledgerTtlSeconds?: number;
  /** How long a running call's claim holds before a repeat may run it again (a crash mid-call); default 900 s. */
  readonly claimLeaseSeconds?: number;
  readonly inProgressWaitMs?: number;
  readonly inProgressPollMs?: number;
}

/** Everything one call carries through the steps. */
interface CallState {
  readonly call: ToolCall;
  readonly resolved: ResolvedOperation;
  readonly scope: Readonly<Record<string, unknown>>;
  readonly signal: AbortSignal;
  readonly key: string;
  readonly slot: LedgerSlot | null;
}

const NEVER_ABORTED = new AbortController().signal;

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : typeof value === "number" ? String(value) : undefined;
}

function clampInt(value: unknown, min: number, max: number, fallback: number): number {
  const n = typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : fallback;
  return Math.min(Math.max(n, min), max);
}

/** A value nested too deeply, as its only issue: no later walk (ajv, the digest, JSON.stringify) is safe on it. */
const TOO_DEEP_ISSUE: ContractIssue = { instancePath: "", message: TOO_DEEP_MESSAGE, keyword: "depth", params: {} };

/**
 * NUL characters and lone surrogates in an input, as issues: the input could not be stored as given (ledger, trace,
 * the domain's own tables).
 */
function unstorableIssues(input: unknown): ContractIssue[] {
  return unstorableTextIn(input).map(({ pointer, kind, message }) => ({ instancePath: pointer, message, keyword: kind === "nul" ? "nul" : "surrogate", params: {} }));
}

/** Said when an output's NUL characters or lone surrogates were replaced so that it can be stored and replayed. */
function replacedWarnings(nul: number, loneSurrogates: number): ToolWarning[] {
  const warnings: ToolWarning[] = [];
  if (nul > 0) {
    warnings.push({
      code: "output_nul_replaced",
      message: `The output held ${nul} NUL character(s) (U+0000), which cannot be stored; each was replaced by U+FFFD.`,
      details: { replaced: nul },
    });
  }
  if (loneSurrogates > 0) {
    warnings.push({
      code: "output_lone_surrogate_replaced",
      message: `The output held ${loneSurrogates} lone UTF-16 surrogate(s), which are not Unicode and cannot be stored; each was replaced by U+FFFD.`,
      details: { replaced: loneSurrogates },
    });
  }
  return warnings;
}

/** The invocation envelope over the registered tool domains. */
export class ToolInvoker {
  readonly catalog: ToolCatalog;
  private readonly gate: IdempotencyGate | null;

  constructor(private readonly options: ToolInvokerOptions) {
    this.catalog = new ToolCatalog(options.domains, options.contracts);
    this.gate = options.ledger
      ? new IdempotencyGate(options.ledger, {
        ttlSeconds: options.ledgerTtlSeconds ?? 24 * 60 * 60,
        claimLeaseSeconds: options.claimLeaseSeconds ?? 900,
        inProgressWaitMs: options.inProgressWaitMs ?? 2000,
        inProgressPollMs: options.inProgressPollMs ?? 50,
      })
      : null;
  }

  /** Every callable operation. */
  describe(): ToolDescriptor[] {
    return this.catalog.describe();
  }

  /** Runs one call through the envelope. Resolves with a failed result for every tool-level failure; never rejects. */
  async invoke(call: ToolCall): Promise<ToolInvocationResult> {
    const started = Date.now();
    let state: CallState;
    try {
      state = this.prepare(call);
    } catch (err) {
      return this.refused(call, err);
    }
    let owned: OwnedClaim | null = null;
    if (state.slot && this.gate) {
      try {
        const entry = await this.gate.enter(state.slot, state.signal);
        if (!("token" in entry)) return entry;
        owned = entry;
      } catch (err) {
        return this.refused(call, err, state);
      }
    }
    const result = await this.execute(state, started);
    if (owned) this.settleLedger(state, owned, result);
    return result;
  }

  /** Resolves the operation, validates the input and computes the ledger slot; throws ArkErrors for refusals. */
  private prepare(call: ToolCall): CallState {
    const resolved = this.catalog.resolve(call.domain, call.operation);
    // Depth first, alone: no schema says it, and no other check is safe on a value nested thousands deep.
    const issues = isTooDeep(call.input) ? [TOO_DEEP_ISSUE] : [...this.catalog.issues(resolved.inputId, call.input), ...unstorableIssues(call.input)];
    if (issues.length > 0) {
      throw new ArkError("ARK_TOOL_INPUT_INVALID", `Input of ${resolved.domain.id}.${resolved.name} is invalid: ${issues[0]!.instancePath || "(root)"} ${issues[0]!.message}.`, {
        details: { domain: resolved.domain.id, operation: resolved.name, issues },
      });
    }
    const scope = call.scope ?? {};
    const key = text(call.idempotencyKey);
    const slot = key && this.gate ? ledgerSlotOf(resolved.domain.id, resolved.name, scope, key, call.input) : null;
    return { call, resolved, scope, signal: call.signal ?? NEVER_ABORTED, key: key ?? randomUUID(), slot };
  }

  private async execute(state: CallState, started: number): Promise<ToolInvocationResult> {
    const { resolved, call } = state;
    const op = resolved.operation;
    const retry = call.retry ?? op.retry ?? {};
    const outcome = await runAttempts({
      maxAttempts: op.idempotent === true ? clampInt(retry.maxAttempts, 1, MAX_ATTEMPTS, 1) : 1,
      backoffMs: clampInt(retry.backoffMs, 0, 30_000, 0),
      backoffFactor: typeof retry.backoffFactor === "number" && retry.backoffFactor >= 1 ? retry.backoffFactor : 2,
      signal: state.signal,
      run: (attempt) => op.handler(call.input, this.contextFor(state, attempt)),
      checkOutput: (output) => this.outputProblem(resolved, output),
    });
    if (outcome.ok) return this.succeeded(state, outcome.output, outcome.calls, false, [], started);
    if (!outcome.cancelled) {
      const fallback = await this.fallbackFor(state, outcome.failure);
      if (fallback) return this.fromFallback(state, outcome, fallback, started);
    }
    return this.failed(state, outcome.failure, outcome.calls, started);
  }

  private contextFor(state: CallState, attempt: number): ToolCallContext {
    const llm = this.options.llm?.();
    return {
      domain: state.resolved.domain.id, operation: state.resolved.name, idempotencyKey: state.key, attempt, scope: state.scope, signal: state.signal,
      ...(llm ? { llm } : {}),
    };
  }

  private outputProblem(resolved: ResolvedOperation, output: unknown): ArkError | null {
    // Checked with or without a schema: the ledger and the node run store the output (NULs and lone surrogates are replaced later).
    const tooDeep = isTooDeep(output);
    if (resolved.outputId === null && !tooDeep) return null;
    const issues = tooDeep ? [TOO_DEEP_ISSUE] : this.catalog.issues(resolved.outputId!, output);
    if (issues.length === 0) return null;
    return new ArkError("ARK_TOOL_OUTPUT_INVALID", `Output of ${resolved.domain.id}.${resolved.name} ${tooDeep ? "cannot be kept" : "breaks its output schema"}: ${issues[0]!.instancePath || "(root)"} ${issues[0]!.message}.`, {
      details: { domain: resolved.domain.id, operation: resolved.name, issues },
    });
  }

  /** The first fallback (call's, operation's, domain's) that answers; a throwing fallback counts as declining. */
  private async fallbackFor(state: CallState, failure: ToolFailure): Promise<ToolFallbackOutcome | null> {
    const { call, resolved } = state;
    const ctx = this.contextFor(state, 0);
    const candidates = [
      call.fallback && (() => call.fallback!(failure, call.input, ctx)),
      resolved.operation.fallback && (() => resolved.operation.fallback!(failure, call.input, ctx)),
      resolved.domain.fallback && (() => resolved.domain.fallback!(resolved.name, failure, call.input, ctx)),
    ];
    for (const candidate of candidates) {
      if (!candidate) continue;
      try {
        const outcome = await candidate();
        if (outcome) return outcome;
      } catch (err) {
        this.options.logger?.warn({ err, domain: resolved.domain.id, operation: resolved.name }, "tool fallback threw; trying the next one");
      }
    }
    return null;
  }

  private fromFallback(state: CallState, outcome: Extract<AttemptOutcome, { ok: false }>, fallback: ToolFallbackOutcome, started: number): ToolInvocationResult {
    const problem = this.outputProblem(state.resolved, fallback.output);
    if (problem) {
      const failure: ToolFailure = { code: problem.code, message: `Fallback output: ${problem.message}`, details: problem.details, retryable: false, errorType: "ArkError" };
      return this.failed(state, failure, outcome.calls, started);
    }
    const warning: ToolWarning = {
      code: text(fallback.warning?.code) ?? DEFAULT_FALLBACK_WARNING_CODE,
      message: text(fallback.warning?.message) ?? (outcome.failure.message || "Deterministic tool invocation failed."),
      details: fallback.warning?.details ?? { domain: state.resolved.domain.id, operation: state.resolved.name, error_code: outcome.failure.code },
    };
    return this.succeeded(state, fallback.output, outcome.calls, true, [warning], started);
  }

  private succeeded(state: CallState, rawOutput: unknown, calls: CallTrace[], fallbackUsed: boolean, ownWarnings: ToolWarning[], started: number): ToolInvocationResult {
    const { value: output, replaced, nul, loneSurrogates } = replaceUnstorableText(rawOutput);
    const warnings = replaced === 0 ? ownWarnings : [...ownWarnings, ...replacedWarnings(nul, loneSurrogates)];
    const own = output !== null && typeof output === "object" ? (output as Record<string, unknown>) : {};
    const ownWarned = own.execution_status === "success_with_warning" || own.fallback_used === true;
    const all = uniqueWarnings([...warnings, ...(ownWarned && Array.isArray(own.warnings) ? own.warnings : [])]);
    const status = fallbackUsed || ownWarned || replaced > 0 ? "success_with_warning" : "success";
    const trace = this.trace(state, status, fallbackUsed || own.fallback_used === true, all, calls, started);
    return { status, output, warnings: all, error: null, trace, replayed: false };
  }

  private failed(state: CallState, failure: ToolFailure, calls: CallTrace[], started: number): ToolInvocationResult {
    const error = { code: failure.code, message: failure.message, ...(Object.keys(failure.details).length > 0 ? { details: failure.details } : {}) };
    const trace = this.trace(state, "failed", false, [], calls, started);
    return { status: "failed", output: null, warnings: [], error, trace, replayed: false };
  }

  private trace(state: CallState, status: ToolInvocationResult["status"], fallbackUsed: boolean, warnings: ToolWarning[], calls: CallTrace[], started: number): Record<string, unknown> {
    const { call, scope } = state;
    const labels = call.trace ?? {};
    const trace = buildTrace({
      nodeType: text(labels.nodeType ?? scope.node_type)?.toLowerCase() ?? "unknown",
      domain: state.resolved.domain.id, operation: state.resolved.name, status, fallbackUsed, warnings, calls, replayed: false,
      ...(state.slot ? { idempotencyScope: state.slot.scope, idempotencyKey: state.slot.key } : {}),
      executionId: labels.executionId ?? text(scope.node_run_id),
      requestId: text(labels.requestId ?? scope.request_id),
      correlationId: text(labels.correlationId ?? scope.correlation_id),
      artifactHookKey: labels.artifactHookKey,
    });
    trace.started_at = new Date(started).toISOString();
    trace.duration_ms = Date.now() - started;
    return trace;
  }

  /** A refused call (unknown, invalid input, in progress, conflict): a failed result that never ran. */
  private refused(call: ToolCall, err: unknown, state?: CallState): ToolInvocationResult {
    const known = isArkError(err);
    const error = { code: known ? err.code : "ARK_INTERNAL", message: errorMessage(err), ...(known && Object.keys(err.details).length ? { details: err.details } : {}) };
    const trace: Record<string, unknown> = {
      contract_version: "v1", node_type: text(call.trace?.nodeType ?? call.scope?.node_type) ?? "unknown", tool_name: `deterministic.${String(call.domain)}`,
      domain: call.domain, operation: call.operation, execution_status: "failed", fallback_used: false, warnings: [], attempt_count: 0, calls: [], replayed: false,
      ...(state?.slot ? { idempotency_scope: state.slot.scope, idempotency_key: state.slot.key } : {}),
    };
    if (!known) this.options.logger?.error({ err, domain: call.domain, operation: call.operation }, "tool call refused by an unexpected error");
    return { status: "failed", output: null, warnings: [], error, trace, replayed: false };
  }

  /**
   * Records a result in the ledger, or releases the claim of a failure (the key may be tried again), in the
   * background (see IdempotencyGate.settle).
   */
  private settleLedger(state: CallState, owned: OwnedClaim, result: ToolInvocationResult): void {
    const { slot } = state;
    if (!slot || !this.gate) return;
    this.gate.settle(slot, owned, result, (err) => {
      // The work is done; a ledger outage must not turn it into a failure. The claim expires with its lease.
      this.options.logger?.warn({ err, scope: slot.scope, key: slot.key }, "could not settle the idempotency claim of a tool call");
    });
  }

  /** Waits until every call's ledger record or release has been written (before the store closes). */
  async drain(): Promise<void> {
    await this.gate?.drain();
  }
}
