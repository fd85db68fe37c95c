import type { Logger } from "pino";
import { createContractRegistry } from "../contracts/contract-registry.js";
import { ArkError, errorMessage, isArkError } from "../errors/index.js";
import { silentLogger } from "../logging/logger.js";
import { coreServices, type KernelInfo } from "../plugin-api/core-services.js";
import type { PluginContext } from "../plugin-api/plugin.js";
import type { ServiceRef } from "../plugin-api/service-ref.js";
import { KERNEL_API_VERSION } from "./api-version.js";
import type { BootPlan, PlannedPlugin } from "./boot-plan.js";
import { KernelRegistries } from "./kernel-registries.js";
import { applyRegistration, type ProvidedService } from "./plugin-registrar.js";
import { ServiceContainer } from "./service-container.js";
import { roundMs, type PluginReport, type StartupReport } from "./startup-report.js";
import { runWithTimeout } from "./with-timeout.js";

/** Kernel lifecycle state. */
export type KernelState = "created" | "starting" | "running" | "stopping" | "stopped" | "failed";

/** A service replaced by the caller (test kit): the ref resolves to `value` and its provider is not needed. */
export interface ServiceOverride<T = unknown> {
  readonly ref: ServiceRef<T>;
  readonly value: T;
}

export interface KernelOptions {
  readonly logger?: Logger;
  readonly overrides?: readonly ServiceOverride[];
}

/** Per-plugin runtime bookkeeping. */
interface PluginRuntime {
  readonly plan: PlannedPlugin;
  readonly report: PluginReport;
  readonly ctx: PluginContext<any>;
  provided: ProvidedService[];
  /** Whether `stop` must run for it (its init succeeded). */
  needsStop: boolean;
}

/**
 * Boots a checked plan: register → init → start in topological order, each hook under the plugin's timeout, with
 * rollback in reverse order when a step fails, and an idempotent reverse-order stop.
 */
export class Kernel {
  readonly registries = new KernelRegistries();
  private readonly services = new ServiceContainer();
  private readonly logger: Logger;
  private readonly runtimes: PluginRuntime[];
  private readonly shutdown = new AbortController();
  private readonly bootReport: StartupReport;
  private stateValue: KernelState = "created";
  private stopping: Promise<StartupReport> | null = null;

  constructor(
    readonly plan: BootPlan,
    options: KernelOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger();
    const info: KernelInfo = {
      apiVersion: KERNEL_API_VERSION,
      configFile: plan.source.filePath,
      config: plan.config,
      startupReport: () => this.bootReport,
    };
    this.services.bindIntrinsic(coreServices.logger, (pluginId: string) => this.logger.child({ plugin: pluginId }));
    this.services.bindIntrinsic(coreServices.kernel, info);
    this.services.bindIntrinsicLazy(coreServices.contracts, createContractRegistry);
    this.services.bindIntrinsic(coreServices.registries, this.registries);
    for (const { ref, value } of options.overrides ?? []) this.services.bind(ref, value, { override: true });
    this.runtimes = plan.plugins.map((p) => this.createRuntime(p));
    this.bootReport = {
      kernelApiVersion: KERNEL_API_VERSION,
      configFile: plan.source.filePath,
      ok: false,
      bootMs: 0,
      plugins: [...this.runtimes.map((r) => r.report), ...plan.disabled.map(disabledReport)],
    };
  }

  get state(): KernelState {
    return this.stateValue;
  }

  /** The startup report (live: statuses change as the kernel starts and stops). */
  get report(): StartupReport {
    return this.bootReport;
  }

  /** Resolves any bound service with kernel rights (for the CLI and API, which sit above plugins). */
  get<T>(ref: ServiceRef<T>): T {
    return this.services.resolve(ref, { pluginId: "kernel", refIds: new Set([ref.id]) });
  }

  /** Boots every plugin. On an aborting failure, what started is stopped in reverse order and the error is thrown. */
  async start(): Promise<StartupReport> {
    if (this.stateValue !== "created") {
      throw new ArkError("ARK_KERNEL_STATE", `kernel.start() called in state "${this.stateValue}"; create a new kernel`);
    }
    this.stateValue = "starting";
    const began = performance.now();
    try {
      this.registerAll();
      await this.runPhase("init");
      await this.runPhase("start");
    } catch (err) {
      this.stateValue = "failed";
      await this.stopRuntimes();
      this.bootReport.bootMs = roundMs(performance.now() - began);
      throw err;
    }
    this.stateValue = "running";
    this.bootReport.ok = this.runtimes.every((r) => r.report.status === "started");
    this.bootReport.bootMs = roundMs(performance.now() - began);
    this.logger.info({ report: summarize(this.bootReport) }, `kernel started: ${this.runtimes.length} plugins in ${this.bootReport.bootMs} ms`);
    return this.bootReport;
  }

  /** Stops everything that initialised, in reverse order. Idempotent; safe before or without start. */
  stop(): Promise<StartupReport> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      if (this.stateValue === "created") {
        this.stateValue = "stopped";
        return this.bootReport;
      }
      this.stateValue = "stopping";
      await this.stopRuntimes();
      this.services.dispose();
      this.stateValue = "stopped";
      return this.bootReport;
    })();
    return this.stopping;
  }

  /** Fires when stop begins, so long-running work can drain. */
  get shutdownSignal(): AbortSignal {
    return this.shutdown.signal;
  }

  private createRuntime(plan: PlannedPlugin): PluginRuntime {
    const def = plan.definition;
    const visibility = { pluginId: def.id, refIds: plan.visibleRefs };
    const ctx: PluginContext<any> = {
      pluginId: def.id,
      config: plan.config,
      logger: this.logger.child({ plugin: def.id }),
      get: (ref) => this.services.resolve(ref, visibility),
      shutdownSignal: this.shutdown.signal,
    };
    for (const ref of def.provides ?? []) this.services.expect(ref, def.id);
    const report: PluginReport = {
      id: def.id,
      version: def.version,
      builtin: plan.builtin,
      status: "pending",
      dependencies: plan.dependencies,
      loadMs: roundMs(plan.loadMs),
      registerMs: 0,
      initMs: 0,
      startMs: 0,
      stopMs: 0,
      error: null,
      contributions: {},
    };
    return { plan, report, ctx, provided: [], needsStop: false };
  }

  private registerAll(): void {
    const conflicts: ArkError[] = [];
    // The plan ran each plugin's register once (validate and boot check the same contributions); apply it here.
    for (const runtime of this.runtimes) {
      const { registration } = runtime.plan;
      runtime.report.registerMs = roundMs(registration.ms);
      try {
        runtime.provided = applyRegistration(registration, this.registries, conflicts);
        runtime.report.status = "registered";
      } catch (err) {
        this.fail(runtime, wrap(err, "ARK_PLUGIN_REGISTER_FAILED", runtime, "register"));
      }
    }
    if (conflicts.length > 0) {
      throw new ArkError("ARK_CONTRIBUTION_DUPLICATE", conflicts.map((c) => c.message).join("; "), {
        details: { conflicts: conflicts.map((c) => c.details) },
      });
    }
    for (const runtime of this.runtimes) runtime.report.contributions = this.registries.contributionsOf(runtime.plan.definition.id);
  }

  private async runPhase(phase: "init" | "start"): Promise<void> {
    for (const runtime of this.runtimes) {
      if (runtime.report.status === "failed") continue;
      const failedDep = runtime.plan.dependencies.find((dep) => this.runtimeOf(dep)?.report.status === "failed");
      if (failedDep) {
        const id = runtime.plan.definition.id;
        this.fail(runtime, new ArkError("ARK_PLUGIN_DEPENDENCY_FAILED", `plugin "${id}" failed because dependency "${failedDep}" failed`, {
          details: { pluginId: id, dependency: failedDep },
        }));
        continue;
      }
      const began = performance.now();
      try {
        await this.runHook(runtime, phase);
      } catch (err) {
        this.fail(runtime, wrap(err, phase === "init" ? "ARK_PLUGIN_INIT_FAILED" : "ARK_PLUGIN_START_FAILED", runtime, phase));
        if (runtime.needsStop) await this.stopOne(runtime);
      } finally {
        runtime.report[phase === "init" ? "initMs" : "startMs"] = roundMs(performance.now() - began);
      }
    }
  }

  private async runHook(runtime: PluginRuntime, phase: "init" | "start"): Promise<void> {
    const def = runtime.plan.definition;
    const hook = def[phase];
    if (hook) await runWithTimeout(() => hook.call(def, runtime.ctx), runtime.plan.timeoutMs, { pluginId: def.id, step: phase });
    if (phase === "init") {
      runtime.needsStop = true;
      for (const { ref, factory } of runtime.provided) {
        this.services.bind(ref, ref.scope === "plugin" ? (consumer: string) => factory(runtime.ctx, consumer) : factory(runtime.ctx, def.id));
      }
      runtime.report.status = "initialized";
    } else runtime.report.status = "started";
  }

  /** Marks a plugin failed; aborts the boot unless its policy is `continue`. */
  private fail(runtime: PluginRuntime, error: ArkError): void {
    const id = runtime.plan.definition.id;
    runtime.report.status = "failed";
    runtime.report.error = { code: error.code, message: error.message };
    this.registries.removeOwner(id);
    this.services.providerFailed(id);
    if (runtime.plan.onBootFailure === "abort") throw error;
    this.logger.warn({ plugin: id, code: error.code, err: error.message }, `plugin ${id} failed; continuing without it (onBootFailure: continue)`);
  }

  private async stopRuntimes(): Promise<void> {
    this.shutdown.abort();
    for (const runtime of [...this.runtimes].reverse()) {
      if (runtime.needsStop) await this.stopOne(runtime);
    }
  }

  private async stopOne(runtime: PluginRuntime): Promise<void> {
    const def = runtime.plan.definition;
    runtime.needsStop = false;
    const began = performance.now();
    try {
      if (def.stop) await runWithTimeout(() => def.stop!.call(def, runtime.ctx), runtime.plan.timeoutMs, { pluginId: def.id, step: "stop" });
      if (runtime.report.status !== "failed") runtime.report.status = "stopped";
    } catch (err) {
      const error = wrap(err, "ARK_PLUGIN_STOP_FAILED", runtime, "stop");
      if (runtime.report.status !== "failed") runtime.report.status = "stopped";
      runtime.report.error ??= { code: error.code, message: error.message };
      this.logger.error({ plugin: def.id, code: error.code, err: error.message }, `plugin ${def.id} failed to stop cleanly`);
    } finally {
      runtime.report.stopMs = roundMs(performance.now() - began);
    }
  }

  private runtimeOf(id: string): PluginRuntime | undefined {
    return this.runtimes.find((r) => r.plan.definition.id === id);
  }
}

/**
 * A plugin's failure is wrapped so the operator learns which plugin failed and that onBootFailure can skip it. A
 * built-in module's own ArkError is kept as it is: its code and hint (data dir in use, database unreachable, api.token
 * too short) say what to fix, while "the plugin's config" and onBootFailure mean nothing for a built-in.
 */
function wrap(err: unknown, code: "ARK_PLUGIN_REGISTER_FAILED" | "ARK_PLUGIN_INIT_FAILED" | "ARK_PLUGIN_START_FAILED" | "ARK_PLUGIN_STOP_FAILED", runtime: PluginRuntime, step: string): ArkError {
  const id = runtime.plan.definition.id;
  if (isArkError(err) && (runtime.plan.builtin || err.code === "ARK_PLUGIN_TIMEOUT" || err.code === code || err.message.includes(`"${id}"`))) return err;
  return new ArkError(code, `plugin "${id}" failed in ${step}: ${errorMessage(err)}`, { cause: err, details: { pluginId: id, step } });
}

function disabledReport(entry: { id: string | null; from: string | null }): PluginReport {
  return {
    id: entry.id ?? entry.from ?? "(unnamed)",
    version: null,
    builtin: false,
    status: "disabled",
    dependencies: [],
    loadMs: 0,
    registerMs: 0,
    initMs: 0,
    startMs: 0,
    stopMs: 0,
    error: null,
    contributions: {},
  };
}

function summarize(report: StartupReport): Record<string, string> {
  return Object.fromEntries(report.plugins.map((p) => [p.id, p.status]));
}
