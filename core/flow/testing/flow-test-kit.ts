/**
 * Test kit for the flow engine: an engine over a store with a real EventBus, the real dispatch router and inline
 * dispatcher, the built-in node types and test node types (`record` writes every execution into a table and can
 * sleep, fail or wait on a latch), plus helpers to import the example flows and read a run back.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createContractRegistry } from "../../contracts/index.js";
import { EventBus } from "../../events/index.js";
import { DispatchRouter } from "../../execution/dispatch-router.js";
import { failedResult, successResult } from "../../execution/execution-results.js";
import { createInlineDispatcher } from "../../execution/inline-dispatcher.js";
import type { EventEnvelope, NodeTypeContribution } from "../../plugin-api/contributions.js";
import type { Store } from "../../store/store-port.js";
import { FlowEngine, type FlowEngineOptions, type FlowEngineSettings } from "../engine/flow-engine.js";
import type { FlowRun } from "../engine/engine-types.js";
import { createNodeTypeCapabilityRegistry, flowFileInvalidError, parseFlowFile } from "../graph/index.js";
import { builtInNodeTypes } from "../node-types/built-in-node-types.js";
import { createNodeConfigCheck } from "../node-types/node-config-check.js";

/**
 * Latches a `record` node waits on (config.latch; with config.latch_per_run the name gets `:{run id}`): release with
 * `latches.open(name)`. `failing` holds the names of config.fail_flag that make a `record` node fail.
 */
export class Latches {
  readonly failing = new Set<string>();
  private readonly waiting = new Map<string, { promise: Promise<void>; open: () => void }>();
  private entry(name: string) {
    let entry = this.waiting.get(name);
    if (!entry) {
      let open!: () => void;
      const promise = new Promise<void>((r) => (open = r));
      entry = { promise, open };
      this.waiting.set(name, entry);
    }
    return entry;
  }
  wait(name: string): Promise<void> {
    return this.entry(name).promise;
  }
  open(name: string): void {
    this.entry(name).open();
  }
}

/** Observed concurrency of `record` executions. */
export interface RecordStats {
  current: number;
  max: number;
  started: string[];
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), reject(new Error("aborted"))), { once: true });
  });
}

/**
 * `record`: inserts `(node_run_id, node_id, idempotency_key, attempt)` into flow_test_executions after its optional
 * sleep / latch (so an execution killed meanwhile records nothing), then succeeds — or fails with config.fail.
 */
export function recordNodeType(store: Store, latches: Latches, stats: RecordStats): NodeTypeContribution {
  return {
    type: "record",
    capabilities: { attachments: true },
    async execute(request, signal) {
      stats.current += 1;
      stats.max = Math.max(stats.max, stats.current);
      stats.started.push(String(request.node_id));
      try {
        const config = request.node_config;
        if (typeof config.latch === "string") {
          const name = config.latch_per_run === true ? `${config.latch}:${String(request.flowchart_run_id)}` : config.latch;
          await Promise.race([latches.wait(name), sleep(60_000, signal)]);
        }
        if (typeof config.sleep_ms === "number") await sleep(config.sleep_ms, signal);
        if (signal.aborted) return failedResult("cancelled", "aborted", { status: "cancelled" });
        await store.query("INSERT INTO flow_test_executions (node_run_id, node_id, idempotency_key, attempt) VALUES ($1, $2, $3, $4)", [
          String(request.execution_id), String(request.node_id), String(request.idempotency_key), Number(request.attempt),
        ]);
        if (config.fail === true || (typeof config.fail_flag === "string" && latches.failing.has(config.fail_flag))) return failedResult("execution_error", `Node ${String(request.node_id)} failed on purpose.`);
        return successResult({ node_type: "record", node_id: request.node_id, execution_index: request.execution_index, attachments: config.attachments ?? [] }, (config.routing ?? {}) as Record<string, unknown>);
      } finally {
        stats.current -= 1;
      }
    },
  };
}

/** The table `record` writes to. */
export async function createRecordTable(store: Store): Promise<void> {
  await store.query("CREATE TABLE IF NOT EXISTS flow_test_executions (id serial PRIMARY KEY, node_run_id text, node_id text, idempotency_key text, attempt int)");
}

/** An engine under test and its collaborators. */
export interface TestEngine {
  readonly engine: FlowEngine;
  readonly bus: EventBus;
  readonly latches: Latches;
  readonly stats: RecordStats;
  readonly events: EventEnvelope[];
  dispose(): Promise<void>;
}

/** Fast timings for tests (short polls; a lease long enough not to expire under load unless a test wants it to). */
export const TEST_ENGINE_SETTINGS: Partial<FlowEngineSettings> = { pollIntervalMs: 50, recoveryIntervalMs: 200, heartbeatMs: 500, leaseSeconds: 10, stopDrainMs: 2000 };

/** Builds (and starts, unless `start: false`) an engine over `store`. Extra node types join the built-ins and `record`. */
export async function createTestEngine(
  store: Store,
  options: { settings?: Partial<FlowEngineSettings>; start?: boolean; extraNodeTypes?: NodeTypeContribution[]; latches?: Latches; hooks?: FlowEngineOptions["hooks"]; cutover?: boolean } = {},
): Promise<TestEngine> {
  await createRecordTable(store);
  const latches = options.latches ?? new Latches();
  const stats: RecordStats = { current: 0, max: 0, started: [] };
  const bus = new EventBus({ store });
  const events: EventEnvelope[] = [];
  bus.subscribe(null, (event) => void events.push(event));
  let engine: FlowEngine | undefined;
  const nodeTypes = new Map<string, NodeTypeContribution>();
  for (const t of [...builtInNodeTypes(() => engine!), recordNodeType(store, latches, stats), ...(options.extraNodeTypes ?? [])]) nodeTypes.set(t.type, t);
  const inline = createInlineDispatcher(() => nodeTypes);
  const router = new DispatchRouter({ dispatchers: { get: (id) => (id === "inline" ? inline : undefined), ids: () => ["inline"] }, contracts: createContractRegistry() });
  const capabilities = createNodeTypeCapabilityRegistry([...nodeTypes.values()]);
  const configProblems = createNodeConfigCheck(createContractRegistry(), nodeTypes.values());
  engine = new FlowEngine({
    store, bus, runner: router, capabilities: () => capabilities, configProblems, settings: { ...TEST_ENGINE_SETTINGS, ...options.settings }, hooks: options.hooks,
    readCutover: async () => options.cutover === true,
  });
  if (options.start !== false) await engine.start();
  return {
    engine, bus, latches, stats, events,
    async dispose() {
      await engine!.stop();
      await bus.close();
    },
  };
}

const examples = fileURLToPath(new URL("../../../examples/flows/", import.meta.url));

/** Imports a flow from YAML text (or an example file name under examples/flows). */
export async function importFlow(engine: FlowEngine, source: string): Promise<string> {
  const text = source.endsWith(".yaml") ? readFileSync(`${examples}${source}`, "utf8") : source;
  const registry = createNodeTypeCapabilityRegistry([{ type: "record", capabilities: { attachments: true } }]);
  const parsed = parseFlowFile(text, source.endsWith(".yaml") ? source : "inline.yaml", { registry });
  if (!parsed.definition || parsed.errors.length > 0) throw flowFileInvalidError(parsed);
  return (await engine.flowcharts.importDefinition(parsed.definition)).id;
}

/** Starts a run and waits (up to 20 s) for it to end. */
export async function runToEnd(engine: FlowEngine, flowchartId: string): Promise<FlowRun> {
  const run = await engine.startRun({ flowchartId });
  return engine.waitForRun(run.id, { timeoutMs: 20_000 });
}

/** `node#index:status` per node run, in sequence order. */
export async function nodeTrace(engine: FlowEngine, runId: string): Promise<string[]> {
  const page = await engine.queries.listNodeRuns(runId);
  return page.items.map((nr) => `${nr.nodeId}#${nr.executionIndex}:${nr.status}`);
}

/** Rows of flow_test_executions. */
export async function recordedExecutions(store: Store): Promise<{ node_run_id: string; node_id: string; idempotency_key: string; attempt: number }[]> {
  const { rows } = await store.query<{ node_run_id: string; node_id: string; idempotency_key: string; attempt: number }>(
    "SELECT node_run_id, node_id, idempotency_key, attempt FROM flow_test_executions ORDER BY id",
  );
  return rows;
}

/** Polls `check` every 20 ms until it returns true (or throws after `timeoutMs`). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Builds flow YAML: `nodes` as `id:type[:json config]` lines, connectors as `a->b[:mode][:key][:condition]`. */
export function flowYaml(spec: { name?: string; settings?: Record<string, unknown>; nodes: string[]; connectors: string[] }): string {
  const nodes = spec.nodes.map((line) => {
    const [id, type, ...rest] = line.split(":");
    const config = rest.length > 0 ? `\n    config: ${rest.join(":")}` : "";
    return `  - id: ${id}\n    type: ${type}${config}`;
  });
  const connectors = spec.connectors.map((line) => {
    const [pair, mode, key, ...condition] = line.split(":");
    const [source, target] = pair!.split("->");
    let text = `  - source: ${source}\n    target: ${target}`;
    if (mode) text += `\n    mode: ${mode}`;
    if (key) text += `\n    condition_key: ${key}`;
    if (condition.length > 0) text += `\n    condition: ${JSON.stringify(condition.join(":"))}`;
    return text;
  });
  const settings = spec.settings ? `settings: ${JSON.stringify(spec.settings)}\n` : "";
  return `schema_version: 1\nname: ${spec.name ?? "test flow"}\n${settings}nodes:\n${nodes.join("\n")}\nconnectors:${connectors.length ? `\n${connectors.join("\n")}` : " []"}\n`;
}
