/** Read side of runs (reference §17): runs, node runs, status summaries, artifacts. */
import type { Queryable } from "../../store/store-port.js";
import { notFound, parseRowId } from "../store/flow-ids.js";
import type { FlowRun, NodeRun, RunStatus, RunWarning } from "./engine-types.js";
import { serialiseArtifact } from "./node-artifacts.js";
import { NODE_RUN_COLUMNS, RUN_COLUMNS, toFlowRun, toNodeRun } from "./run-rows.js";
import { readRun } from "./run-start.js";

/** A page of items. */
export interface Page<T> {
  readonly items: T[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

/** Paging with sane bounds (limit 1..500, default 50). */
function paging(options: { limit?: number; offset?: number }): { limit: number; offset: number } {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), 500);
  return { limit, offset: Math.max(Math.trunc(options.offset ?? 0), 0) };
}

/** The run summary of `GET /runs/{id}/status` (§17): per-status counts and warnings (run warnings, then degraded node runs). */
export interface RunStatusSummary {
  readonly id: string;
  readonly status: RunStatus;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly counts: Record<string, number>;
  readonly warningCount: number;
  readonly warnings: RunWarning[];
}

/** Run reads over one store. */
export class RunQueries {
  constructor(private readonly db: Queryable) {}

  /** A run, or ARK_NOT_FOUND. */
  getRun(runId: unknown): Promise<FlowRun> {
    return readRun(this.db, parseRowId(runId, "run_id"));
  }

  /** Runs, newest first, optionally of one flowchart and/or in some statuses. */
  async listRuns(filter: { flowchartId?: unknown; statuses?: readonly RunStatus[]; limit?: number; offset?: number } = {}): Promise<Page<FlowRun>> {
    const { limit, offset } = paging(filter);
    const flowchartId = filter.flowchartId === undefined ? null : parseRowId(filter.flowchartId, "flowchart_id");
    const statuses = filter.statuses && filter.statuses.length > 0 ? [...filter.statuses] : null;
    const where = "($1::bigint IS NULL OR flowchart_id = $1) AND ($2::text[] IS NULL OR status = ANY($2::text[]))";
    const { rows } = await this.db.query(`SELECT ${RUN_COLUMNS} FROM ark_flow_runs WHERE ${where} ORDER BY id DESC LIMIT $3 OFFSET $4`, [flowchartId, statuses, limit, offset]);
    const total = await this.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ark_flow_runs WHERE ${where}`, [flowchartId, statuses]);
    return { items: rows.map(toFlowRun), total: Number(total.rows[0]?.n ?? 0), limit, offset };
  }

  /** Node runs of a run in execution order. */
  async listNodeRuns(runId: unknown, options: { limit?: number; offset?: number; nodeId?: string } = {}): Promise<Page<NodeRun>> {
    const run = await this.getRun(runId);
    const { limit, offset } = paging({ limit: options.limit ?? 500, offset: options.offset });
    const nodeId = options.nodeId ?? null;
    const { rows } = await this.db.query(
      `SELECT ${NODE_RUN_COLUMNS} FROM ark_flow_node_runs WHERE run_id = $1 AND ($2::text IS NULL OR node_id = $2) ORDER BY sequence LIMIT $3 OFFSET $4`,
      [run.id, nodeId, limit, offset],
    );
    const total = await this.db.query<{ n: string }>("SELECT count(*)::text AS n FROM ark_flow_node_runs WHERE run_id = $1 AND ($2::text IS NULL OR node_id = $2)", [run.id, nodeId]);
    return { items: rows.map(toNodeRun), total: Number(total.rows[0]?.n ?? 0), limit, offset };
  }

  /** One node run, or ARK_NOT_FOUND. */
  async getNodeRun(nodeRunId: unknown): Promise<NodeRun> {
    const id = parseRowId(nodeRunId, "node_run_id");
    const { rows } = await this.db.query(`SELECT ${NODE_RUN_COLUMNS} FROM ark_flow_node_runs WHERE id = $1`, [id]);
    if (!rows[0]) throw notFound("Node run", id);
    return toNodeRun(rows[0]);
  }

  /** Status summary with counts per node-run status and up to 25 warnings. */
  async runStatus(runId: unknown): Promise<RunStatusSummary> {
    const run = await this.getRun(runId);
    const { rows } = await this.db.query<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM ark_flow_node_runs WHERE run_id = $1 GROUP BY status", [run.id]);
    const degraded = await this.db.query<{ id: string; node_id: string; degraded_reason: string | null }>(
      "SELECT id::text AS id, node_id, degraded_reason FROM ark_flow_node_runs WHERE run_id = $1 AND degraded ORDER BY updated_at DESC, id DESC LIMIT 25",
      [run.id],
    );
    const warnings: RunWarning[] = [
      ...run.warnings,
      ...degraded.rows.map((r) => ({ code: "degraded", message: r.degraded_reason ?? "degraded_execution", node_id: r.node_id, node_run_id: r.id })),
    ];
    return {
      id: run.id, status: run.status, createdAt: run.createdAt, startedAt: run.startedAt, finishedAt: run.finishedAt,
      counts: Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])), warningCount: warnings.length, warnings: warnings.slice(0, 25),
    };
  }

  /** Artifacts (§12.5 shape), newest first, filtered by run, node run, node, type, request or correlation id. */
  async listArtifacts(
    filter: { runId?: unknown; nodeRunId?: unknown; flowchartId?: unknown; nodeId?: string; artifactType?: string; requestId?: string; correlationId?: string; limit?: number; offset?: number } = {},
  ): Promise<Page<Record<string, unknown>>> {
    const { limit, offset } = paging(filter);
    const params = [
      filter.runId === undefined ? null : parseRowId(filter.runId, "run_id"),
      filter.nodeRunId === undefined ? null : parseRowId(filter.nodeRunId, "node_run_id"),
      filter.flowchartId === undefined ? null : parseRowId(filter.flowchartId, "flowchart_id"),
      filter.nodeId ?? null, filter.artifactType ?? null, filter.requestId ?? null, filter.correlationId ?? null,
    ];
    const where = `($1::bigint IS NULL OR run_id = $1) AND ($2::bigint IS NULL OR node_run_id = $2) AND ($3::bigint IS NULL OR flowchart_id = $3)
      AND ($4::text IS NULL OR node_id = $4) AND ($5::text IS NULL OR artifact_type = $5) AND ($6::text IS NULL OR request_id = $6)
      AND ($7::text IS NULL OR correlation_id = $7)`;
    const { rows } = await this.db.query(`SELECT * FROM ark_flow_node_artifacts WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $8 OFFSET $9`, [...params, limit, offset]);
    const total = await this.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ark_flow_node_artifacts WHERE ${where}`, params);
    return { items: rows.map(serialiseArtifact), total: Number(total.rows[0]?.n ?? 0), limit, offset };
  }

  /** One artifact, or ARK_NOT_FOUND. */
  async getArtifact(artifactId: unknown): Promise<Record<string, unknown>> {
    const id = parseRowId(artifactId, "artifact_id");
    const { rows } = await this.db.query("SELECT * FROM ark_flow_node_artifacts WHERE id = $1", [id]);
    if (!rows[0]) throw notFound("Artifact", id);
    return serialiseArtifact(rows[0]);
  }
}
