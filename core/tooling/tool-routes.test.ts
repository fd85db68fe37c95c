import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http } from "../api/api-test-support.js";
import { apiServerRef } from "../api/api-server-port.js";
import { definePlugin } from "../plugin-api/plugin.js";
import type { ToolDomainContribution } from "../plugin-api/contributions.js";
import { startTestKernel, type TestKernel } from "../testing/index.js";
import { toolHostIssuerSlotRef } from "../execution/tool-host-issuer-ref.js";
import { ArkError } from "../errors/index.js";
import { createHttpToolHost } from "./http-tool-host.js";
import { toolHostRef, toolingInternalsRef } from "./tool-host-ref.js";
import { toolError } from "./tool-error.js";

const API_TOKEN = "api-token-for-tool-route-tests";
let added = 0;

const probe: ToolDomainContribution = {
  id: "probe",
  description: "Test domain: echoes its input and the caller's scope.",
  operations: {
    echo: {
      description: "Echo.",
      input: { type: "object", required: ["text"], additionalProperties: false, properties: { text: { type: "string" } } },
      output: { type: "object", required: ["text", "scope"], properties: { text: { type: "string" }, scope: { type: "object" } } },
      handler: async (input: { text: string }, ctx) => ({ text: input.text, scope: ctx.scope }),
    },
    add: {
      input: { type: "object", required: ["n"], properties: { n: { type: "integer" } } },
      handler: async (input: { n: number }) => ({ total: (added += input.n) }),
    },
    refuse: {
      input: { type: "object" },
      handler: async () => { throw toolError("probe.refused", "Refused on purpose.", { reason: "test" }); },
    },
  },
};

const probePlugin = definePlugin({
  id: "tools-probe", version: "1.0.0", kernel: "^1.0.0", requires: ["tooling-api"],
  register: (r) => r.toolDomain(probe),
});

describe("tool HTTP routes", () => {
  let kernel: TestKernel;
  let url: string;
  const bearer = { authorization: `Bearer ${API_TOKEN}` };

  beforeAll(async () => {
    kernel = await startTestKernel({ plugins: [probePlugin], config: { api: { port: 0, token: API_TOKEN }, kernel: { pluginTimeoutMs: 60_000 } } });
    url = kernel.get(apiServerRef).address()!.url;
  }, 60_000);
  afterAll(async () => kernel?.stop());

  it("lists the operations with their schemas (api token required)", async () => {
    expect((await http(`${url}/api/tools`)).status).toBe(401);
    const listed = await http(`${url}/api/tools`, { headers: bearer });
    expect(listed.status).toBe(200);
    const echo = listed.json.tools.find((t: { domain: string; operation: string }) => t.domain === "probe" && t.operation === "echo");
    expect(echo).toMatchObject({ description: "Echo.", input: { required: ["text"] } });
    expect(kernel.get(toolHostRef).callbackUrl()).toBe(url);
  });

  it("calls an operation and answers its ToolInvocationResult; a repeated key replays", async () => {
    const body = { input: { n: 5 }, idempotency_key: "http-add-1", scope: { flowchart_run_id: "9" } };
    const first = await http(`${url}/api/tools/probe/add`, { method: "POST", headers: bearer, body });
    const again = await http(`${url}/api/tools/probe/add`, { method: "POST", headers: bearer, body });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ ok: true, status: "success", output: { total: 5 }, replayed: false, trace: { tool_name: "deterministic.probe", idempotency_scope: "tool:probe.add" } });
    expect(again.json).toMatchObject({ ok: true, output: { total: 5 }, replayed: true });
    expect(added).toBe(5);
  });

  it("answers a domain failure as a 200 result with the domain's code", async () => {
    const refused = await http(`${url}/api/tools/probe/refuse`, { method: "POST", headers: bearer, body: { input: {} } });
    expect(refused.status).toBe(200);
    expect(refused.json).toMatchObject({ ok: false, status: "failed", error: { code: "probe.refused", message: "Refused on purpose.", details: { reason: "test" } } });
  });

  it("answers 401 without the token, 404 for unknown tools, 400 with issues for bad input or body, 409 for a reused key", async () => {
    expect((await http(`${url}/api/tools/probe/echo`, { method: "POST", body: { input: { text: "x" } } })).status).toBe(401);
    const unknownDomain = await http(`${url}/api/tools/nope/echo`, { method: "POST", headers: bearer, body: { input: {} } });
    expect(unknownDomain.status).toBe(404);
    expect(unknownDomain.json).toMatchObject({ ok: false, error: { code: "ARK_TOOL_UNKNOWN", details: { domain: "nope" } } });
    const unknownOp = await http(`${url}/api/tools/probe/nope`, { method: "POST", headers: bearer, body: { input: {} } });
    expect(unknownOp.json.error).toMatchObject({ code: "ARK_TOOL_UNKNOWN", details: { operations: ["add", "echo", "refuse"] } });
    const badInput = await http(`${url}/api/tools/probe/echo`, { method: "POST", headers: bearer, body: { input: { text: 5, more: true } } });
    expect(badInput.status).toBe(400);
    expect(badInput.json.error.code).toBe("ARK_TOOL_INPUT_INVALID");
    expect(badInput.json.error.details.issues).toHaveLength(2);
    const badBody = await http(`${url}/api/tools/probe/echo`, { method: "POST", headers: bearer, body: { input: { text: "x" }, max_attempts: 0, surprise: 1 } });
    expect(badBody.status).toBe(400);
    expect(badBody.json.error.code).toBe("invalid_request");
    await http(`${url}/api/tools/probe/add`, { method: "POST", headers: bearer, body: { input: { n: 1 }, idempotency_key: "reuse" } });
    const reused = await http(`${url}/api/tools/probe/add`, { method: "POST", headers: bearer, body: { input: { n: 2 }, idempotency_key: "reuse" } });
    expect(reused.status).toBe(409);
    expect(reused.json.error.code).toBe("ARK_TOOL_IDEMPOTENCY_CONFLICT");
  });

  describe("executor callbacks with a node-run token", () => {
    const scopeA = { flowchart_run_id: "100", node_run_id: "1000", node_id: "n1", node_type: "task" };
    const invoke = (token: string, body: Record<string, unknown>) =>
      http(`${url}/api/internal/tool-host/invoke`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body });

    it("calls tools with the token's scope forced onto the call", async () => {
      const token = kernel.get(toolHostRef).issueNodeRunToolToken(scopeA, 60);
      const answer = await invoke(token, { domain: "probe", operation: "echo", input: { text: "hi" }, scope: { workspace: "w1", node_run_id: "1000" } });
      expect(answer.status).toBe(200);
      expect(answer.json.output).toEqual({ text: "hi", scope: { ...scopeA, workspace: "w1" } });
      const listed = await http(`${url}/api/internal/tool-host/tools`, { headers: { authorization: `Bearer ${token}` } });
      expect(listed.json.tools.length).toBeGreaterThanOrEqual(3);
      // The sandbox's client speaks the same contract.
      const host = createHttpToolHost({ url, token });
      expect(await host.invoke({ domain: "probe", operation: "echo", input: { text: "via client" } })).toMatchObject({ status: "success", output: { text: "via client", scope: scopeA } });
      expect(await host.invoke({ domain: "probe", operation: "echo", input: {} })).toMatchObject({ status: "failed", error: { code: "ARK_TOOL_INPUT_INVALID" } });
      expect((await host.describe()).some((d) => d.operation === "echo")).toBe(true);
    });

    it("plugs a node-run token issuer into the execution module for process and Kubernetes dispatchers", async () => {
      const issue = kernel.get(toolHostIssuerSlotRef).get()!;
      const issued = await issue({ flowchart_run_id: "5", node_id: "n", node_run_id: "50", node_type: "task", execution_index: 1, dispatcher: "process" });
      expect(issued?.url).toBe(url);
      const host = createHttpToolHost({ url: issued!.url, token: issued!.token });
      expect((await host.invoke({ domain: "probe", operation: "echo", input: { text: "child" } })).output).toMatchObject({ scope: { flowchart_run_id: "5", node_run_id: "50", dispatcher: "process" } });
    });

    it("forbids the scope of another run or node run (403)", async () => {
      const token = kernel.get(toolHostRef).issueNodeRunToolToken(scopeA, 60);
      const otherNodeRun = await invoke(token, { domain: "probe", operation: "echo", input: { text: "x" }, scope: { node_run_id: "2000" } });
      expect(otherNodeRun.status).toBe(403);
      expect(otherNodeRun.json.error.code).toBe("ARK_TOOL_SCOPE_FORBIDDEN");
      const otherRun = await invoke(token, { domain: "probe", operation: "echo", input: { text: "x" }, scope: { flowchart_run_id: 101 } });
      expect(otherRun.json.error.code).toBe("ARK_TOOL_SCOPE_FORBIDDEN");
    });

    it("limits a token to the tool domains its node may use (403 for others, and the listing shows only those)", async () => {
      const token = kernel.get(toolHostRef).issueNodeRunToolToken({ ...scopeA, node_type: "memory", tool_domains: ["probe"] }, 60);
      expect((await invoke(token, { domain: "probe", operation: "echo", input: { text: "ok" } })).status).toBe(200);
      const listed = await http(`${url}/api/internal/tool-host/tools`, { headers: { authorization: `Bearer ${token}` } });
      expect(new Set(listed.json.tools.map((t: { domain: string }) => t.domain))).toEqual(new Set(["probe"]));
      const none = kernel.get(toolHostRef).issueNodeRunToolToken({ ...scopeA, node_type: "workspace", tool_domains: ["workspace"] }, 60);
      const refused = await invoke(none, { domain: "probe", operation: "echo", input: { text: "no" } });
      expect([refused.status, refused.json.error.code]).toEqual([403, "ARK_TOOL_SCOPE_FORBIDDEN"]);
      expect(refused.json.error.details.allowed).toEqual(["workspace"]);
    });

    it("answers 401 for missing, tampered, foreign and expired tokens", async () => {
      const body = { domain: "probe", operation: "echo", input: { text: "x" } };
      const missing = await http(`${url}/api/internal/tool-host/invoke`, { method: "POST", body });
      expect([missing.status, missing.json.error.code]).toEqual([401, "ARK_TOOL_TOKEN_INVALID"]);
      const token = kernel.get(toolHostRef).issueNodeRunToolToken(scopeA, 60);
      const [prefix, claims, signature] = token.split(".");
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(claims!, "base64url").toString()), node_run: "2000" })).toString("base64url");
      const tampered = await invoke(`${prefix}.${forged}.${signature}`, body);
      expect([tampered.status, tampered.json.error.code]).toEqual([401, "ARK_TOOL_TOKEN_INVALID"]);
      const garbage = await invoke("not-a-token", body);
      expect([garbage.status, garbage.json.error.code]).toEqual([401, "ARK_TOOL_TOKEN_INVALID"]);
      const expiredToken = kernel.get(toolingInternalsRef).signer.issue(scopeA, 1, Date.now() - 5_000);
      const expired = await invoke(expiredToken, body);
      expect([expired.status, expired.json.error.code]).toEqual([401, "ARK_TOOL_TOKEN_EXPIRED"]);
      expect(expired.json.error.details).toMatchObject({ node_run_id: "1000" });
      await expect(createHttpToolHost({ url, token: expiredToken }).describe()).rejects.toMatchObject({ code: "ARK_TOOL_TOKEN_EXPIRED" });
      await expect(createHttpToolHost({ url, token: "nope" }).describe()).rejects.toBeInstanceOf(ArkError);
      // The api token passes too, and may name any scope.
      expect((await invoke(API_TOKEN, { ...body, scope: { node_run_id: "2000" } })).json.output.scope).toEqual({ node_run_id: "2000" });
    });
  });
});
