/**
 * The `observability` tool domain: a run's trace, its node runs with timings, its events after a sequence, artifacts,
 * queue and lease state, and kernel health — read through the kernel's own services. Calls from a node only see the
 * node's own run unless `crossRunAccess` is on.
 */
import {
  checkRunAccess, nodeRunView, readQueueState, SettingsSlot, targetRunId, toolError,
  type JSONSchema, type ToolCallContext, type ToolDomainContribution, type ToolOperation,
} from "../../core/plugin-api/index.js";
import type { ObservabilitySettings } from "./config.js";

/** The domain id. */
export const OBSERVABILITY_DOMAIN_ID = "observability";

/** Every operation. */
export const OBSERVABILITY_OPERATIONS = ["run_trace", "node_runs", "run_events", "artifacts", "queue_state", "kernel_health"] as const;

const rowId: JSONSchema = { anyOf: [{ type: "integer", minimum: 1 }, { type: "string", pattern: "^[1-9][0-9]{0,17}$" }] };
const runId: JSONSchema = { ...rowId, description: "Defaults to the calling node's own run." };
const paging = { limit: { type: "integer", minimum: 1, maximum: 200, default: 50 }, offset: { type: "integer", minimum: 0, default: 0 } } as const;
const object: JSONSchema = { type: "object" };
const TRACE_SECTIONS = ["run", "node", "tool", "artifact", "failure", "timeline"];

const inputs: Record<(typeof OBSERVABILITY_OPERATIONS)[number], JSONSchema> = {
  run_trace: {
    type: "object", additionalProperties: false,
    properties: {
      run_id: runId, include: { type: "array", items: { enum: TRACE_SECTIONS }, uniqueItems: true }, node_id: { type: "string" },
      degraded_only: { type: "boolean" }, artifact_type: { type: "string" }, ...paging,
    },
  },
  node_runs: { type: "object", additionalProperties: false, properties: { run_id: runId, node_id: { type: "string" }, ...paging } },
  run_events: {
    type: "object", additionalProperties: false,
    properties: { run_id: runId, after_sequence: { type: "integer", minimum: 0, default: 0 }, limit: { type: "integer", minimum: 1, maximum: 1000, default: 200 } },
  },
  artifacts: {
    type: "object", additionalProperties: false,
    properties: { run_id: runId, artifact_id: rowId, node_id: { type: "string" }, artifact_type: { type: "string" }, ...paging },
  },
  queue_state: { type: "object", additionalProperties: false, properties: { run_id: runId } },
  kernel_health: { type: "object", additionalProperties: false, properties: {} },
};

type RunInput = { run_id?: string | number; node_id?: string; limit?: number; offset?: number };

const msBetween = (from: string | null, to: string | null): number | null => (from && to ? new Date(to).getTime() - new Date(from).getTime() : null);

/** The domain; its services are bound in the plugin's init. */
export class ObservabilityDomain implements ToolDomainContribution {
  readonly id = OBSERVABILITY_DOMAIN_ID;
  readonly description = "Read runs as they happen: trace, node runs with timings, events, artifacts, queue and leases, kernel health.";
  readonly slot = new SettingsSlot<ObservabilitySettings>("the observability tool domain");
  readonly operations: Readonly<Record<(typeof OBSERVABILITY_OPERATIONS)[number], ToolOperation>>;

  constructor() {
    const read = <I>(description: string, op: (typeof OBSERVABILITY_OPERATIONS)[number], handler: (input: I, ctx: ToolCallContext) => Promise<Record<string, unknown>>): ToolOperation<I> => ({
      description, input: inputs[op], output: object, idempotent: true, handler, retry: { maxAttempts: 2, backoffMs: 50 },
    } as ToolOperation<I>);
    this.operations = {
      run_trace: read("A run's trace: run, node runs, tool calls, artifacts, failures, timeline (reference §5).", "run_trace", (i: RunInput & { include?: string[]; degraded_only?: boolean; artifact_type?: string }, ctx) => this.trace(i, ctx)),
      node_runs: read("A run's node runs, in execution order, with status and timings.", "node_runs", (i: RunInput, ctx) => this.nodeRuns(i, ctx)),
      run_events: read("A run's events after a sequence number, in order.", "run_events", (i: RunInput & { after_sequence?: number }, ctx) => this.events(i, ctx)),
      artifacts: read("Node artifacts of a run (newest first), or one artifact by id.", "artifacts", (i: RunInput & { artifact_id?: string | number; artifact_type?: string }, ctx) => this.artifacts(i, ctx)),
      queue_state: read("Pending and claimed activations and node-run leases (owner, expiry), for a run or, from HTTP, all runs.", "queue_state", (i: RunInput, ctx) => this.queue(i, ctx)),
      kernel_health: read("The kernel's startup report per plugin and the store's health.", "kernel_health", () => this.health()),
    };
  }

  /** The run a call reads, checked against the caller's scope. */
  private run(input: RunInput, ctx: ToolCallContext): string {
    const id = targetRunId(input, ctx.scope, OBSERVABILITY_DOMAIN_ID);
    checkRunAccess(ctx.scope, id, { domain: OBSERVABILITY_DOMAIN_ID, crossRun: this.slot.get().crossRunAccess });
    return id;
  }

  private async trace(input: RunInput & { include?: string[]; degraded_only?: boolean; artifact_type?: string }, ctx: ToolCallContext): Promise<Record<string, unknown>> {
    const id = this.run(input, ctx);
    const trace = await this.slot.get().engine.trace(id, {
      ...(input.include ? { include: input.include } : {}), ...(input.node_id ? { nodeId: input.node_id } : {}),
      degradedOnly: input.degraded_only === true, ...(input.artifact_type ? { artifactType: input.artifact_type } : {}),
      limit: input.limit ?? 50, offset: input.offset ?? 0,
    });
    return { run_id: id, trace: trace as unknown as Record<string, unknown> };
  }

  private async nodeRuns(input: RunInput, ctx: ToolCallContext): Promise<Record<string, unknown>> {
    const id = this.run(input, ctx);
    const page = await this.slot.get().engine.queries.listNodeRuns(id, { limit: input.limit ?? 50, offset: input.offset ?? 0, ...(input.node_id ? { nodeId: input.node_id } : {}) });
    const items = page.items.map((n) => ({
      ...nodeRunView(n), queued_ms: msBetween(n.createdAt, n.startedAt), duration_ms: msBetween(n.startedAt, n.finishedAt),
    }));
    return { run_id: id, items, total: page.total, limit: page.limit, offset: page.offset };
  }

  private async events(input: RunInput & { after_sequence?: number }, ctx: ToolCallContext): Promise<Record<string, unknown>> {
    const id = this.run(input, ctx);
    const events = await this.slot.get().engine.runEvents(id, input.after_sequence ?? 0, input.limit ?? 200);
    const last = events.at(-1);
    return { run_id: id, events, next_after_sequence: last ? last.sequence : input.after_sequence ?? 0 };
  }

  private async artifacts(input: RunInput & { artifact_id?: string | number; artifact_type?: string }, ctx: ToolCallContext): Promise<Record<string, unknown>> {
    const queries = this.slot.get().engine.queries;
    if (input.artifact_id !== undefined) {
      const artifact = await queries.getArtifact(input.artifact_id);
      checkRunAccess(ctx.scope, String(artifact.flowchart_run_id), { domain: OBSERVABILITY_DOMAIN_ID, crossRun: this.slot.get().crossRunAccess });
      return { artifact };
    }
    const id = this.run(input, ctx);
    const page = await queries.listArtifacts({
      runId: id, ...(input.node_id ? { nodeId: input.node_id } : {}), ...(input.artifact_type ? { artifactType: input.artifact_type } : {}),
      limit: input.limit ?? 50, offset: input.offset ?? 0,
    });
    return { run_id: id, items: page.items, total: page.total, limit: page.limit, offset: page.offset };
  }

  private async queue(input: RunInput, ctx: ToolCallContext): Promise<Record<string, unknown>> {
    const { store, crossRunAccess } = this.slot.get();
    // Queue-wide state is for operators (HTTP) or domains allowed to look across runs; a node sees its own run.
    const all = input.run_id === undefined && (ctx.scope.flowchart_run_id === undefined || crossRunAccess);
    const id = all ? null : this.run(input, ctx);
    return { ...(await readQueueState(store, id)) };
  }

  private async health(): Promise<Record<string, unknown>> {
    const { store, kernel } = this.slot.get();
    const report = kernel.startupReport();
    const storeHealth = await store.health().catch((err: unknown) => {
      throw toolError("observability.store_unavailable", `The store did not answer: ${(err as Error).message}`, {}, { retryable: true });
    });
    return {
      ok: storeHealth.ok && report.plugins.every((p) => p.status !== "failed"),
      store: storeHealth,
      plugins: report.plugins.map((p) => ({ id: p.id, version: p.version, status: p.status })),
      boot_ms: report.bootMs,
    };
  }
}
