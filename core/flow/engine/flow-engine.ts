/**
 * The flow engine service: flowcharts, runs, control and reads over one store and event bus, plus this kernel's share
 * of the work (a FlowWorker). Several engines — in one process or in several kernels — may share one database; they
 * divide the ready activations between them and never execute a node run twice.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { errorMessage } from "../../errors/index.js";
import type { EventBus } from "../../events/index.js";
import type { EventEnvelope } from "../../plugin-api/contributions.js";
import type { Store } from "../../store/store-port.js";
import { StoreIdempotencyLedger } from "../../tooling/idempotency-ledger.js";
import type { IdempotencyLedger } from "../../tooling/idempotency-port.js";
import type { NodeTypeCapabilityRegistry } from "../graph/index.js";
import { parseRowId } from "../store/flow-ids.js";
import { FlowchartRepository } from "../store/flowchart-repository.js";
import type { NodeConfigProblems } from "../node-types/node-config-check.js";
import { startChildRun, waitForRun } from "./child-runs.js";
import type { EngineCore } from "./engine-core.js";
import type { FlowRun } from "./engine-types.js";
import { FlowWorker, type NodeRunner, type WorkerHooks, type WorkerOptions } from "./flow-worker.js";
import { recoverExpiredLeases } from "./lease-recovery.js";
import { sweepExpiredArtifacts } from "./node-artifacts.js";
import { applyReplay, type ReplayRequest } from "./run-replay.js";
import { enforceRuntimeLimits } from "./runtime-guardrail.js";
import { applyStatusControl } from "./run-control.js";
import { runStream } from "./run-events.js";
import { RunQueries } from "./run-queries.js";
import { traceRun, type RunTrace, type TraceOptions } from "./run-trace.js";
import { RunGraphCache } from "./run-graph-cache.js";
import { insertRun, loadRunDefinition } from "./run-start.js";
import { CONTROL_ACTIONS, controlInvalid, isTruthy, type CancelResult, type ControlRequest, type ControlResult } from "./control-request.js";

/** Engine knobs; every one has a default. */
export interface FlowEngineSettings extends WorkerOptions {
  /** Whether this engine claims and executes work (false: API-only kernel). */
  readonly workers: boolean;
  readonly leaseSeconds: number;
  readonly maxChildDepth: number;
}

/** Defaults of FlowEngineSettings (`flow:` config section). */
export const DEFAULT_FLOW_ENGINE_SETTINGS: FlowEngineSettings = {
  workers: true, concurrency: 8, leaseSeconds: 30, heartbeatMs: 10_000, pollIntervalMs: 1000, recoveryIntervalMs: 5000, stopDrainMs: 10_000, maxChildDepth: 8,
};

/** What an engine is built from. */
export interface FlowEngineOptions {
  readonly store: Store;
  readonly bus: EventBus;
  /** The dispatch router (or anything that executes a node run through the dispatcher port). */
  readonly runner: NodeRunner;
  readonly capabilities?: () => NodeTypeCapabilityRegistry | undefined;
  /** Checks node configs against their type's configSchema (createNodeConfigCheck); absent: configs are not checked. */
  readonly configProblems?: NodeConfigProblems;
  /** Reads the cutover gate (node-executor setting agent_runtime_cutover_enabled); default: off. */
  readonly readCutover?: () => Promise<boolean>;
  readonly ledger?: IdempotencyLedger;
  readonly settings?: Partial<FlowEngineSettings>;
  readonly logger?: Logger;
  readonly hooks?: WorkerHooks;
  /** This engine's worker id (default: a random one). */
  readonly owner?: string;
}

/** A new run request. */
export interface StartRunInput {
  readonly flowchartId: unknown;
  readonly startNodeId?: unknown;
  readonly requestId?: string | null;
  readonly correlationId?: string | null;
}

/** The engine. */
export class FlowEngine {
  readonly flowcharts: FlowchartRepository;
  readonly queries: RunQueries;
  readonly owner: string;
  private readonly core: EngineCore;
  private readonly worker: FlowWorker;
  private readonly settings: FlowEngineSettings;
  private cutover = false;

  constructor(private readonly options: FlowEngineOptions) {
    this.settings = { ...DEFAULT_FLOW_ENGINE_SETTINGS, ...options.settings };
    this.owner = options.owner ?? `engine-${randomUUID()}`;
    this.flowcharts = new FlowchartRepository(options.store, options.capabilities, options.configProblems);
    this.queries = new RunQueries(options.store);
    this.core = {
      store: options.store, bus: options.bus, graphs: new RunGraphCache(), flowcharts: this.flowcharts, owner: this.owner,
      leaseSeconds: this.settings.leaseSeconds, capabilities: options.capabilities ?? (() => undefined), cutover: () => this.cutover,
      maxChildDepth: this.settings.maxChildDepth, logger: options.logger,
    };
    const ledger = options.ledger ?? new StoreIdempotencyLedger(options.store);
    const onTick = async () => {
      await this.refreshCutover();
      await options.hooks?.onTick?.();
      await sweepExpiredArtifacts(options.store);
    };
    this.worker = new FlowWorker(this.core, options.runner, ledger, this.settings, { ...options.hooks, onTick });
  }

  /** Starts this engine's workers (recovering expired leases first); a no-op with `workers: false`. */
  async start(): Promise<void> {
    await this.refreshCutover();
    if (this.settings.workers) await this.worker.start();
  }

  /** Stops claiming and drains in-flight node runs (handing back what does not finish in time). */
  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** Simulates a crash (tests): everything stops at once, nothing more is written, leases are left to expire. */
  abandon(): void {
    this.worker.abandon();
  }

  /** Wakes the workers (they also wake on NOTIFY and poll). */
  kick(): void {
    this.worker.kick();
  }

  /** Starts a run of a flowchart (ARK_FLOW_GRAPH_INVALID when its graph may not run). The run starts `queued`. */
  async startRun(input: StartRunInput): Promise<FlowRun> {
    const cutover = await this.refreshCutover();
    const { run, graph } = await this.options.bus.transaction(async (tx) => {
      const definition = await loadRunDefinition(tx, this.flowcharts, input.flowchartId, input.startNodeId);
      const inserted = await insertRun(tx, {
        ...definition, settings: { ...definition.settings, agent_runtime_cutover_enabled: cutover }, origin: "api",
        requestId: input.requestId ?? null, correlationId: input.correlationId ?? null,
      }, this.core.owner);
      return { run: inserted, graph: definition.graph };
    });
    // The snapshot as stored (through JSON, as a read would give it back): the first claim then does not read it.
    this.core.graphs.remember(run.id, JSON.parse(JSON.stringify(graph)) as typeof graph);
    this.worker.kick();
    return run;
  }

  /** §9 control: pause | resume | cancel (graceful, or `force`) | retry | skip | rewind. Unknown actions: ARK_FLOW_CONTROL_INVALID. */
  async control(runId: unknown, request: ControlRequest): Promise<ControlResult> {
    const id = parseRowId(runId, "run_id");
    const action = typeof request.action === "string" ? request.action.trim().toLowerCase() : "";
    if (!(CONTROL_ACTIONS as readonly string[]).includes(action)) throw controlInvalid(`Unknown control action ${JSON.stringify(request.action)}.`, { action: request.action });
    let result: ControlResult;
    if (action === "pause" || action === "resume" || action === "cancel") {
      const applied = await applyStatusControl(this.core, id, action, isTruthy(request.force));
      result = { ...applied, requestedAction: action, idempotent: !applied.updated, replayRun: null, warnings: [] };
    } else {
      const replayRequest: ReplayRequest = {
        idempotencyKey: request.idempotencyKey ?? null, forceNew: isTruthy(request.forceNew), requestId: request.requestId ?? null,
        correlationId: request.correlationId ?? null,
        nodeRunId: request.nodeRunId === undefined || request.nodeRunId === null ? null : parseRowId(request.nodeRunId, "node_run_id"),
        rewindToNodeRunId: request.rewindToNodeRunId === undefined || request.rewindToNodeRunId === null ? null : parseRowId(request.rewindToNodeRunId, "rewind_to_node_run_id"),
      };
      const replay = await applyReplay(this.core, id, action as "retry" | "skip" | "rewind", replayRequest);
      result = { ...replay, statusBefore: replay.run.status, requestedAction: action, idempotent: !replay.updated };
    }
    this.worker.kick();
    return result;
  }

  /** §9.1/§9.2 cancel: graceful stop, or force cancel. */
  async cancel(runId: unknown, options: { force?: unknown } = {}): Promise<CancelResult> {
    const force = isTruthy(options.force);
    const applied = await applyStatusControl(this.core, parseRowId(runId, "run_id"), "cancel", force);
    const action = applied.appliedAction;
    return { run: applied.run, force, updated: applied.updated, action, canceled: action === "canceled", stopRequested: action === "stopping" || action === "stopped" };
  }

  /** Resolves once the run is completed, failed, stopped or canceled. */
  waitForRun(runId: unknown, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<FlowRun> {
    return waitForRun(this.core, parseRowId(runId, "run_id"), { ...options, pollMs: this.settings.pollIntervalMs });
  }

  /** Starts (or finds) the child run of a flowchart node run; used by the built-in `flowchart` node type. */
  startChildRun(parentNodeRunId: unknown, targetFlowchartId: unknown): Promise<FlowRun> {
    return startChildRun(this.core, parseRowId(parentNodeRunId, "execution_id"), targetFlowchartId);
  }

  /** Lets a node run that waits on other runs give its worker slot back until the returned function is called. */
  suspendSlot(): () => void {
    return this.worker.suspendSlot();
  }

  /** Runs lease recovery now (it also runs on start and every recoveryIntervalMs); returns the node runs handed back. */
  recoverLeases(): Promise<string[]> {
    return recoverExpiredLeases(this.core);
  }

  /** Fails active runs past their max_runtime_minutes now (the engine's tick does this every recoveryIntervalMs); returns their ids. */
  enforceRuntimeLimits(): Promise<string[]> {
    return enforceRuntimeLimits(this.core);
  }

  /** The run's trace (§17): node runs, tool calls, artifacts, failures and a timeline, filtered and paged. */
  trace(runId: unknown, options: TraceOptions = {}): Promise<RunTrace> {
    return traceRun(this.queries, runId, options);
  }

  /** The run's events after `afterSequence` (replay / backfill), in order. */
  runEvents(runId: unknown, afterSequence = 0, limit = 1000): Promise<EventEnvelope[]> {
    return this.options.bus.readEvents({ stream: runStream(parseRowId(runId, "run_id")), afterSequence, limit });
  }

  private async refreshCutover(): Promise<boolean> {
    if (!this.options.readCutover) return this.cutover;
    try {
      this.cutover = await this.options.readCutover();
    } catch (err) {
      this.options.logger?.warn({ err }, `reading the cutover gate failed; keeping ${this.cutover}: ${errorMessage(err)}`);
    }
    return this.cutover;
  }
}
