// Test support for the flow API tests: a real kernel (store on in-memory PGlite, events, execution, flow, api,
// flow-api) on a random loopback port, with test node types: `hold` waits until its latch is opened (or the run is
// force-cancelled), `boom` fails. Requests go over real HTTP.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { http, type HttpAnswer } from "../../api/api-test-support.js";
import { apiServerRef } from "../../api/index.js";
import { failedResult, successResult } from "../../execution/execution-results.js";
import { builtinModules } from "../../kernel/builtin-modules.js";
import { definePlugin } from "../../plugin-api/plugin.js";
import { startTestKernel, type TestKernel } from "../../testing/index.js";
import { flowEngineRef } from "../engine/flow-engine-ref.js";
import type { FlowEngine } from "../engine/flow-engine.js";

/** Latches `hold` nodes wait on (config.latch): the flow test kit's, shared rather than copied. */
export { Latches as HoldLatches } from "../testing/flow-test-kit.js";
import { Latches as HoldLatches } from "../testing/flow-test-kit.js";

/** A kernel serving the flow API, and helpers to call it. */
export interface FlowApiKernel {
  readonly kernel: TestKernel;
  readonly engine: FlowEngine;
  readonly baseUrl: string;
  readonly latches: HoldLatches;
  /** One request; a non-string body is sent as JSON; the token (when configured) is sent unless `token: null`. */
  call(method: string, path: string, body?: unknown, options?: { token?: string | null; headers?: Record<string, string> }): Promise<HttpAnswer>;
  stop(): Promise<void>;
}

/** The token the test kernel is configured with when `withToken` is set. */
export const TEST_TOKEN = "flow-api-test-token-0123456789";

/** Boots the kernel; `withToken` configures api.token (so routes need `Authorization: Bearer TEST_TOKEN`). */
export async function startFlowApiKernel(options: { withToken?: boolean } = {}): Promise<FlowApiKernel> {
  const latches = new HoldLatches();
  const testTypes = definePlugin({
    id: "flow-api-test-types",
    version: "1.0.0",
    kernel: "^1.0.0",
    requires: ["flow-api"],
    register(r) {
      r.nodeType({
        type: "hold",
        async execute(request, signal) {
          const latch = String(request.node_config.latch ?? "default");
          const aborted = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
          await Promise.race([latches.wait(latch), aborted]);
          if (signal.aborted) return failedResult("cancelled", "aborted", { status: "cancelled" });
          return successResult({ node_type: "hold", released: latch });
        },
      });
      r.nodeType({ type: "boom", execute: async (request) => failedResult("execution_error", `Node ${String(request.node_id)} failed on purpose.`) });
    },
  });
  const kernel = await startTestKernel({
    plugins: [testTypes],
    builtins: builtinModules(),
    config: {
      kernel: { pluginTimeoutMs: 60_000 },
      api: { port: 0, ...(options.withToken ? { token: TEST_TOKEN } : {}) },
      flow: { pollIntervalMs: 50, heartbeatMs: 500, leaseSeconds: 5, recoveryIntervalMs: 500, stopDrainMs: 500 },
    },
  });
  const address = kernel.get(apiServerRef).address();
  if (!address) throw new Error("the api module did not listen");
  const baseUrl = address.url;
  return {
    kernel, engine: kernel.get(flowEngineRef), baseUrl, latches,
    call(method, path, body, callOptions = {}) {
      const token = callOptions.token === undefined ? (options.withToken ? TEST_TOKEN : null) : callOptions.token;
      const headers: Record<string, string> = { ...callOptions.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
      return http(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    },
    stop: () => kernel.stop(),
  };
}

const examples = fileURLToPath(new URL("../../../examples/flows/", import.meta.url));

/** The text of an example flow file. */
export function exampleText(name: string): string {
  return readFileSync(`${examples}${name}`, "utf8");
}

/** Polls `check` every 25 ms until it holds (throws after `timeoutMs`). */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A small flow file with one `hold` node between start and end (the run waits on `latch`). */
export function holdFlowYaml(name: string, latch: string, extraSettings = ""): string {
  return `schema_version: 1
name: ${name}
settings:
  max_parallel_nodes: 1${extraSettings}
nodes:
  - id: start
    type: start
  - id: wait
    type: hold
    config: { latch: ${latch} }
  - id: end
    type: end
connectors:
  - { source: start, target: wait }
  - { source: wait, target: end }
`;
}
