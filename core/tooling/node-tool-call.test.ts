/**
 * A node's failure controls reach the envelope: `tool_retry_attempts` / `tool_retry_backoff_ms` in node config become
 * the call's retry policy (reference tools-and-migration §3.1), for idempotent operations only, on a real ToolInvoker.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { createContractRegistry, registerCoreContracts } from "../contracts/index.js";
import type { ExecutionRequest, NodeExecutionContext, ToolDomainContribution } from "../plugin-api/contributions.js";
import { callNodeRunTool } from "./node-tool-call.js";
import type { ToolDomainSpec } from "./tool-call.js";
import { ToolInvoker } from "./tool-invoker.js";

const textIn = { type: "object", required: ["text"], properties: { text: { type: "string" } } };
const textOut = { type: "object", required: ["echo"], properties: { echo: { type: "string" } } };

describe("callNodeRunTool failure controls", () => {
  let failuresLeft = 0;
  let attempts = 0;
  const flaky = async (input: { text: string }) => {
    attempts++;
    if (failuresLeft-- > 0) throw new Error("transient");
    return { echo: input.text };
  };
  const spec: ToolDomainSpec = {
    id: "echo",
    operations: {
      read: { input: textIn, output: textOut, idempotent: true, handler: flaky },
      write: { input: textIn, output: textOut, handler: flaky },
    },
  };
  const domain = spec as unknown as ToolDomainContribution;
  const contracts = createContractRegistry();
  registerCoreContracts(contracts);
  const invoker = new ToolInvoker({ domains: { get: (id) => (id === "echo" ? domain : undefined), ids: () => ["echo"] }, contracts, ledger: null });
  const context: NodeExecutionContext = { tools: { describe: async () => invoker.describe(), invoke: (call) => invoker.invoke(call) } };

  const request = (config: Record<string, unknown>): ExecutionRequest => ({
    contract_version: "v1", node_id: "n1", node_type: "echo", node_config: config, input_context: {}, execution_id: 7, execution_index: 1,
  });
  const call = (operation: string, config: Record<string, unknown>) =>
    callNodeRunTool(request(config), new AbortController().signal, context, { domain: () => domain, operation, input: { text: "hi" } });

  beforeEach(() => {
    failuresLeft = 2;
    attempts = 0;
  });

  it("retries an idempotent operation as often as tool_retry_attempts says", async () => {
    const result = await call("read", { tool_retry_attempts: 3, tool_retry_backoff_ms: 1 });
    expect(result).toMatchObject({ status: "success", output: { echo: "hi" } });
    expect(attempts).toBe(3);
  });

  it("accepts the numeric strings legacy configs carry", async () => {
    expect((await call("read", { tool_retry_attempts: "3", tool_retry_backoff_ms: "0" })).status).toBe("success");
    expect(attempts).toBe(3);
  });

  it("makes one attempt by default, and too few attempts fail with the handler's error", async () => {
    expect((await call("read", {})).status).toBe("failed");
    expect(attempts).toBe(1);
    attempts = 0;
    failuresLeft = 2;
    expect((await call("read", { tool_retry_attempts: 2 })).status).toBe("failed");
    expect(attempts).toBe(2);
  });

  it("never retries an operation that is not idempotent, whatever the node says", async () => {
    const result = await call("write", { tool_retry_attempts: 5 });
    expect(result.status).toBe("failed");
    expect(attempts).toBe(1);
  });

  it("ignores values that are not whole numbers (graph save refuses them through the node type's configSchema)", async () => {
    expect((await call("read", { tool_retry_attempts: "three", tool_retry_backoff_ms: -4 })).status).toBe("failed");
    expect(attempts).toBe(1);
  });
});
