/** The dispatcher port: routing, the v1 request/payload contracts, result validation, and the inline dispatcher. */
import { describe, expect, it } from "vitest";
import { createContractRegistry } from "../contracts/index.js";
import { contractIds } from "../contracts/schemas/index.js";
import { isArkError } from "../errors/index.js";
import type { DispatcherContribution, ExecutionRequest, NodeTypeContribution } from "../plugin-api/contributions.js";
import { DispatchRouter, buildExecutorPayload, executorClassFor, type NodeExecution } from "./dispatch-router.js";
import { failedResult, successResult } from "./execution-results.js";
import { createInlineDispatcher } from "./inline-dispatcher.js";

const execution = (type: string, config: Record<string, unknown> = {}): NodeExecution => ({
  flowchartId: "1", runId: "2", nodeRunId: "3", node: { id: "n", type, config }, inputContext: { upstream_nodes: [] }, executionIndex: 1,
  idempotencyKey: "run:2:node:n:execution:1", attempt: 1, requestId: "req", correlationId: "corr", cutover: false,
});

function routerWith(types: NodeTypeContribution[], extra: DispatcherContribution[] = [], options: { routes?: Record<string, string>; defaultDispatcher?: string } = {}) {
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
    expect((await router.execute(execution("echo"), new AbortController().signal)).result.output_state).toEqual({ node_type: "echo", remote: true });
    const broken = routerWith([echo], [], { defaultDispatcher: "process" }).router;
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
});
