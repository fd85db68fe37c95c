/**
 * What the end-to-end tests share: the flowchart they run (a chain with a fan-out / fan-in of `record` nodes), kernels
 * that execute it (in-process test kernels, or the config file of a kernel child process), and reads of what a run
 * left in the database (recorded executions, node runs, the run's event log).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { apiServerRef, coreServices, type EventBus, type EventEnvelope, type Store } from "../../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../../core/testing/index.js";
import { flowYaml, importFlow } from "../../../core/flow/testing/flow-test-kit.js";
import type { FlowEngine } from "../../../core/flow/index.js";
import socketIoPlugin from "../../../plugins/channel-socketio/index.js";
import { createRecordPlugin, RECORD_PLUGIN_ID, RECORD_TABLE, type RecordedExecution } from "../../fixtures/e2e-record-plugin.js";

const repo = path.resolve(import.meta.dirname, "../../..");

/** The `record` nodes of the test flowchart: a, b, then c1..c3 in parallel, joined by d, then e, f. */
export const RECORD_NODES = ["a", "b", "c1", "c2", "c3", "d", "e", "f"] as const;
/** The fan-out branches (they sleep longer, so a crash can hit them mid-execution). */
export const FAN_OUT = ["c1", "c2", "c3"] as const;

/** YAML of the test flowchart; `fanOutSleepMs` is how long c1..c3 sleep (the others take the plugin's sleepMs). */
export function testFlowYaml(fanOutSleepMs: number): string {
  return flowYaml({
    name: "e2e chain with fan-out",
    settings: { max_parallel_nodes: 3 },
    nodes: [
      "start:start", "a:record", "b:record",
      ...FAN_OUT.map((n) => `${n}:record:{sleep_ms: ${fanOutSleepMs}}`),
      "d:record:{fan_in_mode: all}", "e:record", "f:record", "end:end",
    ],
    connectors: ["start->a", "a->b", ...FAN_OUT.map((n) => `b->${n}`), ...FAN_OUT.map((n) => `${n}->d`), "d->e", "e->f", "f->end"],
  });
}

/** Flow timings that make lease expiry (and so crash recovery) quick. */
export const FAST_FLOW = { leaseSeconds: 3, heartbeatMs: 500, pollIntervalMs: 100, recoveryIntervalMs: 250, stopDrainMs: 1000 } as const;

/** An in-process kernel with the flow engine, the `record` node type and (optionally) the Socket.IO channel. */
export interface FlowKernel {
  readonly kernel: TestKernel;
  readonly engine: FlowEngine;
  readonly store: Store;
  readonly bus: EventBus;
  /** The API's base URL (when the channel is loaded). */
  readonly baseUrl: string | null;
  stop(): Promise<void>;
}

/** Boots store + events + flow (+ api and channel-socketio) on the PostgreSQL `storeUrl`. */
export async function startFlowKernel(options: {
  storeUrl: string;
  label: string;
  flow?: Record<string, unknown>;
  events?: Record<string, unknown>;
  channel?: Record<string, unknown> | false;
}): Promise<FlowKernel> {
  const channel = options.channel === false ? null : (options.channel ?? {});
  const kernel = await startTestKernel({
    plugins: channel ? [socketIoPlugin, createRecordPlugin()] : [createRecordPlugin()],
    config: {
      kernel: { pluginTimeoutMs: 60_000 },
      store: { driver: "postgres", url: options.storeUrl, poolMax: 4 },
      execution: { dispatcher: "inline" },
      flow: { ...FAST_FLOW, ...options.flow },
      ...(channel ? { api: { host: "127.0.0.1", port: 0 } } : {}),
      ...(options.events ? { events: options.events } : {}),
    },
    pluginConfig: { [RECORD_PLUGIN_ID]: { label: options.label }, ...(channel ? { "channel-socketio": channel } : {}) },
    logger: pino({ level: process.env.ARK_TEST_LOG_LEVEL ?? "silent" }),
  });
  return {
    kernel,
    engine: kernel.get(coreServices.flow),
    store: kernel.get(coreServices.store),
    bus: kernel.get(coreServices.events),
    baseUrl: channel ? (kernel.get(apiServerRef).address()?.url ?? null) : null,
    stop: () => kernel.stop(),
  };
}

/** Imports the test flowchart through `engine` and returns its id. */
export function importTestFlow(engine: FlowEngine, fanOutSleepMs: number): Promise<string> {
  return importFlow(engine, testFlowYaml(fanOutSleepMs));
}

/** Writes the config file of a kernel child process (PostgreSQL store, fixed API port, the channel, `record`). */
export function writeChildConfig(dir: string, options: { storeUrl: string; port: number; label: string; events?: Record<string, unknown> }): string {
  const file = path.join(dir, `${options.label}.config.yaml`);
  const config = {
    kernel: { logLevel: process.env.ARK_TEST_LOG_LEVEL ?? "warn", pluginTimeoutMs: 30_000, stopTimeoutMs: 10_000 },
    store: { driver: "postgres", url: options.storeUrl, poolMax: 4 },
    api: { host: "127.0.0.1", port: options.port },
    execution: { dispatcher: "inline" },
    flow: FAST_FLOW,
    ...(options.events ? { events: options.events } : {}),
    plugins: [
      { from: path.join(repo, "plugins/channel-socketio") },
      { from: path.join(repo, "test/fixtures/e2e-record-plugin.ts"), config: { label: options.label } },
    ],
  };
  // JSON is YAML: no quoting surprises in the store URL.
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

/** Rows the `record` node type wrote for a run, in insertion order. */
export async function recordedExecutions(store: Store, runId: string): Promise<RecordedExecution[]> {
  const { rows } = await store.query<RecordedExecution>(
    `SELECT run_id, node_id, execution_index, attempt, node_run_id, idempotency_key, label, pid FROM ${RECORD_TABLE} WHERE run_id = $1 ORDER BY id`,
    [runId],
  );
  return rows;
}

/** A node run as the database holds it. */
export interface NodeRunRow {
  readonly node_id: string;
  readonly execution_index: number;
  readonly status: string;
  readonly attempt: number;
}

/** The node runs of a run, by node id. */
export async function nodeRunRows(store: Store, runId: string): Promise<NodeRunRow[]> {
  const { rows } = await store.query<NodeRunRow>(
    "SELECT node_id, execution_index, status, attempt FROM ark_flow_node_runs WHERE run_id = $1 ORDER BY node_id, execution_index",
    [runId],
  );
  return rows;
}

/** The envelopes of `stream` in the event log, by sequence. */
export async function loggedEvents(store: Store, stream: string): Promise<EventEnvelope[]> {
  const { rows } = await store.query<{ envelope: EventEnvelope }>("SELECT envelope FROM ark_event_envelopes WHERE stream = $1 ORDER BY sequence", [stream]);
  return rows.map((r) => r.envelope);
}

/**
 * Appends one closing event to a run's stream. Live delivery is ordered per stream, so once a client has it, any
 * duplicate of an earlier event would already have arrived: "received exactly once" can then be asserted.
 */
export function emitClosingEvent(bus: EventBus, runId: string): Promise<EventEnvelope> {
  return bus.transaction((_tx, emit) =>
    emit({ eventType: "flowchart:run:updated", entityKind: "flowchart_run", entityId: runId, roomKeys: [`flowchart_run:${runId}`], sequenceStream: `flowchart_run:${runId}`, payload: { e2e_closing: true } }),
  );
}

/** Node ids (record nodes only) mapped to how many rows they recorded. */
export function executionsPerNode(rows: readonly RecordedExecution[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.node_id] = (counts[row.node_id] ?? 0) + 1;
  return counts;
}

/** How many times each terminal node event (`node:task:completed`) was logged, per node id. */
export function completionsPerNode(events: readonly EventEnvelope[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) {
    if (e.event_type !== "node:task:completed") continue;
    const node = String(e.payload.flowchart_node_id);
    counts[node] = (counts[node] ?? 0) + 1;
  }
  return counts;
}
