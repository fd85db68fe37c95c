import type { Logger } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { nestedObjects as nest } from "../../test/support/nested-value.js";
import { closeSharedTestPglite, openIsolatedStore, type IsolatedStore } from "../../test/support/store-harness.js";
import { createContractRegistry, registerCoreContracts, contractIds } from "../contracts/index.js";
import { MAX_VALUE_DEPTH, TOO_DEEP_MESSAGE } from "../contracts/nesting-depth.js";
import { ArkError } from "../errors/index.js";
import type { ExecutorContribution, ToolCallContext, ToolDomainContribution, ToolInvocationResult } from "../plugin-api/contributions.js";
import { StoreIdempotencyLedger } from "./idempotency-ledger.js";
import type { IdempotencyLedger } from "./idempotency-port.js";
import { executorLlm } from "./llm-bridge.js";
import type { ToolDomainSpec, ToolOperationSpec } from "./tool-call.js";
import { toolError } from "./tool-error.js";
import { ToolInvoker } from "./tool-invoker.js";
import { attachToolTrace } from "./trace-envelope.js";

/** A fake registry over a plain map. */
function lookup<T>(entries: Record<string, T>) {
  return { get: (id: string) => entries[id], ids: () => Object.keys(entries) };
}

/** A latch a handler waits on, so a test controls when the first call finishes. */
function latch() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}


const echoInput = { type: "object", required: ["text"], additionalProperties: false, properties: { text: { type: "string", minLength: 1 } } };
const echoOutput = { type: "object", required: ["echo"], properties: { echo: { type: "string" } } };

describe("tool invoker", () => {
  let isolated: IsolatedStore;
  let calls: Record<string, number>;
  let gate: ReturnType<typeof latch> | null;
  let failuresLeft: number;

  beforeAll(async () => {
    isolated = await openIsolatedStore("pglite", { migrate: (core) => core.filter((m) => m.id === "core/0001_idempotency_ledger") });
  });
  afterAll(async () => {
    await isolated.dispose();
    await closeSharedTestPglite();
  });
  beforeEach(async () => {
    calls = {};
    gate = null;
    failuresLeft = 0;
    await isolated.store.query("DELETE FROM ark_idempotency_ledger");
  });

  const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  const op = (name: string, extra: Partial<ToolOperationSpec> & Pick<ToolOperationSpec, "handler">): ToolOperationSpec => ({
    input: echoInput, output: echoOutput, ...extra,
    handler: async (input, ctx) => {
      count(name);
      return extra.handler(input, ctx);
    },
  });

  function domains(): Record<string, ToolDomainContribution> {
    const echo: ToolDomainSpec = {
      id: "echo",
      operations: {
        say: op("say", { idempotent: true, handler: async (input: { text: string }) => ({ echo: input.text }) }),
        slow: op("slow", { handler: async (input: { text: string }) => (await gate?.opened, { echo: input.text }) }),
        flaky: op("flaky", {
          idempotent: true, retry: { maxAttempts: 3, backoffMs: 1 },
          handler: async (input: { text: string }) => {
            if (failuresLeft-- > 0) throw new Error("transient");
            return { echo: input.text };
          },
        }),
        once: op("once", { retry: { maxAttempts: 3 }, handler: async () => { throw new Error("side effect may have happened"); } }),
        denied: op("denied", { idempotent: true, retry: { maxAttempts: 5 }, handler: async () => { throw toolError("echo.not_allowed", "No.", { why: "test" }, { retryable: false }); } }),
        bad: op("bad", { handler: async () => ({ wrong: true }) }),
        broken: op("broken", {
          handler: async () => { throw toolError("echo.broken", "Broken."); },
          fallback: (failure) => ({ output: { echo: `fallback after ${failure.code}` } }),
        }),
        warns: op("warns", {
          handler: async () => ({ echo: "x", execution_status: "success_with_warning", warnings: [{ code: "echo.partial", message: "Half." }, { code: "echo.partial", message: "Half." }] }),
        }),
        // Takes any object and answers with `{ tree }` nested `depth` objects deep.
        deep: op("deep", {
          input: { type: "object" }, output: { type: "object" },
          handler: async (input: { depth?: number }) => ({ tree: nest(input.depth ?? 0) }),
        }),
        binary: op("binary", { handler: async (input: { text: string }) => ({ echo: `${input.text}\u0000bytes\u0000` }) }),
        // A model's text cut in the middle of an emoji: a lone high surrogate at the end, and a lone low one in a key.
        halves: op("halves", { handler: async (input: { text: string }) => ({ echo: `${input.text} \uD83D`, parts: { ["\uDE00"]: "\uD83D\uDE00" } }) }),
        cancellable: op("cancellable", { handler: (_input, ctx: ToolCallContext) => new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(new Error("aborted")))) }),
        asks: op("asks", { handler: async (input: { text: string }, ctx) => ({ echo: ctx.llm ? (await ctx.llm({ messages: [{ role: "user", content: input.text }], provider: "vllm_local" })).text : "no llm" }) }),
      },
    };
    return { echo };
  }

  // One registry for the file: compiling the core contracts again per invoker would dominate the run time.
  const contracts = createContractRegistry();
  registerCoreContracts(contracts);

  function invoker(options: { ledger?: boolean; waitMs?: number; leaseSeconds?: number; executors?: Record<string, ExecutorContribution> } = {}): ToolInvoker {
    const executors = lookup(options.executors ?? {});
    return new ToolInvoker({
      domains: lookup(domains()), contracts,
      ledger: options.ledger === false ? null : new StoreIdempotencyLedger(isolated.store),
      llm: () => executorLlm(executors), inProgressWaitMs: options.waitMs ?? 100, inProgressPollMs: 10,
      ...(options.leaseSeconds ? { claimLeaseSeconds: options.leaseSeconds } : {}),
    });
  }

  it("refuses an unknown domain or operation with ARK_TOOL_UNKNOWN, naming what exists", async () => {
    const tools = invoker();
    const noDomain = await tools.invoke({ domain: "nope", operation: "say", input: { text: "a" } });
    expect(noDomain).toMatchObject({ status: "failed", error: { code: "ARK_TOOL_UNKNOWN", details: { domains: ["echo"] } }, replayed: false });
    const noOp = await tools.invoke({ domain: "echo", operation: "shout", input: { text: "a" } });
    expect(noOp.error?.code).toBe("ARK_TOOL_UNKNOWN");
    expect(noOp.error?.details?.operations).toContain("say");
    // Inherited object keys are not operations.
    expect((await tools.invoke({ domain: "echo", operation: "toString", input: {} })).error?.code).toBe("ARK_TOOL_UNKNOWN");
  });

  it("rejects invalid input with every issue, without running the handler", async () => {
    const tools = invoker();
    const result = await tools.invoke({ domain: "echo", operation: "say", input: { text: "", extra: 1 }, idempotencyKey: "k" });
    expect(result.status).toBe("failed");
    expect(result.error?.code).toBe("ARK_TOOL_INPUT_INVALID");
    expect((result.error?.details?.issues as unknown[]).length).toBe(2);
    expect((await tools.invoke({ domain: "echo", operation: "say", input: "text" })).error?.code).toBe("ARK_TOOL_INPUT_INVALID");
    expect(calls.say).toBeUndefined();
    // An invalid call claims nothing: the same key still runs once the input is fixed.
    expect((await tools.invoke({ domain: "echo", operation: "say", input: { text: "ok" }, idempotencyKey: "k" })).status).toBe("success");
  });

  it("refuses an input holding a NUL character with its path, since nothing could store it", async () => {
    const result = await invoker().invoke({ domain: "echo", operation: "say", input: { text: "a\u0000b" }, idempotencyKey: "nul" });
    expect(result).toMatchObject({ status: "failed", error: { code: "ARK_TOOL_INPUT_INVALID", details: { issues: [{ instancePath: "/text", keyword: "nul" }] } } });
    expect(result.error?.message).toContain("/text must not contain a NUL character");
    expect(calls.say).toBeUndefined();
  });

  it("refuses an input holding a lone UTF-16 surrogate (value or key) with its path, and claims nothing", async () => {
    const tools = invoker();
    const result = await tools.invoke({ domain: "echo", operation: "say", input: { text: "a\uD800b" }, idempotencyKey: "half" });
    expect(result).toMatchObject({ status: "failed", error: { code: "ARK_TOOL_INPUT_INVALID", details: { issues: [{ instancePath: "/text", keyword: "surrogate" }] } } });
    expect(result.error?.message).toContain("/text must not contain a lone UTF-16 surrogate (\\ud800 at offset 1); send well-formed Unicode");
    const key = await tools.invoke({ domain: "echo", operation: "deep", input: { ["\uDC00"]: 1 }, idempotencyKey: "half-key" });
    expect(key).toMatchObject({ status: "failed", error: { code: "ARK_TOOL_INPUT_INVALID", details: { issues: [{ instancePath: "/\uDC00", keyword: "surrogate" }] } } });
    expect([calls.say, calls.deep]).toEqual([undefined, undefined]);
    // A well-formed pair is text like any other, and the refused key was never claimed.
    const emoji = await tools.invoke({ domain: "echo", operation: "say", input: { text: "\uD83D\uDE00" }, idempotencyKey: "half" });
    expect(emoji).toMatchObject({ status: "success", replayed: false });
  });

  it("refuses an input nested deeper than MAX_VALUE_DEPTH, however deep, before any other walk and without claiming its key", async () => {
    const tools = invoker();
    for (const depth of [MAX_VALUE_DEPTH + 1, 50_000]) {
      const result = await tools.invoke({ domain: "echo", operation: "deep", input: { tree: nest(depth) }, idempotencyKey: "deep-in" });
      expect(result).toMatchObject({ status: "failed", error: { code: "ARK_TOOL_INPUT_INVALID", details: { issues: [{ instancePath: "", keyword: "depth", message: TOO_DEEP_MESSAGE }] } } });
    }
    expect(calls.deep).toBeUndefined();
    // The outer object is one level: a tree one short of the bound fits, and the key was never claimed.
    expect((await tools.invoke({ domain: "echo", operation: "deep", input: { tree: nest(MAX_VALUE_DEPTH - 1) }, idempotencyKey: "deep-in" })).status).toBe("success");
  });

  it("fails an output nested deeper than MAX_VALUE_DEPTH (ARK_TOOL_OUTPUT_INVALID) and releases its claim", async () => {
    const tools = invoker();
    const call = { domain: "echo", operation: "deep", input: { depth: 50_000 }, idempotencyKey: "deep-out" };
    const result = await tools.invoke(call);
    expect(result).toMatchObject({ status: "failed", output: null, error: { code: "ARK_TOOL_OUTPUT_INVALID", details: { issues: [{ keyword: "depth" }] } } });
    expect(result.error?.message).toBe(`Output of echo.deep cannot be kept: (root) ${TOO_DEEP_MESSAGE}.`);
    await tools.drain();
    // Released, not recorded: the repeat runs again (and fails again) instead of waiting out a stuck claim.
    expect((await tools.invoke(call)).error?.code).toBe("ARK_TOOL_OUTPUT_INVALID");
    expect(calls.deep).toBe(2);
    // Without an output schema the bound holds too, and a fallback's output is held to it.
    const noSchema = await invoker({ ledger: false }).invoke({ domain: "echo", operation: "once", input: { text: "x" }, fallback: () => ({ output: nest(MAX_VALUE_DEPTH + 1) }) });
    expect(noSchema).toMatchObject({ status: "failed", error: { code: "ARK_TOOL_OUTPUT_INVALID" } });
  });

  it("replaces lone surrogates in an output (values and keys) with U+FFFD, warns, and replays exactly what it answered", async () => {
    const tools = invoker();
    const call = { domain: "echo", operation: "halves", input: { text: "cut" }, idempotencyKey: "halves-1" };
    const first = await tools.invoke(call);
    const output = { echo: "cut \uFFFD", parts: { ["\uFFFD"]: "\uD83D\uDE00" } };
    expect(first).toMatchObject({ status: "success_with_warning", output, replayed: false });
    expect(first.warnings).toEqual([expect.objectContaining({ code: "output_lone_surrogate_replaced", details: { replaced: 2 } })]);
    const again = await tools.invoke(call);
    expect(again).toMatchObject({ status: "success_with_warning", replayed: true });
    expect(again.output).toEqual(first.output);
    expect(calls.halves).toBe(1);
  });

  it("replaces NUL characters in an output with U+FFFD, warns, and replays the stored result", async () => {
    const tools = invoker();
    const call = { domain: "echo", operation: "binary", input: { text: "raw" }, idempotencyKey: "bin-1" };
    const first = await tools.invoke(call);
    expect(first).toMatchObject({ status: "success_with_warning", output: { echo: "raw\uFFFDbytes\uFFFD" }, replayed: false });
    expect(first.warnings).toEqual([expect.objectContaining({ code: "output_nul_replaced", details: { replaced: 2 } })]);
    expect(first.trace).toMatchObject({ execution_status: "success_with_warning" });
    // The result reached the ledger (a NUL would have made that write fail): the repeat is its replay.
    const again = await tools.invoke(call);
    expect(again).toMatchObject({ status: "success_with_warning", output: { echo: "raw\uFFFDbytes\uFFFD" }, replayed: true });
    expect(calls.binary).toBe(1);
  });

  it("replays a repeated key with the first result and never runs the handler twice", async () => {
    const tools = invoker();
    const call = { domain: "echo", operation: "say", input: { text: "hi" }, idempotencyKey: "key-1", scope: { flowchart_run_id: "7", node_run_id: "70" } };
    const first = await tools.invoke(call);
    const again = await tools.invoke(call);
    const third = await invoker().invoke(call); // another invoker (a restarted kernel) over the same ledger
    expect(first).toMatchObject({ status: "success", output: { echo: "hi" }, replayed: false });
    expect(again).toMatchObject({ status: "success", output: { echo: "hi" }, replayed: true, trace: { replayed: true } });
    expect(third.replayed).toBe(true);
    expect(calls.say).toBe(1);
    expect(again.trace.calls).toEqual(first.trace.calls);
    // Another caller scope or another key is another call.
    await tools.invoke({ ...call, scope: { flowchart_run_id: "7", node_run_id: "71" } });
    await tools.invoke({ ...call, idempotencyKey: "key-2" });
    await tools.invoke({ domain: "echo", operation: "say", input: { text: "hi" } });
    expect(calls.say).toBe(4);
  });

  it("refuses a reused key with a different input (ARK_TOOL_IDEMPOTENCY_CONFLICT)", async () => {
    const tools = invoker();
    await tools.invoke({ domain: "echo", operation: "say", input: { text: "one" }, idempotencyKey: "k" });
    const reused = await tools.invoke({ domain: "echo", operation: "say", input: { text: "two" }, idempotencyKey: "k" });
    expect(reused.error?.code).toBe("ARK_TOOL_IDEMPOTENCY_CONFLICT");
    expect(calls.say).toBe(1);
  });

  it("answers a concurrent duplicate with ARK_TOOL_IN_PROGRESS after its wait, then the recorded result", async () => {
    gate = latch();
    const tools = invoker({ waitMs: 30 });
    const call = { domain: "echo", operation: "slow", input: { text: "s" }, idempotencyKey: "dup" };
    const first = tools.invoke(call);
    while (!calls.slow) await new Promise((resolve) => setTimeout(resolve, 5));
    const duplicate = await tools.invoke(call);
    expect(duplicate).toMatchObject({ status: "failed", error: { code: "ARK_TOOL_IN_PROGRESS" } });
    expect(duplicate.trace.idempotency_scope).toBe("tool:echo.slow");
    // A duplicate that waits long enough gets the result once the first call finishes.
    const patient = invoker({ waitMs: 5000 }).invoke(call);
    gate.open();
    expect((await first).replayed).toBe(false);
    expect(await patient).toMatchObject({ status: "success", output: { echo: "s" }, replayed: true });
    expect(calls.slow).toBe(1);
  });

  it("lets a repeat run a call whose kernel died mid-call once the claim lease ends, but keeps a result for the full ttl", async () => {
    gate = latch();
    const call = { domain: "echo", operation: "slow", input: { text: "crash" }, idempotencyKey: "died-mid-call" };
    // The first kernel claims the key and never finishes (its handler waits forever: the process "died").
    void invoker({ leaseSeconds: 1 }).invoke(call);
    while (!calls.slow) await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await invoker({ waitMs: 20 }).invoke(call)).error?.code).toBe("ARK_TOOL_IN_PROGRESS");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    gate.open();
    const restarted = await invoker({ leaseSeconds: 1 }).invoke(call);
    expect(restarted).toMatchObject({ status: "success", replayed: false });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // Completed: the long ttl answers repeats, not the 1 s lease.
    expect(await invoker().invoke(call)).toMatchObject({ status: "success", replayed: true });
  });

  it("answers after the claim alone: the result is recorded in the background, repeats here wait for it, drain() for all", async () => {
    const store = new StoreIdempotencyLedger(isolated.store);
    const held = latch();
    let completions = 0;
    let failNext = false;
    // The real ledger, with its completion held until the test lets it through (or failed, like a ledger outage).
    const ledger: IdempotencyLedger = {
      claim: (...args) => store.claim(...args),
      release: (...args) => store.release(...args),
      purgeExpired: () => store.purgeExpired(),
      complete: async (...args) => {
        completions += 1;
        await held.opened;
        if (failNext) throw new ArkError("ARK_STORE_UNREACHABLE", "ledger down");
        return store.complete(...args);
      },
    };
    const warnings: string[] = [];
    const logger = { warn: (_o: unknown, message: string) => warnings.push(message) } as unknown as Logger;
    const tools = new ToolInvoker({ domains: lookup(domains()), contracts, ledger, logger, inProgressWaitMs: 0, inProgressPollMs: 1 });
    const call = { domain: "echo", operation: "say", input: { text: "bg" }, idempotencyKey: "background" };
    const stateOf = async () => (await isolated.store.query<{ state: string }>("SELECT state FROM ark_idempotency_ledger WHERE key LIKE '%|background'")).rows[0]?.state;

    expect(await tools.invoke(call)).toMatchObject({ status: "success", replayed: false });
    expect(completions).toBe(0); // the record starts after the caller has its answer
    while (completions === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(await stateOf()).toBe("pending"); // answered while its record is still being written
    // A repeat in this process waits for that record instead of answering ARK_TOOL_IN_PROGRESS (its wait is 0 here).
    const repeat = tools.invoke(call);
    let drained = false;
    const draining = tools.drain().then(() => (drained = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(drained).toBe(false);
    held.open();
    expect(await repeat).toMatchObject({ status: "success", output: { echo: "bg" }, replayed: true });
    await draining;
    expect(await stateOf()).toBe("completed");
    expect(calls.say).toBe(1);

    // A record that fails is logged; the answer the caller got stands, and the claim stays pending (to expire).
    failNext = true;
    const other = { ...call, idempotencyKey: "background-lost" };
    expect(await tools.invoke(other)).toMatchObject({ status: "success" });
    await tools.drain();
    expect(warnings).toEqual(["could not settle the idempotency claim of a tool call"]);
    expect((await tools.invoke(other)).error?.code).toBe("ARK_TOOL_IN_PROGRESS");
    expect(calls.say).toBe(2);
  });

  it("releases the claim of a failed call, so the same key can run again (quirk §9.5 fixed)", async () => {
    const tools = invoker();
    failuresLeft = 10;
    const call = { domain: "echo", operation: "flaky", input: { text: "f" }, idempotencyKey: "retry-me", retry: { maxAttempts: 1 } };
    expect((await tools.invoke(call)).status).toBe("failed");
    failuresLeft = 0;
    expect(await tools.invoke(call)).toMatchObject({ status: "success", replayed: false });
    expect(calls.flaky).toBe(2);
  });

  it("retries idempotent operations with backoff and records every attempt", async () => {
    failuresLeft = 2;
    const result = await invoker().invoke({ domain: "echo", operation: "flaky", input: { text: "r" } });
    expect(result.status).toBe("success");
    expect(result.trace.attempt_count).toBe(3);
    expect((result.trace.calls as Array<{ status: string; error_code?: string }>).map((c) => c.status)).toEqual(["failed", "failed", "succeeded"]);
    expect((result.trace.calls as Array<{ error_code?: string; error_type?: string }>)[0]).toMatchObject({ error_code: "ARK_TOOL_HANDLER_FAILED", error_type: "Error" });
    // The caller's policy wins over the operation's.
    failuresLeft = 2;
    const once = await invoker().invoke({ domain: "echo", operation: "flaky", input: { text: "r" }, retry: { maxAttempts: 1 } });
    expect(once).toMatchObject({ status: "failed", error: { code: "ARK_TOOL_HANDLER_FAILED", message: "transient" } });
  });

  it("never retries an operation not marked idempotent, nor a failure marked retryable: false", async () => {
    const tools = invoker();
    const once = await tools.invoke({ domain: "echo", operation: "once", input: { text: "x" }, retry: { maxAttempts: 5 } });
    expect(once.status).toBe("failed");
    expect(calls.once).toBe(1);
    const denied = await tools.invoke({ domain: "echo", operation: "denied", input: { text: "x" } });
    expect(denied).toMatchObject({ status: "failed", error: { code: "echo.not_allowed", message: "No.", details: { why: "test" } } });
    expect(calls.denied).toBe(1);
  });

  it("answers a fallback as success_with_warning with one warning and its code", async () => {
    const tools = invoker();
    const own = await tools.invoke({ domain: "echo", operation: "broken", input: { text: "x" } });
    expect(own).toMatchObject({ status: "success_with_warning", output: { echo: "fallback after echo.broken" } });
    expect(own.warnings).toEqual([{ code: "deterministic_tool_failure", message: "Broken.", details: { domain: "echo", operation: "broken", error_code: "echo.broken" } }]);
    expect(own.trace).toMatchObject({ fallback_used: true, execution_status: "success_with_warning", warnings: own.warnings });
    // The caller's fallback comes first; declining (null) passes to the operation's.
    const mine = await tools.invoke({ domain: "echo", operation: "broken", input: { text: "x" }, fallback: () => ({ output: { echo: "mine" }, warning: { code: "echo.degraded", message: "Used mine." } }) });
    expect(mine.warnings).toEqual([{ code: "echo.degraded", message: "Used mine.", details: { domain: "echo", operation: "broken", error_code: "echo.broken" } }]);
    const declined = await tools.invoke({ domain: "echo", operation: "broken", input: { text: "x" }, fallback: () => null });
    expect(declined.output).toEqual({ echo: "fallback after echo.broken" });
    // A fallback whose output breaks the schema fails the call.
    const badFallback = await tools.invoke({ domain: "echo", operation: "once", input: { text: "x" }, fallback: () => ({ output: { nope: 1 } }) });
    expect(badFallback).toMatchObject({ status: "failed", error: { code: "ARK_TOOL_OUTPUT_INVALID" } });
  });

  it("fails an output that breaks the operation's output schema (ARK_TOOL_OUTPUT_INVALID)", async () => {
    const result = await invoker().invoke({ domain: "echo", operation: "bad", input: { text: "x" }, idempotencyKey: "bad" });
    expect(result).toMatchObject({ status: "failed", output: null, error: { code: "ARK_TOOL_OUTPUT_INVALID" } });
    expect(result.error?.details?.issues).toBeDefined();
  });

  it("builds the §1.5 trace envelope: labels, scope ids, idempotency, attempts", async () => {
    const result = await invoker().invoke({
      domain: "echo", operation: "say", input: { text: "t" }, idempotencyKey: "trace-key",
      scope: { flowchart_run_id: 3, node_run_id: "33", node_type: "Memory", request_id: "req-1", correlation_id: "cor-1" },
      trace: { artifactHookKey: "memory_final_state" },
    });
    expect(result.trace).toMatchObject({
      contract_version: "v1", node_type: "memory", tool_name: "deterministic.echo", domain: "echo", operation: "say",
      execution_status: "success", fallback_used: false, warnings: [], attempt_count: 1, replayed: false,
      execution_id: "33", request_id: "req-1", correlation_id: "cor-1", artifact_hook_key: "memory_final_state",
      idempotency_scope: "tool:echo.say", idempotency_key: "flowchart_run_id=3,node_run_id=33|trace-key",
    });
    expect(contracts.check(contractIds.toolTrace, result.trace)).toEqual({ valid: true });
  });

  it("lifts a handler's own warnings once, and attaches the trace to node outputs without duplicates (quirk §9.2 fixed)", async () => {
    const tools = invoker();
    const warned = await tools.invoke({ domain: "echo", operation: "warns", input: { text: "x" } });
    expect(warned.status).toBe("success_with_warning");
    expect(warned.warnings).toEqual([{ code: "echo.partial", message: "Half." }]);
    const fallback = await tools.invoke({ domain: "echo", operation: "broken", input: { text: "x" } });
    const attached = attachToolTrace({ node_type: "memory", warnings: [...fallback.warnings] }, { route_key: "next" }, fallback);
    expect(attached.output_state.warnings).toEqual(fallback.warnings);
    expect(attached.output_state).toMatchObject({ execution_status: "success_with_warning", fallback_used: true, deterministic_tooling: fallback.trace });
    expect(attached.routing_state).toMatchObject({
      route_key: "next", fallback_used: true,
      deterministic_tooling: { contract_version: "v1", tool_name: "deterministic.echo", execution_status: "success_with_warning", fallback_used: true, request_id: null },
    });
    const plain = attachToolTrace({ node_type: "memory" }, {}, await tools.invoke({ domain: "echo", operation: "say", input: { text: "x" } }));
    expect(plain.output_state).toMatchObject({ execution_status: "success", fallback_used: false });
    expect(plain.output_state.warnings).toBeUndefined();
    expect(plain.routing_state.fallback_used).toBeUndefined();
  });

  it("answers ARK_TOOL_CANCELLED when the caller aborts, and works without a ledger", async () => {
    const controller = new AbortController();
    const pending = invoker().invoke({ domain: "echo", operation: "cancellable", input: { text: "x" }, idempotencyKey: "c", signal: controller.signal });
    while (!calls.cancellable) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect((await pending).error?.code).toBe("ARK_TOOL_CANCELLED");
    const stateless = invoker({ ledger: false });
    const a: ToolInvocationResult = await stateless.invoke({ domain: "echo", operation: "say", input: { text: "x" }, idempotencyKey: "same" });
    await stateless.invoke({ domain: "echo", operation: "say", input: { text: "x" }, idempotencyKey: "same" });
    expect(a.trace.idempotency_scope).toBeUndefined();
    expect(calls.say).toBe(2);
  });

  it("gives handlers ctx.llm from an executor with complete(), preferring the provider's class", async () => {
    const completing = (id: string): ExecutorContribution => ({
      id, execute: async () => { throw new Error("unused"); },
      complete: async (request) => ({ text: `${id}:${request.messages[0]!.content}`, provider: request.provider ?? id, model: "m" }),
    });
    expect((await invoker().invoke({ domain: "echo", operation: "asks", input: { text: "q" } })).output).toEqual({ echo: "no llm" });
    const both = invoker({ executors: { frontier: completing("frontier"), vllm: completing("vllm") } });
    expect((await both.invoke({ domain: "echo", operation: "asks", input: { text: "q" } })).output).toEqual({ echo: "vllm:q" });
    const onlyFrontier = invoker({ executors: { frontier: completing("frontier") } });
    expect((await onlyFrontier.invoke({ domain: "echo", operation: "asks", input: { text: "q" } })).output).toEqual({ echo: "frontier:q" });
  });

  it("rejects malformed domain error codes", () => {
    expect(() => toolError("NotNamespaced", "x")).toThrow(ArkError);
    expect(toolError("memory.not_found", "x").code).toBe("memory.not_found");
  });
});
