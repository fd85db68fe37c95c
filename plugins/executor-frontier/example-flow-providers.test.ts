/**
 * The example flow examples/flows/task-hello.yaml, run in a real kernel against a local fake of EACH provider's wire
 * format (OpenAI chat completions, Anthropic Messages, Gemini generateContent): a 429 first, then two tool cycles
 * through the kernel's real tool envelope (one call of a real domain, one unknown tool), then the JSON answer; and
 * the failures a flow must surface — a malformed provider answer and the node's tool-loop cycle cap.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importFlowText, nodeTypeRegistryOf } from "../../core/flow/api/flow-file-import.js";
import type { FlowEngine } from "../../core/flow/engine/flow-engine.js";
import { builtinModules } from "../../core/kernel/builtin-modules.js";
import { coreServices, definePlugin, type ToolDomainContribution } from "../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../core/testing/index.js";
import { anthropicReplies, geminiReplies, openAiReplies, startFakeLlmServer, type FakeLlmServer, type FakeToolCall } from "../../test/fixtures/llm-fakes/index.js";
import type { ScriptedReply } from "../../test/fixtures/llm-fakes/fake-llm-server.js";
import frontierPlugin from "./index.js";

type Provider = "openai" | "anthropic" | "gemini";

/** Each provider's scripted answers in its own wire format. */
const wire: Record<Provider, { text(s: string): ScriptedReply; tools(calls: FakeToolCall[]): ScriptedReply; rateLimited(): ScriptedReply }> = {
  openai: { text: (s) => openAiReplies.text(s), tools: (c) => openAiReplies.toolCalls(c), rateLimited: () => openAiReplies.error(429, "slow down", { "retry-after-ms": "5" }) },
  anthropic: { text: (s) => anthropicReplies.text(s), tools: (c) => anthropicReplies.toolUse(c), rateLimited: () => anthropicReplies.error(429, "slow down", { "retry-after-ms": "5" }) },
  gemini: { text: (s) => geminiReplies.text(s), tools: (c) => geminiReplies.functionCalls(c), rateLimited: () => geminiReplies.error(429, "slow down", { "retry-after-ms": "5" }) },
};

let added = 0;
/** A real tool domain in the kernel: `math.add`. */
const math: ToolDomainContribution = {
  id: "math",
  operations: {
    add: {
      description: "Adds two numbers.", idempotent: true,
      input: { type: "object", required: ["a", "b"], additionalProperties: false, properties: { a: { type: "number" }, b: { type: "number" } } },
      output: { type: "object", required: ["sum"], properties: { sum: { type: "number" } } },
      handler: async (input: { a: number; b: number }) => (added++, { sum: input.a + input.b }),
    },
  },
};
const mathPlugin = definePlugin({ id: "math-tools", version: "1.0.0", kernel: "^1.0.0", register: (r) => r.toolDomain(math) });
const flowUser = definePlugin({ id: "flow-user", version: "1.0.0", kernel: "^1.0.0", requires: ["flow", "tooling"] });

const fakes = {} as Record<Provider, FakeLlmServer>;
let kernel: TestKernel;
let engine: FlowEngine;
const example = readFileSync(new URL("../../examples/flows/task-hello.yaml", import.meta.url), "utf8");

/** The example flow on `provider`, its task node allowed the `math` domain, plus extra config lines. */
function exampleFor(provider: Provider, extra = ""): string {
  const text = example
    .replace("name: Task hello", `name: Task hello ${provider} ${extra.length}`)
    .replace("      provider: openai\n", `      provider: ${provider}\n      tool_domains: [math]\n${extra}`);
  expect(text).toContain(`provider: ${provider}`);
  return text;
}

async function runFlow(text: string) {
  const registries = kernel.get(coreServices.registries);
  const imported = await importFlowText({ engine, db: kernel.get(coreServices.store), registry: nodeTypeRegistryOf(registries) }, text, "task-hello.yaml", { matchName: true });
  const started = await engine.startRun({ flowchartId: imported.flowchart.id });
  const run = await engine.waitForRun(started.id, { timeoutMs: 20_000 });
  const greet = (await engine.queries.listNodeRuns(run.id)).items.find((n) => n.nodeId === "greet")!;
  return { run, greet };
}

beforeAll(async () => {
  for (const p of ["openai", "anthropic", "gemini"] as const) fakes[p] = await startFakeLlmServer();
  const provider = (p: Provider) => ({ baseUrl: fakes[p].url, apiKey: `key-${p}` });
  kernel = await startTestKernel({
    plugins: [flowUser, mathPlugin, frontierPlugin],
    builtins: builtinModules(),
    config: { flow: { pollIntervalMs: 50, heartbeatMs: 500, leaseSeconds: 5 }, kernel: { pluginTimeoutMs: 60_000 } },
    pluginConfig: {
      "executor-frontier": { providers: { openai: provider("openai"), anthropic: provider("anthropic"), gemini: provider("gemini") }, retry: { maxAttempts: 2, baseDelayMs: 1 } },
    },
  });
  engine = kernel.get(coreServices.flow);
});
afterAll(async () => {
  await kernel?.stop();
  await Promise.all(Object.values(fakes).map((f) => f.close()));
});

describe.each(["openai", "anthropic", "gemini"] as const)("examples/flows/task-hello.yaml on %s's wire format", (provider) => {
  it("survives a 429, runs two tool cycles through the kernel's envelope (one unknown tool), and completes", async () => {
    const fake = fakes[provider];
    fake.reset();
    added = 0;
    fake.enqueue(
      wire[provider].rateLimited(),
      wire[provider].tools([{ id: "c1", name: "math__add", args: { a: 2, b: 3 } }]),
      wire[provider].tools([{ id: "c2", name: "shell__rm", args: { path: "/" } }]),
      wire[provider].text("{\"greeting\": \"Hello, operator: 5.\", \"route_key\": \"done\"}"),
    );
    const { run, greet } = await runFlow(exampleFor(provider));
    expect(run.status, greet.error ?? "").toBe("completed");
    expect(greet.outputState).toMatchObject({ node_type: "task", provider, structured_output: { greeting: "Hello, operator: 5.", route_key: "done" } });
    expect(fake.requests).toHaveLength(4); // the 429, two tool cycles, the answer
    expect(added).toBe(1);
    const calls = (greet.outputState?.sdk_tooling as { tool_calls: { tool_name: string; is_error: boolean; error_code?: string | null }[] }).tool_calls;
    expect(calls.map((c) => [c.tool_name, c.is_error])).toEqual([["math__add", false], ["shell__rm", true]]);
    expect(calls[1]!.error_code).toBe("unsupported_tool_name");
    // The tool result went back to the model (as a JSON string in OpenAI and Anthropic, an object in Gemini).
    expect(JSON.stringify(fake.requests[2]!.body).replaceAll('\\"', '"')).toContain('"sum":5');
  });

  it("fails the node run with a typed provider error on a malformed answer", async () => {
    const fake = fakes[provider];
    fake.reset();
    fake.enqueue({ json: { unexpected: true } });
    const { run, greet } = await runFlow(exampleFor(provider));
    expect(run.status).toBe("failed");
    expect(greet.status).toBe("failed");
    expect(greet.errorCode).toBe("provider_error");
    expect(fake.requests).toHaveLength(1); // a malformed answer is not retried
  });

  it("stops at the node's tool_loop_max_cycles with tool_loop_max_cycles_exceeded", async () => {
    const fake = fakes[provider];
    fake.reset();
    const call = () => wire[provider].tools([{ name: "math__add", args: { a: 1, b: 1 } }]);
    fake.enqueue(call(), call(), call());
    const { run, greet } = await runFlow(exampleFor(provider, "      tool_loop_max_cycles: 2\n"));
    expect(run.status).toBe("failed");
    expect(greet.errorCode).toBe("tool_loop_max_cycles_exceeded");
    expect(fake.requests).toHaveLength(2);
  });
});
