/**
 * Flow benchmark (issue 4): node runs per second of ARK's durable orchestrator for a 1,000-node chain and a 100-wide
 * fan-out/fan-in (start → 100 parallel → join → end), inline dispatcher, a no-op node type — on PGlite (in memory) and
 * on PostgreSQL (ARK_BENCH_DATABASE_URL or ARK_TEST_DATABASE_URL; a fresh schema, dropped afterwards) — next to the
 * same graphs in LangGraph JS with its PostgreSQL checkpointer (PostgresSaver, `setup()` in a fresh schema on the same
 * server), measured in the same run. Both sides are durable per step: ARK commits every node run's result (node run,
 * artifact, events, routing) before its successors are claimed; LangGraph writes a checkpoint every superstep (its
 * default `durability: "async"` overlaps that write with the next step; `"sync"` waits for it — both are measured and
 * the ratio uses the faster one). Targets: ≥ 200 node runs/s on PostgreSQL, ARK ≥ 1.0× LangGraph.
 * The systems on PostgreSQL take turns, fan-out round by fan-out round, so drift in the machine's speed moves them alike.
 * Run: `npx tsx scripts/bench/flow.ts [--json]` or `npm run bench -- flow [--json]` (ARK_BENCH_FLOW_CHAIN=n changes the chain
 * length, ARK_BENCH_FLOW_FAN_ROUNDS the fan-out rounds (default 20), ARK_BENCH_FLOW_CONCURRENCY ARK's flow.concurrency).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import pg from "pg";
import { createContractRegistry } from "../../core/contracts/index.js";
import { EventBus } from "../../core/events/index.js";
import { DispatchRouter } from "../../core/execution/dispatch-router.js";
import { successResult } from "../../core/execution/execution-results.js";
import { createInlineDispatcher } from "../../core/execution/inline-dispatcher.js";
import { FlowEngine } from "../../core/flow/engine/flow-engine.js";
import { createNodeTypeCapabilityRegistry, flowFileInvalidError, parseFlowFile } from "../../core/flow/graph/index.js";
import { builtInNodeTypes } from "../../core/flow/node-types/built-in-node-types.js";
import { flowYaml } from "../../core/flow/testing/flow-test-kit.js";
import type { NodeTypeContribution } from "../../core/plugin-api/contributions.js";
import { loadCoreMigrations } from "../../core/store/migration-source.js";
import { applyMigrations } from "../../core/store/migrator.js";
import { openStore } from "../../core/store/open-store.js";
import type { Store } from "../../core/store/store-port.js";
import { isMain, printTable } from "./bench-format.js";

const CHAIN_NODES = Number(process.env.ARK_BENCH_FLOW_CHAIN ?? 1000);
const FAN_WIDTH = 100;
const FAN_ROUNDS = Number(process.env.ARK_BENCH_FLOW_FAN_ROUNDS ?? 20);
/** Node runs ARK executes at once (flow.concurrency); the fan-out's max_parallel_nodes is its width. */
const ENGINE_CONCURRENCY = Number(process.env.ARK_BENCH_FLOW_CONCURRENCY ?? 128);
const TARGET_RATE = 200;

/** One measured scenario. */
export interface FlowBenchRow {
  readonly system: string;
  readonly target: string;
  readonly graph: "chain" | "fan-out";
  readonly nodeRuns: number;
  readonly seconds: number;
  readonly rate: number;
}

/** A trivial contributed node type: succeeds at once with a small output. */
const noopNodeType: NodeTypeContribution = {
  type: "noop",
  capabilities: {},
  async execute(request) {
    return successResult({ node_type: "noop", node_id: request.node_id });
  },
};

function chainYaml(n: number): string {
  const middle = Array.from({ length: n - 2 }, (_, i) => `n${i + 1}`);
  const ids = ["start", ...middle, "end"];
  return flowYaml({
    name: `bench chain ${n}`,
    settings: { max_node_executions: Math.min(n + 10, 10_000) },
    nodes: ["start:start", ...middle.map((id) => `${id}:noop`), "end:end"],
    connectors: ids.slice(1).map((id, i) => `${ids[i]}->${id}`),
  });
}

function fanYaml(width: number): string {
  const branches = Array.from({ length: width }, (_, i) => `p${i + 1}`);
  return flowYaml({
    name: `bench fan-out ${width}`,
    settings: { max_parallel_nodes: width },
    nodes: ["start:start", ...branches.map((id) => `${id}:noop`), "join:noop:{fan_in_mode: all}", "end:end"],
    connectors: [...branches.map((id) => `start->${id}`), ...branches.map((id) => `${id}->join`), "join->end"],
  });
}

async function importYaml(engine: FlowEngine, text: string): Promise<string> {
  const registry = createNodeTypeCapabilityRegistry([{ type: "noop", capabilities: {} }]);
  const parsed = parseFlowFile(text, "bench.yaml", { registry });
  if (!parsed.definition || parsed.errors.length > 0) throw flowFileInvalidError(parsed);
  return (await engine.flowcharts.importDefinition(parsed.definition)).id;
}

/** An engine with the built-in node types and `noop`, the real dispatch router and the inline dispatcher. */
function buildEngine(store: Store): { engine: FlowEngine; bus: EventBus } {
  const bus = new EventBus({ store });
  let engine: FlowEngine | undefined;
  const nodeTypes = new Map<string, NodeTypeContribution>();
  for (const t of [...builtInNodeTypes(() => engine!), noopNodeType]) nodeTypes.set(t.type, t);
  const inline = createInlineDispatcher(() => nodeTypes);
  const router = new DispatchRouter({ dispatchers: { get: (id) => (id === "inline" ? inline : undefined), ids: () => ["inline"] }, contracts: createContractRegistry() });
  const capabilities = createNodeTypeCapabilityRegistry([...nodeTypes.values()]);
  engine = new FlowEngine({ store, bus, runner: router, capabilities: () => capabilities, settings: { concurrency: ENGINE_CONCURRENCY } });
  return { engine, bus };
}

/** Runs one flowchart to its end; returns the node runs it made and the wall time from start request to completion. */
async function timeArkRun(store: Store, engine: FlowEngine, flowchartId: string): Promise<Timed> {
  const began = performance.now();
  const run = await engine.startRun({ flowchartId });
  const done = await engine.waitForRun(run.id, { timeoutMs: 600_000 });
  const seconds = (performance.now() - began) / 1000;
  if (done.status !== "completed") throw new Error(`bench run ${run.id} ended ${done.status}: ${done.failureMessage ?? ""}`);
  const { rows } = await store.query<{ n: number }>("SELECT count(*)::int AS n FROM ark_flow_node_runs WHERE run_id = $1 AND status = 'succeeded'", [run.id]);
  return { nodeRuns: Number(rows[0]!.n), seconds };
}

/** One run's node runs and wall time. */
interface Timed {
  readonly nodeRuns: number;
  readonly seconds: number;
}

/** A system under test, ready (graphs imported or compiled, caches warm): one chain run, one fan-out run. */
interface Contestant {
  readonly system: string;
  readonly target: string;
  chain(): Promise<Timed>;
  fan(): Promise<Timed>;
  close(): Promise<void>;
}

/** ARK on a migrated store: the engine started, both graphs imported, one warm-up run of each shape. */
async function arkContestant(store: Store, target: string): Promise<Contestant> {
  await applyMigrations(store, await loadCoreMigrations());
  const { engine, bus } = buildEngine(store);
  await engine.start();
  const chain = await importYaml(engine, chainYaml(CHAIN_NODES));
  const fan = await importYaml(engine, fanYaml(FAN_WIDTH));
  await timeArkRun(store, engine, await importYaml(engine, chainYaml(30))); // warm caches, JIT and prepared plans
  await timeArkRun(store, engine, fan);
  return {
    system: "ARK", target,
    chain: () => timeArkRun(store, engine, chain),
    fan: () => timeArkRun(store, engine, fan),
    async close() {
      await engine.stop();
      await bus.close();
    },
  };
}

function schemaUrl(url: string, schema: string): string {
  const target = new URL(url);
  target.searchParams.set("options", `-c search_path=${schema}`);
  return target.toString();
}

/** A fresh schema on the server, dropped by the returned function. */
async function freshSchema(url: string, prefix: string): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `${prefix}_${process.pid}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  return {
    schema,
    async drop() {
      const dropper = new pg.Client({ connectionString: url });
      await dropper.connect();
      try {
        await dropper.query(`DROP SCHEMA ${schema} CASCADE`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** ARK on PostgreSQL, in a fresh schema. */
async function arkPostgresContestant(url: string): Promise<Contestant> {
  const { schema, drop } = await freshSchema(url, "ark_bench_flow");
  const store = await openStore({ driver: "postgres", url: schemaUrl(url, schema) });
  const ark = await arkContestant(store, "postgresql");
  return { ...ark, async close() { await ark.close(); await store.close(); await drop(); } };
}

/** The builder surface used here: graph building is generic over node names, which the literal-name typing does not fit. */
interface LangGraphBuilder {
  addNode(name: string, fn: () => Promise<{ runs: number }>): void;
  addEdge(from: string | string[], to: string): void;
  compile(options: object): { invoke(input: object, config: object): Promise<{ runs: number }> };
}

/**
 * LangGraph: the same graphs as StateGraphs, compiled with PostgresSaver in a fresh schema; one thread per run. Both
 * durability modes share the compiled graphs (durability is a per-invoke option).
 */
async function langGraphContestants(url: string): Promise<Contestant[]> {
  const { Annotation, END, START, StateGraph } = await import("@langchain/langgraph");
  // LangGraph adds one abort listener per parallel task; 100 of them are expected here, not a leak.
  setMaxListeners(FAN_WIDTH * 2);
  const { PostgresSaver } = await import("@langchain/langgraph-checkpoint-postgres");
  const { schema, drop } = await freshSchema(url, "lg_bench_flow");
  const pool = new pg.Pool({ connectionString: url });
  const checkpointer = new PostgresSaver(pool, undefined, { schema });
  await checkpointer.setup();
  const State = Annotation.Root({ runs: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }) });
  const noop = async () => ({ runs: 1 });
  const builder = () => new StateGraph(State) as unknown as LangGraphBuilder;
  const chainGraph = (n: number) => {
    const g = builder();
    const ids = Array.from({ length: n }, (_, i) => `n${i}`);
    for (const id of ids) g.addNode(id, noop);
    g.addEdge(START, ids[0]!);
    for (let i = 1; i < n; i++) g.addEdge(ids[i - 1]!, ids[i]!);
    g.addEdge(ids[n - 1]!, END);
    return g.compile({ checkpointer });
  };
  const fanGraph = (width: number) => {
    const g = builder();
    const branches = Array.from({ length: width }, (_, i) => `p${i + 1}`);
    for (const id of ["start", ...branches, "join", "end"]) g.addNode(id, noop);
    g.addEdge(START, "start");
    for (const id of branches) g.addEdge("start", id);
    g.addEdge(branches, "join");
    g.addEdge("join", "end");
    g.addEdge("end", END);
    return g.compile({ checkpointer });
  };
  type Graph = ReturnType<typeof chainGraph>;
  const time = async (graph: Graph, nodes: number, durability: "async" | "sync"): Promise<Timed> => {
    const began = performance.now();
    const out = await graph.invoke({ runs: 0 }, { configurable: { thread_id: randomUUID() }, recursionLimit: nodes + 10, durability });
    const seconds = (performance.now() - began) / 1000;
    if (out.runs !== nodes) throw new Error(`LangGraph ran ${out.runs} nodes, expected ${nodes}`);
    return { nodeRuns: out.runs, seconds };
  };
  const chain = chainGraph(CHAIN_NODES);
  const fan = fanGraph(FAN_WIDTH);
  let open = 2;
  const contestant = async (durability: "async" | "sync"): Promise<Contestant> => {
    await time(chainGraph(30), 30, durability);
    await time(fan, FAN_WIDTH + 3, durability);
    return {
      system: `LangGraph (${durability})`, target: "postgresql",
      chain: () => time(chain, CHAIN_NODES, durability),
      fan: () => time(fan, FAN_WIDTH + 3, durability),
      async close() {
        if (--open > 0) return;
        await pool.end();
        await drop();
      },
    };
  };
  return [await contestant("async"), await contestant("sync")];
}

/**
 * Measures contestants side by side: each runs the chain once, then the fan-out FAN_ROUNDS times, the systems taking
 * turns round by round — so a machine that drifts in speed during the benchmark moves every system alike, and the
 * ratios stay fair. Closes them all.
 */
async function measure(contestants: readonly Contestant[]): Promise<FlowBenchRow[]> {
  try {
    const chains = new Map<Contestant, Timed>();
    for (const c of contestants) chains.set(c, await c.chain());
    const fans = new Map<Contestant, { nodeRuns: number; seconds: number }>(contestants.map((c) => [c, { nodeRuns: 0, seconds: 0 }]));
    for (let i = 0; i < FAN_ROUNDS; i++) {
      for (const c of contestants) {
        const r = await c.fan();
        const total = fans.get(c)!;
        fans.set(c, { nodeRuns: total.nodeRuns + r.nodeRuns, seconds: total.seconds + r.seconds });
      }
    }
    return contestants.flatMap((c) => {
      const chain = chains.get(c)!;
      const fan = fans.get(c)!;
      return [
        { system: c.system, target: c.target, graph: "chain" as const, ...chain, rate: chain.nodeRuns / chain.seconds },
        { system: c.system, target: c.target, graph: "fan-out" as const, ...fan, rate: fan.nodeRuns / fan.seconds },
      ];
    });
  } finally {
    for (const c of contestants) await c.close();
  }
}

async function benchArkPglite(): Promise<FlowBenchRow[]> {
  const store = await openStore({ driver: "pglite", dataDir: "memory://" });
  try {
    return await measure([await arkContestant(store, "pglite (memory)")]);
  } finally {
    await store.close();
  }
}

/** ARK and LangGraph on the same PostgreSQL server, measured in turns. */
async function benchPostgres(url: string): Promise<FlowBenchRow[]> {
  const contestants: Contestant[] = [];
  try {
    contestants.push(await arkPostgresContestant(url));
    contestants.push(...(await langGraphContestants(url)));
  } catch (err) {
    for (const c of contestants) await c.close();
    throw err;
  }
  return measure(contestants);
}

/** ARK against LangGraph for one graph: the rates, the ratio and the verdicts on the targets. */
export interface FlowComparison {
  readonly graph: "chain" | "fan-out";
  readonly arkPglite: number | null;
  readonly arkPostgres: number | null;
  /** LangGraph's faster durability mode for this graph. */
  readonly langGraphSystem: string | null;
  readonly langGraph: number | null;
  /** ARK on PostgreSQL / LangGraph (both on the same PostgreSQL). */
  readonly ratio: number | null;
  readonly meetsRateTarget: boolean | null;
  readonly meetsRatioTarget: boolean | null;
}

function comparisons(rows: readonly FlowBenchRow[]): FlowComparison[] {
  return (["chain", "fan-out"] as const).map((graph) => {
    const ark = rows.find((r) => r.system === "ARK" && r.target === "postgresql" && r.graph === graph);
    const lite = rows.find((r) => r.system === "ARK" && r.target !== "postgresql" && r.graph === graph);
    const langGraph = rows.filter((r) => r.system.startsWith("LangGraph") && r.graph === graph).sort((a, b) => b.rate - a.rate)[0];
    const ratio = ark && langGraph ? ark.rate / langGraph.rate : null;
    return {
      graph, arkPglite: lite?.rate ?? null, arkPostgres: ark?.rate ?? null, langGraphSystem: langGraph?.system ?? null, langGraph: langGraph?.rate ?? null, ratio,
      meetsRateTarget: ark ? ark.rate >= TARGET_RATE : null, meetsRatioTarget: ratio === null ? null : ratio >= 1,
    };
  });
}

function verdicts(list: readonly FlowComparison[]): string[] {
  const lines: string[] = [];
  const meets = (ok: boolean | null) => (ok ? "meets" : "misses");
  for (const c of list) {
    if (c.arkPglite !== null) lines.push(`${c.graph}: ARK on PGlite ${c.arkPglite.toFixed(0)} node runs/s`);
    if (c.arkPostgres === null || c.langGraph === null || c.ratio === null) continue;
    lines.push(
      `${c.graph}: ARK on PostgreSQL ${c.arkPostgres.toFixed(0)} node runs/s (${meets(c.meetsRateTarget)} ≥ ${TARGET_RATE}); ` +
        `ARK / ${c.langGraphSystem} ${c.langGraph.toFixed(0)} node runs/s = ${c.ratio.toFixed(2)}× (${meets(c.meetsRatioTarget)} ≥ 1.0×)`,
    );
  }
  return lines;
}

/** Runs the benchmark and prints the table and the verdicts (with `--json`: one JSON document instead); returns the rows. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<FlowBenchRow[]> {
  const json = argv.includes("--json");
  const url = process.env.ARK_BENCH_DATABASE_URL?.trim() || process.env.ARK_TEST_DATABASE_URL?.trim();
  const rows: FlowBenchRow[] = [...(await benchArkPglite())];
  if (url) rows.push(...(await benchPostgres(url)));
  const compared = comparisons(rows);
  if (json) {
    const document = {
      bench: "flow", chain_nodes: CHAIN_NODES, fan_width: FAN_WIDTH, fan_rounds: FAN_ROUNDS, ark_concurrency: ENGINE_CONCURRENCY, target_rate: TARGET_RATE,
      postgres: url ? "included" : "skipped (set ARK_BENCH_DATABASE_URL or ARK_TEST_DATABASE_URL)",
      rows: rows.map((r) => ({ system: r.system, database: r.target, graph: r.graph, node_runs: r.nodeRuns, seconds: r.seconds, node_runs_per_s: r.rate })),
      comparisons: compared.map((c) => ({
        graph: c.graph, ark_pglite: c.arkPglite, ark_postgres: c.arkPostgres, langgraph_system: c.langGraphSystem, langgraph: c.langGraph, ratio: c.ratio,
        meets_rate_target: c.meetsRateTarget, meets_ratio_target: c.meetsRatioTarget,
      })),
    };
    process.stdout.write(`${JSON.stringify(document)}\n`);
    return rows;
  }
  printTable(
    `flow: ${CHAIN_NODES}-node chain (1 run) and ${FAN_WIDTH}-wide fan-out/fan-in (${FAN_WIDTH + 3} node runs × ${FAN_ROUNDS} runs); inline dispatcher, no-op nodes; ARK flow.concurrency ${ENGINE_CONCURRENCY}`,
    ["system", "database", "graph", "node runs", "seconds", "node runs/s"],
    rows.map((r) => [r.system, r.target, r.graph, r.nodeRuns, r.seconds, r.rate]),
  );
  if (!url) process.stdout.write("  postgres and LangGraph: skipped (set ARK_BENCH_DATABASE_URL or ARK_TEST_DATABASE_URL to include them)\n");
  for (const line of verdicts(compared)) process.stdout.write(`  ${line}\n`);
  return rows;
}

if (isMain(import.meta.url)) await main();
