/**
 * A run's trace (reference §17 `GET /runs/{id}/trace`): surfaces `run`, `node`, `tool`, `artifact`, `failure` and
 * `timeline`, each a page `{items, total_count, limit, offset}`, filtered by node-run status, node, node run, request
 * or correlation id, degraded-only and artifact type. The HTTP API maps query parameters onto TraceOptions.
 */
import { ArkError } from "../../errors/index.js";
import type { FlowRun, NodeRun, NodeRunStatus } from "./engine-types.js";
import type { RunQueries } from "./run-queries.js";

/** Trace surfaces. */
export const TRACE_SURFACES = ["run", "node", "tool", "artifact", "failure", "timeline"] as const;

/** One trace surface. */
export type TraceSurface = (typeof TRACE_SURFACES)[number];

/** What to include and how to filter (limit default 50, at most 200). */
export interface TraceOptions {
  readonly include?: readonly string[];
  readonly statuses?: readonly NodeRunStatus[];
  readonly nodeId?: string;
  readonly nodeRunId?: string;
  readonly requestId?: string;
  readonly correlationId?: string;
  readonly degradedOnly?: boolean;
  readonly artifactType?: string;
  readonly limit?: number;
  readonly offset?: number;
}

/** A page of one surface. */
export interface TracePage<T> {
  readonly items: T[];
  readonly total_count: number;
  readonly limit: number;
  readonly offset: number;
}

/** The trace: `run` always, the other surfaces when included. */
export type RunTrace = { run: FlowRun } & Partial<Record<Exclude<TraceSurface, "run">, TracePage<Record<string, unknown>>>>;

function surfacesOf(include: readonly string[] | undefined): Set<TraceSurface> {
  const wanted = (include ?? []).map((s) => s.trim().toLowerCase()).filter((s) => s !== "");
  if (wanted.length === 0 || wanted.includes("all")) return new Set(TRACE_SURFACES);
  const unsupported = wanted.filter((s) => !(TRACE_SURFACES as readonly string[]).includes(s));
  if (unsupported.length > 0) {
    throw new ArkError("ARK_INVALID_ARGUMENT", `Unsupported trace include value(s): ${unsupported.join(", ")}. Use: all, ${TRACE_SURFACES.join(", ")}.`, {
      details: { unsupported, supported: ["all", ...TRACE_SURFACES] },
    });
  }
  return new Set(wanted as TraceSurface[]);
}

function idsOf(nr: NodeRun): { request_id: string | null; correlation_id: string | null } {
  const tooling = (nr.outputState?.deterministic_tooling ?? {}) as Record<string, unknown>;
  const pick = (key: string) => [tooling[key], nr.outputState?.[key], nr.routingState?.[key]].find((v) => typeof v === "string" && v !== "") as string | undefined;
  return { request_id: pick("request_id") ?? null, correlation_id: pick("correlation_id") ?? null };
}

function page<T>(all: T[], limit: number, offset: number): TracePage<T> {
  return { items: all.slice(offset, offset + limit), total_count: all.length, limit, offset };
}

function nodeItem(nr: NodeRun): Record<string, unknown> {
  const warnings = nr.degraded ? [{ kind: "degraded", message: nr.degradedReason ?? "degraded_execution" }] : [];
  return { ...nr, ...idsOf(nr), warnings };
}

/** Builds the trace of a run. */
export async function traceRun(queries: RunQueries, runId: unknown, options: TraceOptions = {}): Promise<RunTrace> {
  const include = surfacesOf(options.include);
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), 200);
  const offset = Math.max(Math.trunc(options.offset ?? 0), 0);
  const run = await queries.getRun(runId);
  const nodeRuns = (await queries.listNodeRuns(run.id, { limit: 500 })).items.filter((nr) => {
    const ids = idsOf(nr);
    return (!options.statuses?.length || options.statuses.includes(nr.status)) && (!options.nodeId || nr.nodeId === options.nodeId)
      && (!options.nodeRunId || nr.id === options.nodeRunId) && (!options.degradedOnly || nr.degraded)
      && (!options.requestId || ids.request_id === options.requestId) && (!options.correlationId || ids.correlation_id === options.correlationId);
  });
  const trace: RunTrace = { run };
  if (include.has("node")) trace.node = page(nodeRuns.map(nodeItem), limit, offset);
  if (include.has("tool")) {
    const tools = nodeRuns.filter((nr) => nr.outputState?.deterministic_tooling).map((nr) => ({ node_run_id: nr.id, node_id: nr.nodeId, ...(nr.outputState!.deterministic_tooling as object) }));
    trace.tool = page(tools, limit, offset);
  }
  if (include.has("failure")) trace.failure = page(nodeRuns.filter((nr) => nr.status === "failed" || nr.error !== null).map(nodeItem), limit, offset);
  const artifacts = include.has("artifact") || include.has("timeline")
    ? (await queries.listArtifacts({ runId: run.id, nodeRunId: options.nodeRunId, nodeId: options.nodeId, artifactType: options.artifactType, limit: 500 })).items
    : [];
  if (include.has("artifact")) trace.artifact = page(artifacts, limit, offset);
  if (include.has("timeline")) trace.timeline = page(timelineOf(run, nodeRuns, artifacts), limit, offset);
  return trace;
}

function timelineOf(run: FlowRun, nodeRuns: NodeRun[], artifacts: Record<string, unknown>[]): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [{ event_type: "flowchart_run_created", at: run.createdAt, status: run.status }];
  if (run.startedAt) events.push({ event_type: "flowchart_run_started", at: run.startedAt });
  if (run.finishedAt) events.push({ event_type: "flowchart_run_finished", at: run.finishedAt, status: run.status });
  for (const nr of nodeRuns) events.push({ event_type: "flowchart_node_status", at: nr.finishedAt ?? nr.startedAt ?? nr.createdAt, node_run_id: nr.id, node_id: nr.nodeId, status: nr.status });
  for (const warning of run.warnings) events.push({ event_type: "flowchart_warning", at: run.updatedAt, ...warning });
  for (const a of artifacts) events.push({ event_type: "flowchart_node_artifact", at: a.created_at, artifact_id: a.id, node_run_id: a.flowchart_run_node_id, artifact_type: a.artifact_type });
  return events.sort((x, y) => String(y.at).localeCompare(String(x.at)));
}
