/**
 * The worker side of an engine: claims ready activations up to its concurrency, executes each claimed node run through
 * the dispatcher port while a heartbeat extends its lease, records the result in the idempotency ledger, and persists
 * it. Woken by NOTIFY (any kernel's commits), by its own commits, and by a polling fallback; recovers expired leases
 * on start and periodically. Stop drains: nothing new is claimed, in-flight node runs get `stopDrainMs` to finish, the
 * rest are handed back (their activations pending again) for another engine to take over.
 */
import type { Logger } from "pino";
import { errorMessage, isArkError } from "../../errors/index.js";
import type { IdempotencyLedger } from "../../tooling/idempotency-port.js";
import { claimWork, type ClaimedWork } from "./activation-claim.js";
import type { EngineCore } from "./engine-core.js";
import { LEDGER_FREE_NODE_TYPES, type DispatchOutcome } from "./engine-types.js";
import { KeyedBatchQueue } from "./keyed-batch-queue.js";
import { recoverExpiredLeases } from "./lease-recovery.js";
import { failNodeRun, persistOutcome, persistOutcomes, type PersistItem } from "./node-run-persist.js";
import { NodeResultRecorder } from "./result-recorder.js";
import { enforceRuntimeLimits } from "./runtime-guardrail.js";
import { finaliseIfDrained } from "./run-finalise.js";
import { readRun } from "./run-start.js";
import { FLOW_NOTIFY_CHANNEL, notifyWork, parseFlowNotice } from "./work-notice.js";
import { executionOf, type NodeRunner, type WorkerHooks, type WorkerOptions } from "./worker-types.js";

export type { NodeRunner, WorkerHooks, WorkerOptions } from "./worker-types.js";

interface InFlight {
  readonly runId: string;
  readonly controller: AbortController;
  heartbeat: NodeJS.Timeout | null;
  reason: "lease" | "cancel" | "stop" | null;
  /** Its persist handed the slot straight to follow-on work, so no claim pass is needed when it ends. */
  chained: boolean;
  readonly done: Promise<void>;
}

const PERSIST_ATTEMPTS = 3;
/** Longest stretch of node runs without an event-loop turn. */
const MAX_BUSY_MS = 2;

/** Whether a persisted result's slot went straight to follow-on work, or why it could not be persisted. */
type PersistResult = boolean | { readonly error: unknown };

/** Claims and executes node runs for one engine. */
export class FlowWorker {
  private readonly inflight = new Map<string, InFlight>();
  private running = false;
  private dead = false;
  private pumping: Promise<void> | null = null;
  private again = false;
  private waiting = 0;
  /** Slots promised to a persist that may claim follow-on work in its own transaction. */
  private reserved = 0;
  private timers: NodeJS.Timeout[] = [];
  private unlisten: (() => Promise<void>) | null = null;
  private schema = "";
  private readonly recorder: NodeResultRecorder;
  /** When the event loop last turned (see yieldIfBusy), and whether a sentinel is waiting to notice the next turn. */
  private turnedAt = performance.now();
  private turnWatch = false;
  private turn: Promise<void> | null = null;
  /** Results of one run that finish while another result of it is being persisted are persisted together, next. */
  private readonly persistQueue = new KeyedBatchQueue<PersistItem, PersistResult>((_runId, items) => this.persistBatch(items));

  constructor(
    private readonly core: EngineCore,
    private readonly runner: NodeRunner,
    ledger: IdempotencyLedger,
    private readonly options: WorkerOptions,
    private readonly hooks: WorkerHooks = {},
  ) {
    this.recorder = new NodeResultRecorder(core.store, ledger);
  }

  private get logger(): Logger | undefined {
    return this.core.logger;
  }

  /** Starts listening, polling and recovering; claims right away. */
  async start(): Promise<void> {
    if (this.running || this.dead) return;
    this.running = true;
    const { rows } = await this.core.store.query<{ schema: string | null }>("SELECT current_schema() AS schema");
    this.schema = rows[0]?.schema ?? "";
    this.unlisten = await this.core.store.listen(FLOW_NOTIFY_CHANNEL, (payload) => this.onNotice(payload));
    await this.tick();
    this.timers.push(setInterval(() => this.kick(), this.options.pollIntervalMs), setInterval(() => void this.tick(), this.options.recoveryIntervalMs));
    for (const timer of this.timers) timer.unref();
    this.kick();
  }

  /** Recovery, the runtime guardrail, sweeping and settings refresh; errors are logged and retried next tick. */
  async tick(): Promise<void> {
    try {
      await this.hooks.onTick?.();
      const recovered = await recoverExpiredLeases(this.core);
      if (recovered.length > 0) this.kick();
      await enforceRuntimeLimits(this.core);
    } catch (err) {
      this.logger?.warn({ err }, `flow engine tick failed: ${errorMessage(err)}`);
    }
  }

  /** Schedules a claim pass (coalesced). */
  kick(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
    });
  }

  /** Lets a node run that waits on other work (a sub-flow) give its slot back until the returned function is called. */
  suspendSlot(): () => void {
    this.waiting += 1;
    this.kick();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.waiting -= 1;
    };
  }

  /** Aborts in-flight node runs of these runs (force cancel heard from any kernel). */
  abortRuns(runIds: readonly string[]): void {
    const wanted = new Set(runIds);
    for (const entry of this.inflight.values()) {
      if (!wanted.has(entry.runId)) continue;
      entry.reason ??= "cancel";
      entry.controller.abort();
    }
  }

  /** Stops claiming, gives in-flight work `stopDrainMs`, hands the rest back. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.clearTimers();
    await this.unlisten?.().catch(() => undefined);
    this.unlisten = null;
    await this.pumping; // a claim in progress may still launch work: wait for it before draining
    const all = () => Promise.all([...this.inflight.values()].map((e) => e.done));
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([all().then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), this.options.stopDrainMs)))]);
    clearTimeout(timer);
    if (!drained) {
      for (const entry of this.inflight.values()) {
        entry.reason ??= "stop";
        entry.controller.abort();
      }
      await all();
    }
  }

  /** Simulates a crash (tests): stops everything at once and writes nothing more; leases are left to expire. */
  abandon(): void {
    this.dead = true;
    this.running = false;
    this.clearTimers();
    void this.unlisten?.().catch(() => undefined);
    for (const entry of this.inflight.values()) {
      if (entry.heartbeat) clearInterval(entry.heartbeat);
      entry.controller.abort();
    }
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  private onNotice(payload: string): void {
    const notice = parseFlowNotice(payload);
    if (notice === null || notice.schema !== this.schema) return;
    if (notice.kind === "work" && notice.by !== this.core.owner) this.kick();
    else if (notice.kind === "cancel") this.abortRuns(notice.runs);
  }

  private freeSlots(): number {
    return this.options.concurrency - (this.inflight.size - this.waiting) - this.reserved;
  }

  private async pump(): Promise<void> {
    try {
      do {
        this.again = false;
        while (this.running && this.freeSlots() > 0) {
          const wanted = this.freeSlots();
          const work = await claimWork(this.core, wanted);
          if (this.dead) return;
          for (const item of work) this.launch(item);
          // Fewer than asked for: everything claimable now was claimed (the next commit or notice wakes us again).
          if (work.length < wanted) break;
        }
      } while (this.again && this.running);
    } catch (err) {
      this.logger?.warn({ err }, `claiming flow work failed; the next wake-up retries: ${errorMessage(err)}`);
    }
  }

  private launch(work: ClaimedWork): void {
    const controller = new AbortController();
    let finish!: () => void;
    const entry: InFlight = { runId: work.run.id, controller, heartbeat: null, reason: null, chained: false, done: new Promise<void>((r) => (finish = r)) };
    this.inflight.set(work.nodeRun.id, entry);
    entry.heartbeat = setInterval(() => void this.beat(work, entry), this.options.heartbeatMs);
    entry.heartbeat.unref();
    void this.process(work, entry).finally(() => {
      if (entry.heartbeat) clearInterval(entry.heartbeat);
      this.inflight.delete(work.nodeRun.id);
      finish();
      if (!entry.chained) this.kick();
    });
  }

  /**
   * PGlite answers through microtasks only, and results chain straight into the next node run: without a macrotask
   * turn now and then a busy run of built-in nodes starves timers, signals and HTTP requests until it ends. A node run
   * yields when the event loop has not turned for MAX_BUSY_MS (a sentinel immediate notices every turn; on
   * PostgreSQL the loop turns on every reply, so nothing waits), and node runs that yield together resume together,
   * in one turn: one at a time, each would run to its end before the next starts, and results of one run could never
   * be persisted together.
   */
  private yieldIfBusy(): Promise<void> | undefined {
    if (!this.turnWatch) {
      this.turnWatch = true;
      setImmediate(() => {
        this.turnWatch = false;
        this.turnedAt = performance.now();
      });
    }
    if (performance.now() - this.turnedAt < MAX_BUSY_MS) return undefined;
    this.turn ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.turn = null;
        this.turnedAt = performance.now();
        resolve();
      }),
    );
    return this.turn;
  }

  private async process(work: ClaimedWork, entry: InFlight): Promise<void> {
    await this.yieldIfBusy();
    try {
      const outcome = work.recorded ?? (await this.runner.execute(executionOf(work), entry.controller.signal));
      if (this.dead || entry.reason === "lease") return;
      if (entry.reason === "stop") return await this.handBack(work);
      const recording = this.recordResult(work, outcome);
      if (this.hooks.afterResultRecorded) {
        await recording;
        await this.hooks.afterResultRecorded(work);
        if (this.dead) return;
      }
      const [persisted, recorded] = await Promise.allSettled([this.persistQueue.submit(work.run.id, { work, outcome }), recording]);
      if (recorded.status === "rejected" && !this.dead) {
        this.logger?.warn({ err: recorded.reason, nodeRunId: work.nodeRun.id }, `node run ${work.nodeRun.id}: recording its result failed: ${errorMessage(recorded.reason)}`);
      }
      if (persisted.status === "rejected") throw persisted.reason;
      if (typeof persisted.value !== "boolean") throw persisted.value.error;
      entry.chained = persisted.value;
    } catch (err) {
      if (!this.dead) this.logger?.error({ err, nodeRunId: work.nodeRun.id }, `node run ${work.nodeRun.id} could not be completed: ${errorMessage(err)}`);
    }
  }

  /**
   * Records a result in the ledger (scope `flow.node_run`) so that a takeover after a crash returns it instead of running
   * the node again. It runs beside the persist, on its own connection: the ledger only matters while the node run is
   * still `running` (a persisted node run is never taken over), so its commit need not come first, and the two commits
   * overlap instead of adding up. Built-in deterministic types, cancelled executions and results that came from the
   * ledger are not recorded.
   */
  private recordResult(work: ClaimedWork, outcome: DispatchOutcome): Promise<void> {
    if (work.recorded || outcome.result.status === "cancelled" || LEDGER_FREE_NODE_TYPES.has(work.node.type)) return Promise.resolve();
    return this.recorder.record(work.nodeRun.idempotencyKey, outcome);
  }

  /**
   * Persists a batch of one run's results in one transaction; each item answers whether its slot went straight to
   * follow-on work. If the batch fails, each result is persisted on its own (with retries), so one bad result cannot
   * hold back the others.
   */
  private async persistBatch(items: readonly PersistItem[]): Promise<PersistResult[]> {
    if (this.dead) return items.map(() => false);
    if (items.length === 1) return [await this.persist(items[0]!.work, items[0]!.outcome)];
    const granted = this.running ? Math.max(0, this.freeSlots() + items.length) : 0;
    this.reserved += granted;
    try {
      const report = await persistOutcomes(this.core, items, granted);
      for (const next of report.chained) this.launch(next);
      return items.map((_, i) => i < report.chained.length);
    } catch (err) {
      this.logger?.debug({ err }, `persisting ${items.length} results together failed; persisting them one by one: ${errorMessage(err)}`);
    } finally {
      this.reserved -= granted;
    }
    const results: PersistResult[] = [];
    for (const { work, outcome } of items) {
      try {
        results.push(this.dead ? false : await this.persist(work, outcome));
      } catch (err) {
        results.push({ error: err });
      }
    }
    return results;
  }

  /** Persists with retries; true when follow-on work was claimed in the same transaction. */
  private async persist(work: ClaimedWork, outcome: DispatchOutcome): Promise<boolean> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= PERSIST_ATTEMPTS; attempt++) {
      // This node run's own slot frees up with the persist, so it may be handed straight to a follow-on node run.
      const granted = this.running ? Math.max(0, this.freeSlots() + 1) : 0;
      this.reserved += granted;
      try {
        const report = await persistOutcome(this.core, work, outcome, granted);
        for (const next of report.chained) this.launch(next);
        return report.chained.length > 0;
      } catch (err) {
        lastError = err;
        // A value the store refuses fails the same way every time.
        if (this.dead || isArkError(err, "ARK_CONTRACT_VIOLATION") || isArkError(err, "ARK_STORE_VALUE_INVALID")) break;
        await new Promise((r) => setTimeout(r, 25 * attempt * attempt));
      } finally {
        this.reserved -= granted;
      }
    }
    await this.persistFailure(work, lastError);
    return false;
  }

  /** The result could not be stored: the node run fails with the reference's persistence message. */
  private async persistFailure(work: ClaimedWork, err: unknown): Promise<void> {
    const message = `Flowchart node persistence failed after execution: ${errorMessage(err) || "unknown persistence error"}`;
    await this.core.bus.transaction(async (tx, emit) => {
      const run = await readRun(tx, work.run.id, true);
      const ids = { nodeRunId: work.nodeRun.id, activationId: work.activationId, owner: this.core.owner };
      if ((await failNodeRun(tx, emit, run, ids, { message, code: "persistence_failed" })) === null) return;
      await finaliseIfDrained(tx, emit, this.core.graphs, run.id);
    });
  }

  /** Gives a node run back on stop: lease released, activation pending, so another engine takes it over at once. */
  private async handBack(work: ClaimedWork): Promise<void> {
    await this.core.bus.transaction(async (tx, emit) => {
      await readRun(tx, work.run.id, true);
      const { rowCount } = await tx.query(
        "UPDATE ark_flow_node_runs SET lease_owner = NULL, lease_expires_at = NULL, updated_at = now() WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
        [work.nodeRun.id, this.core.owner],
      );
      if (rowCount === 0) return;
      await tx.query("UPDATE ark_flow_activations SET state = 'pending', claimed_by = NULL, claimed_at = NULL WHERE id = $1 AND state = 'claimed'", [work.activationId]);
      await finaliseIfDrained(tx, emit, this.core.graphs, work.run.id);
      await notifyWork(tx, work.run.id, this.core.owner);
    });
  }

  /** Extends the lease; losing it (taken over, or the node run canceled) aborts the execution. */
  private async beat(work: ClaimedWork, entry: InFlight): Promise<void> {
    if (this.dead) return;
    try {
      const { rowCount } = await this.core.store.query(
        `UPDATE ark_flow_node_runs SET lease_expires_at = now() + make_interval(secs => $3::float8), heartbeat_at = now()
          WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
        [work.nodeRun.id, this.core.owner, this.core.leaseSeconds],
      );
      if (rowCount === 0 && !this.dead) {
        entry.reason ??= "lease";
        entry.controller.abort();
      }
    } catch (err) {
      this.logger?.warn({ err, nodeRunId: work.nodeRun.id }, `heartbeat failed: ${errorMessage(err)}`);
    }
  }
}
