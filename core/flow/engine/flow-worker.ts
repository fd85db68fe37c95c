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
import { LEDGER_FREE_NODE_TYPES, NODE_RUN_LEDGER_SCOPE, type DispatchOutcome } from "./engine-types.js";
import { recoverExpiredLeases } from "./lease-recovery.js";
import { failNodeRun, persistOutcome } from "./node-run-persist.js";
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

  constructor(
    private readonly core: EngineCore,
    private readonly runner: NodeRunner,
    private readonly ledger: IdempotencyLedger,
    private readonly options: WorkerOptions,
    private readonly hooks: WorkerHooks = {},
  ) {}

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

  /** Recovery, sweeping and settings refresh; errors are logged and retried next tick. */
  async tick(): Promise<void> {
    try {
      await this.hooks.onTick?.();
      const recovered = await recoverExpiredLeases(this.core);
      if (recovered.length > 0) this.kick();
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

  private async process(work: ClaimedWork, entry: InFlight): Promise<void> {
    // PGlite answers through microtasks only, and results chain straight into the next node run: without a macrotask
    // turn per node run a busy run of built-in nodes starves timers, signals and HTTP requests until it ends.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      const outcome = work.recorded ?? (await this.runner.execute(executionOf(work), entry.controller.signal));
      if (this.dead || entry.reason === "lease") return;
      if (entry.reason === "stop") return await this.handBack(work);
      if (!work.recorded && outcome.result.status !== "cancelled" && !LEDGER_FREE_NODE_TYPES.has(work.node.type)) {
        await this.ledger.complete(NODE_RUN_LEDGER_SCOPE, work.nodeRun.idempotencyKey, outcome);
      }
      await this.hooks.afterResultRecorded?.(work);
      if (this.dead) return;
      entry.chained = await this.persist(work, outcome);
    } catch (err) {
      if (!this.dead) this.logger?.error({ err, nodeRunId: work.nodeRun.id }, `node run ${work.nodeRun.id} could not be completed: ${errorMessage(err)}`);
    }
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
        if (this.dead || isArkError(err, "ARK_CONTRACT_VIOLATION")) break;
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
