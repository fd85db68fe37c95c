/**
 * The in-process kernel the flow commands (`ark flows`, `ark run`, `ark runs`) boot from the config: store, events
 * and flow (plus whatever the listed plugins need, so their node types are there). Two overrides, because these
 * commands are short-lived guests on the operator's setup:
 * - `api.port: 0` — if a listed plugin needs the API server (channel-socketio does), it listens on a free loopback
 *   port instead of taking the configured one from a running `ark start`;
 * - `flow.workers` — `ark run` executes (true); reading and cancelling commands never pick up other runs' work (false).
 */
import type { Logger } from "pino";
import { loadConfigSource, type ConfigSource } from "../../config/index.js";
import { eventBusRef, type EventBus } from "../../events/index.js";
import { nodeTypeRegistryOf, type FlowImportContext } from "../../flow/api/flow-file-import.js";
import { flowEngineRef } from "../../flow/engine/flow-engine-ref.js";
import type { FlowEngine } from "../../flow/engine/flow-engine.js";
import { createKernel } from "../../kernel/create-kernel.js";
import type { Kernel } from "../../kernel/kernel.js";
import { coreServices } from "../../plugin-api/core-services.js";
import { kernelOptionsFrom, type GlobalOptions } from "../cli-options.js";

/** A booted kernel with the flow engine, ready for a flow command. */
export interface FlowKernel {
  readonly kernel: Kernel;
  readonly engine: FlowEngine;
  readonly bus: EventBus;
  readonly imports: FlowImportContext;
  readonly logger: Logger;
  /** Stops the kernel (idempotent). */
  stop(): Promise<void>;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The config with the flow commands' overrides (values that are not objects are left for validation to report). */
function withOverrides(source: ConfigSource, workers: boolean): ConfigSource {
  const value = { ...source.value };
  if (value.api === undefined || isObject(value.api)) value.api = { ...(value.api as object | undefined), port: 0 };
  if (value.flow === undefined || isObject(value.flow)) value.flow = { ...(value.flow as object | undefined), workers };
  return { ...source, value };
}

/** Boots the kernel for a flow command. Logs go to stderr at `warn` unless --log-level says otherwise. */
export async function openFlowKernel(global: GlobalOptions, options: { workers: boolean }): Promise<FlowKernel> {
  const kernelOptions = kernelOptionsFrom(global, "warn");
  const source = await loadConfigSource(global.config ? { configPath: global.config } : {});
  const kernel = await createKernel({ ...kernelOptions, source: withOverrides(source, options.workers), demand: ["store", "events", "flow"] });
  try {
    await kernel.start();
  } catch (err) {
    await kernel.stop().catch(() => undefined);
    throw err;
  }
  const engine = kernel.get(flowEngineRef);
  return {
    kernel, engine, bus: kernel.get(eventBusRef), logger: kernelOptions.logger as Logger,
    imports: { engine, db: kernel.get(coreServices.store), registry: nodeTypeRegistryOf(kernel.get(coreServices.registries)) },
    stop: async () => {
      await kernel.stop();
    },
  };
}

/** Runs `body` with a flow kernel and always stops it afterwards. */
export async function withFlowKernel<T>(global: GlobalOptions, options: { workers: boolean }, body: (flow: FlowKernel) => Promise<T>): Promise<T> {
  const flow = await openFlowKernel(global, options);
  try {
    return await body(flow);
  } finally {
    await flow.stop();
  }
}
