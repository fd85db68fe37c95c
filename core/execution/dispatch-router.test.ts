/** The dispatcher port: routing, the v1 request/payload contracts, result validation, and the inline dispatcher. */
import { describe, expect, it } from "vitest";
import { nestedObjects as nest } from "../../test/support/nested-value.js";
import { createContractRegistry } from "../contracts/index.js";
import { MAX_VALUE_DEPTH, TOO_DEEP_MESSAGE } from "../contracts/nesting-depth.js";
import { contractIds } from "../contracts/schemas/index.js";
import { isArkError } from "../errors/index.js";
import { degradedReason } from "../flow/engine/success-batch.js";
import type { DispatcherContribution, ExecutionRequest, NodeTypeContribution } from "../plugin-api/contributions.js";
import { DispatchRouter, buildExecutorPayload, executorClassFor, type NodeExecution } from "./dispatch-router.js";
import { failedResult, successResult } from "./execution-results.js";
import { createInlineDispatcher } from "./inline-dispatcher.js";

const execution = (type: string, config: Record<string, unknown> = {}, cutover = false): NodeExecution => ({
  flowchartId: "1", runId: "2", nodeRunId: "3", node: { id: "n", type, config }, inputContext: { upstream_nodes: [] }, executionIndex: 1,
  idempotencyKey: "run:2:node:n:execution:1", attempt: 1, requestId: "req", correlationId: "corr", cutover,
});

type RouterOptions = { routes?: Record<string, string>; defaultDispatcher?: string; legacyDispatcher?: string; recordMetadata?: (id: string, m: Record<string, unknown>) => Promise<void> };

function routerWith(types: NodeTypeContribution[], extra: DispatcherContribution[] = [], options: RouterOptions = {}) {
  const map = new Map(types.map((t) => [t.type, t]));
  const dispatchers = new Map([["inline", createInlineDispatcher(() => map)], ...extra.map((d) => [d.id, d] as const)]);
  const contracts = createContractRegistry();
  return { router: new DispatchRouter({ dispatchers: { get: (id) => dispatchers.get(id), ids: () => [...dispatchers.keys()] }, contracts, ...options }), contracts };
}

const seen: ExecutionRequest[] = [];
const echo: NodeTypeContribution = { type: "echo", execute: async (request) => (seen.push(request), successResult({ node_type: "echo", got: request.node_config }, {})) };

describe("dispatch router", () => {
  it("runs a node type inline with a v1 request (cutover injected) and stores dispatch metadata", async () => {
    const { router, contracts } = routerWith([echo]);
    const { result, runMetadata } = await router.execute(execution("echo", { k: 1 }), new AbortController().signal);
    expect(result.status).toBe("success");
    expect(result.output_state).toEqual({ node_type: "echo", got: { k: 1, __agent_runtime_cutover_enabled: "false" } });
    const request = seen.at(-1)!;
    expect(contracts.check(contractIds.executionRequest, request).valid).toBe(true);
    expect([request.execution_id, request.idempotency_key, request.selected_provider]).toEqual(["3", "run:2:node:n:execution:1", "inline"]);
    expect(runMetadata).toMatchObject({ dispatcher: "inline", dispatch_status: "dispatch_confirmed", executor_class: "frontier", attempt: 1 });
    const payload = buildExecutorPayload(request, { dispatcherId: "inline", executorClass: "frontier", requestId: "req" });
    expect(contracts.check(contractIds.executorPayload, payload).valid).toBe(true);
  });

  it("routes by node type and refuses unknown dispatchers with ARK_DISPATCHER_UNKNOWN / a failed result", async () => {
    const remote: DispatcherContribution = { id: "remote", dispatch: async () => successResult({ node_type: "echo", remote: true }) };
    const { router } = routerWith([echo], [remote], { routes: { echo: "remote" } });
    expect((await router.execute(execution("echo", {}, true), new AbortController().signal)).result.output_state).toEqual({ node_type: "echo", remote: true });
    const broken = routerWith([echo], [], { defaultDispatcher: "process", legacyDispatcher: "process" }).router;
    const err = (() => { try { broken.checkRoutes(); return null; } catch (e) { return e; } })();
    expect(isArkError(err, "ARK_DISPATCHER_UNKNOWN")).toBe(true);
    const { result, runMetadata } = await broken.execute(execution("echo"), new AbortController().signal);
    expect([result.status, result.error?.code, runMetadata.dispatch_status]).toEqual(["failed", "dispatch_error", "dispatch_failed"]);
  });

  it("turns every node problem into a failed result with a stable code", async () => {
    const types: NodeTypeContribution[] = [
      { type: "thrower", execute: async () => { throw new Error("boom"); } },
      { type: "liar", execute: async () => ({ contract_version: "v1", status: "success" }) as never },
      { type: "decision", execute: async () => successResult({ node_type: "decision", matched_connector_ids: [" padded"], evaluations: [], no_match: false }, {}) },
      { type: "mistyped", execute: async () => successResult({ node_type: "other" }) },
      { type: "refuser", execute: async () => failedResult("execution_error", "no thanks") },
      { type: "notype" },
    ];
    const { router } = routerWith(types);
    const run = async (type: string) => (await router.execute(execution(type), new AbortController().signal)).result;
    expect((await run("thrower")).error).toMatchObject({ code: "execution_error", message: "Node execution failed: boom" });
    expect((await run("liar")).error?.code).toBe("contract_violation");
    expect((await run("decision")).error?.message).toBe("Node output violates its contract: Decision output_state.matched_connector_ids must contain non-empty strings.");
    expect((await run("mistyped")).error?.message).toBe("Node output violates its contract: output_state.node_type must be 'mistyped', got 'other'.");
    expect((await run("refuser")).error).toMatchObject({ code: "execution_error", message: "no thanks", retryable: false });
    expect((await run("notype")).error).toMatchObject({ code: "unsupported_node_type", message: "Unsupported flowchart node type 'notype'." });
    expect((await run("missing")).error?.code).toBe("unsupported_node_type");
  });

  it("replaces NUL characters in a result (a model's text, a process's output) and counts them in the run metadata", async () => {
    const types: NodeTypeContribution[] = [
      { type: "chatty", execute: async () => successResult({ node_type: "chatty", text: "a\u0000b", parts: ["\u0000"] }, {}) },
      { type: "crasher", execute: async () => failedResult("execution_error", "stderr: \u0000\u0000") },
    ];
    const { router } = routerWith([...types, echo]);
    const chatty = await router.execute(execution("chatty"), new AbortController().signal);
    expect(chatty.result.output_state).toEqual({ node_type: "chatty", text: "a\uFFFDb", parts: ["\uFFFD"] });
    expect(chatty.runMetadata).toMatchObject({ nul_characters_replaced: 2, dispatch_status: "dispatch_confirmed" });
    const crasher = await router.execute(execution("crasher"), new AbortController().signal);
    expect([crasher.result.error?.message, crasher.runMetadata.nul_characters_replaced]).toEqual(["stderr: \uFFFD\uFFFD", 2]);
    const clean = await router.execute(execution("echo"), new AbortController().signal);
    expect(clean.result.status).toBe("success");
    expect(clean.runMetadata).not.toHaveProperty("nul_characters_replaced");
  });

  it("replaces lone surrogates in a result (a model's text cut mid-emoji) and counts them apart from NULs", async () => {
    const types: NodeTypeContribution[] = [
      { type: "halves", execute: async () => successResult({ node_type: "halves", text: "cut \uD83D", keep: "\uD83D\uDE00", nul: "\u0000" }, {}) },
    ];
    const { router } = routerWith([...types, echo]);
    const halves = await router.execute(execution("halves"), new AbortController().signal);
    expect(halves.result.output_state).toEqual({ node_type: "halves", text: "cut \uFFFD", keep: "\uD83D\uDE00", nul: "\uFFFD" });
    expect(halves.runMetadata).toMatchObject({ lone_surrogates_replaced: 1, nul_characters_replaced: 1 });
    expect(degradedReason({ lone_surrogates_replaced: 1 }, {})).toBe("lone_surrogates_replaced");
  });

  it("fails a result nested deeper than MAX_VALUE_DEPTH as a contract violation, before any walk could overflow", async () => {
    const types: NodeTypeContribution[] = [
      { type: "deep", execute: async () => successResult({ node_type: "deep", tree: nest(50_000) }, {}) },
      { type: "deepish", execute: async () => successResult({ node_type: "deepish", tree: nest(MAX_VALUE_DEPTH - 3) }, {}) },
    ];
    const { router } = routerWith(types);
    const deep = (await router.execute(execution("deep"), new AbortController().signal)).result;
    expect(deep).toMatchObject({ status: "failed", error: { code: "contract_violation", message: `The executor result ${TOO_DEEP_MESSAGE}; it cannot be stored.` } });
    expect(deep.error?.details).toEqual({ issues: [{ instancePath: "", keyword: "depth", message: TOO_DEEP_MESSAGE }] });
    // The envelope's own levels count: an output three short of the bound still fits.
    expect((await router.execute(execution("deepish"), new AbortController().signal)).result.status).toBe("success");
  });

  it("an abort answers cancelled at once, even from a node type that ignores its signal", async () => {
    const stuck: NodeTypeContribution = { type: "stuck", execute: () => new Promise(() => undefined) };
    const { router } = routerWith([stuck]);
    const controller = new AbortController();
    const pending = router.execute(execution("stuck"), controller.signal);
    controller.abort();
    const { result } = await pending;
    expect([result.status, result.error?.code]).toEqual(["cancelled", "cancelled"]);
  });

  it("picks the vllm executor class for vLLM-served models", () => {
    const request = (provider: string) => ({ node_config: { model_provider: provider } }) as unknown as ExecutionRequest;
    expect(executorClassFor(request("vllm_local"))).toBe("vllm");
    expect(executorClassFor(request("openai"))).toBe("frontier");
  });

  it("the cutover gate picks the route: off → legacy dispatcher, on → routes/default (flowchart stays inline)", async () => {
    const remote: DispatcherContribution = { id: "remote", dispatch: async (request) => successResult({ node_type: request.node_type, remote: true }) };
    const { router } = routerWith([echo], [remote], { defaultDispatcher: "remote" });
    expect(router.routeFor("echo", false)).toEqual({ id: "inline", route: "legacy" });
    expect(router.routeFor("echo", true)).toEqual({ id: "remote", route: "unified" });
    expect(router.routeFor("flowchart", true)).toEqual({ id: "inline", route: "unified" });
    const off = await router.execute(execution("echo"), new AbortController().signal);
    expect([off.result.output_state.remote, off.runMetadata.dispatcher, off.runMetadata.route]).toEqual([undefined, "inline", "legacy"]);
    const on = await router.execute(execution("echo", {}, true), new AbortController().signal);
    expect([on.result.output_state.remote, on.runMetadata.dispatcher, on.runMetadata.route]).toEqual([true, "remote", "unified"]);
    const legacyRemote = routerWith([echo], [remote], { legacyDispatcher: "remote" }).router;
    expect((await legacyRemote.execute(execution("echo"), new AbortController().signal)).runMetadata.dispatcher).toBe("remote");
    expect(legacyRemote.routeFor("flowchart", false)).toEqual({ id: "inline", route: "legacy" });
  });

  it("records pending metadata (the 12 keys) before an out-of-process dispatch, and refuses to dispatch when that fails", async () => {
    const recorded: Record<string, unknown>[] = [];
    let dispatched = 0;
    const remote: DispatcherContribution = {
      id: "remote",
      dispatch: async (request, options) => {
        dispatched += 1;
        expect(recorded.at(-1)).toMatchObject({ dispatch_status: "dispatch_pending", selected_provider: "remote", dispatcher: "remote", executor_class: "frontier" });
        (options as { onDispatchState?: (s: string, m: Record<string, unknown>) => void }).onDispatchState?.("dispatch_confirmed", { provider_dispatch_id: "remote:1" });
        return successResult({ node_type: request.node_type }, {}, { run_metadata: { provider_dispatch_id: "remote:1" } });
      },
    };
    const { router } = routerWith([echo], [remote], { defaultDispatcher: "remote", recordMetadata: async (_id, m) => void recorded.push(m) });
    const { runMetadata } = await router.execute(execution("echo", {}, true), new AbortController().signal);
    expect(Object.keys(recorded[0]!)).toEqual(expect.arrayContaining(["selected_provider", "final_provider", "provider_dispatch_id", "workspace_identity", "dispatch_status", "fallback_attempted", "fallback_reason", "dispatch_uncertain", "api_failure_category", "cli_fallback_used", "cli_preflight_passed", "execution_mode"]));
    expect(recorded[1]).toEqual({ provider_dispatch_id: "remote:1", dispatch_status: "dispatch_confirmed" });
    expect(runMetadata).toMatchObject({ dispatch_status: "dispatch_confirmed", provider_dispatch_id: "remote:1", dispatcher: "remote" });
    const failing = routerWith([echo], [remote], { defaultDispatcher: "remote", recordMetadata: async () => { throw new Error("db down"); } }).router;
    const { result } = await failing.execute(execution("echo", {}, true), new AbortController().signal);
    expect([result.error?.code, (result.error?.details as Record<string, unknown>).ark_code, dispatched]).toEqual(["dispatch_error", "ARK_DISPATCH_METADATA_PERSIST_FAILED", 1]);
  });
});
