/**
 * The built-in `tooling` module: the invocation envelope over every registered tool domain, the idempotency ledger
 * of the store, ctx.llm from the executors, and `toolHostRef`. Lazy: it boots when something requires "tooling" or
 * consumes toolHostRef (`ark start` demands it). HTTP routes live in the `tooling-api` module, so callers that need
 * tools without an HTTP server (the execution plane under `ark run`) do not start one.
 */
import { ArkError } from "../errors/index.js";
import { coreServices } from "../plugin-api/core-services.js";
import { definePlugin, type PluginDefinition } from "../plugin-api/plugin.js";
import { createKernelToolHost, type KernelToolHost } from "./kernel-tool-host.js";
import { executorLlm } from "./llm-bridge.js";
import { NodeRunTokenSigner } from "./node-run-token.js";
import { toolHostRef, toolingInternalsRef, type ToolingInternals } from "./tool-host-ref.js";
import { ToolInvoker } from "./tool-invoker.js";

/** The `tooling:` config section. */
export interface ToolingConfig {
  readonly ledgerTtlSeconds: number;
  readonly claimLeaseSeconds: number;
  readonly inProgressWaitMs: number;
  readonly inProgressPollMs: number;
  readonly tokenTtlSeconds: number;
  readonly tokenSecret?: string;
}

/** JSON Schema of the `tooling:` section. */
export const toolingSectionSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    ledgerTtlSeconds: { type: "integer", minimum: 1, maximum: 31536000, default: 86400, description: "How long a recorded tool result answers repeats of its idempotency key." },
    claimLeaseSeconds: { type: "integer", minimum: 1, maximum: 86400, default: 900, description: "How long a running call holds its idempotency key; after a crash mid-call, a repeat may run it again once this lease ends." },
    inProgressWaitMs: { type: "integer", minimum: 0, maximum: 60000, default: 2000, description: "How long a duplicate call waits for the first one before ARK_TOOL_IN_PROGRESS." },
    inProgressPollMs: { type: "integer", minimum: 5, maximum: 5000, default: 50 },
    tokenTtlSeconds: { type: "integer", minimum: 1, maximum: 604800, default: 3600, description: "Default lifetime of node-run tool tokens." },
    tokenSecret: { type: "string", minLength: 32, description: "HMAC key of node-run tool tokens (secret; shared by kernels that accept each other's callbacks). Random per process when unset." },
  },
} as const;

/** Creates an independent `tooling` module instance (one per kernel). */
export function createToolingModule(): PluginDefinition<ToolingConfig> {
  let internals: (ToolingInternals & { host: KernelToolHost }) | null = null;
  const current = () => {
    if (!internals) throw new ArkError("ARK_KERNEL_STATE", "The tool host was requested before the tooling module's init ran, or after it stopped.");
    return internals;
  };
  return definePlugin<ToolingConfig>({
    id: "tooling",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "Tool domains: the invocation envelope (validation, idempotency, retries, fallback, trace) and the in-process tool host.",
    lazy: true,
    requires: ["store"],
    provides: [toolHostRef, toolingInternalsRef],
    configSchema: toolingSectionSchema,
    register(r) {
      r.provide(toolHostRef, () => current().host);
      r.provide(toolingInternalsRef, () => current());
    },
    init(ctx) {
      const registries = ctx.get(coreServices.registries);
      const invoker = new ToolInvoker({
        domains: registries.toolDomains,
        contracts: ctx.get(coreServices.contracts),
        ledger: ctx.get(coreServices.idempotency),
        llm: () => executorLlm(registries.executors),
        logger: ctx.logger,
        ledgerTtlSeconds: ctx.config.ledgerTtlSeconds,
        claimLeaseSeconds: ctx.config.claimLeaseSeconds,
        inProgressWaitMs: ctx.config.inProgressWaitMs,
        inProgressPollMs: ctx.config.inProgressPollMs,
      });
      const signer = new NodeRunTokenSigner(ctx.config.tokenSecret ?? null);
      let callbackUrl: () => string | null = () => null;
      const host = createKernelToolHost({ invoker, signer, defaultTokenTtlSeconds: ctx.config.tokenTtlSeconds, apiUrl: () => callbackUrl() });
      internals = { invoker, signer, host, setCallbackUrlSource: (source) => (callbackUrl = source) };
      ctx.logger.debug({ domains: registries.toolDomains.ids() }, "tool domains ready");
    },
    async stop() {
      // Results still being recorded in the ledger are written before the store behind it closes.
      await internals?.invoker.drain();
      internals = null;
    },
  });
}
