/**
 * Terminal rendering of a run for `ark run --watch` and `ark runs show`: one line per node-run transition (node id and
 * type, execution index, status, ms), run transitions, and the final summary with per-status counts and warnings.
 * Pure formatting: callers decide where lines go.
 */
import type { FlowRun, NodeRun, RunStatusSummary, RunWarning } from "../../flow/index.js";
import type { EventEnvelope } from "../../plugin-api/contributions.js";
import { table } from "../output.js";

const ICONS: Record<string, string> = { running: "▸", succeeded: "✓", failed: "✗", canceled: "⊘", skipped: "↷", queued: "·" };

/** Milliseconds between two ISO times, or null when either is missing. */
export function elapsedMs(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? Math.max(ms, 0) : null;
}

/** `12 ms`, `1.4 s`, `2 min 5 s`. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return "-";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Column widths for node lines, from the node ids and types of the graph being run. */
export interface NodeColumns {
  readonly id: number;
  readonly type: number;
}

/** Widths that fit every node of a graph. */
export function nodeColumns(nodes: readonly { id: string; type: string }[]): NodeColumns {
  return { id: Math.max(4, ...nodes.map((n) => n.id.length)), type: Math.max(4, ...nodes.map((n) => n.type.length)) };
}

/** The line for one `flowchart:node:updated` event; null for other events. */
export function nodeLine(event: EventEnvelope, columns: NodeColumns): string | null {
  if (event.event_type !== "flowchart:node:updated") return null;
  const p = event.payload as Record<string, unknown>;
  const status = String(p.status ?? "?");
  const ms = status === "running" ? "" : formatDuration(elapsedMs(p.started_at as string | null, p.finished_at as string | null));
  const error = status === "failed" && typeof p.error === "string" ? `  ${p.error}` : "";
  return `  ${ICONS[status] ?? "?"} ${String(p.flowchart_node_id).padEnd(columns.id)}  ${String(p.flowchart_node_type).padEnd(columns.type)}  #${String(p.execution_index).padEnd(3)} ${status.padEnd(9)} ${ms}${error}`.trimEnd();
}

/** The line for a `flowchart:run:updated` event (transitions other than `control`, which repeat a status change); null otherwise. */
export function runLine(event: EventEnvelope): string | null {
  if (event.event_type !== "flowchart:run:updated") return null;
  const p = event.payload as Record<string, unknown>;
  const transition = String(p.transition ?? p.status);
  if (transition === "control") return null;
  const detail = transition === "failed" && p.failure_message ? `: ${String(p.failure_message)}` : transition === "warning" && p.warning_message ? `: ${String(p.warning_message)}` : "";
  return `  run ${transition}${detail}`;
}

/** Counts as `3 succeeded, 1 failed`. */
export function countsText(counts: Readonly<Record<string, number>>): string {
  const parts = Object.entries(counts).filter(([, n]) => n > 0).map(([status, n]) => `${n} ${status}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}

/** Warnings, one line each. */
export function warningLines(warnings: readonly RunWarning[]): string[] {
  return warnings.map((w) => `  ${w.code}${w.node_id ? ` (node ${w.node_id})` : ""}: ${w.message}`);
}

/** The final summary of a run: status, duration, node-run counts, failure, warnings and where to look next. */
export function summaryLines(run: FlowRun, summary: RunStatusSummary): string[] {
  const total = Object.values(summary.counts).reduce((a, b) => a + b, 0);
  const lines = [`run ${run.id} ${run.status} in ${formatDuration(elapsedMs(run.startedAt ?? run.createdAt, run.finishedAt))} — ${total} node run${total === 1 ? "" : "s"}: ${countsText(summary.counts)}`];
  if (run.failureMessage) lines.push(`  failure: ${run.failureMessage}`);
  if (summary.warnings.length > 0) lines.push(`warnings (${summary.warningCount}):`, ...warningLines(summary.warnings));
  if (run.status !== "completed") lines.push(`details: ark runs show ${run.id}`);
  return lines;
}

/** The per-node table of `ark runs show`. */
export function nodeRunTable(nodeRuns: readonly NodeRun[]): string {
  return table([
    ["#", "NODE", "TYPE", "EXEC", "STATUS", "MS", "ERROR"],
    ...nodeRuns.map((nr) => [
      String(nr.sequence), nr.nodeId, nr.nodeType, String(nr.executionIndex), nr.status,
      nr.status === "running" ? "-" : String(elapsedMs(nr.startedAt, nr.finishedAt) ?? "-"), nr.error ?? "",
    ]),
  ]);
}
