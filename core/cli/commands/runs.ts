/**
 * `ark runs list [--status S] [--flowchart ID] [--limit N] [--json]`, `ark runs show ID [--json]` and
 * `ark runs cancel ID [--force] [--json]`. These commands read and control runs without executing anything: their
 * kernel has no flow workers. A graceful cancel of a running run therefore leaves it `stopping` until a kernel that
 * executes (`ark start`, `ark run`) drains it; `--force` ends it at once.
 */
import { nodeRunView, runView } from "../../flow/api/flow-views.js";
import type { RunStatus } from "../../flow/index.js";
import type { GlobalOptions } from "../cli-options.js";
import { out, outJson, table } from "../output.js";
import { withFlowKernel } from "./flow-kernel.js";
import { countsText, elapsedMs, formatDuration, nodeRunTable, warningLines } from "./run-progress.js";

/** Options of `ark runs list`. */
export interface RunsListOptions {
  readonly status?: RunStatus;
  readonly flowchart?: string;
  readonly limit?: number;
  readonly json?: boolean;
}

/** `ark runs list`: newest first. */
export async function runsListCommand(global: GlobalOptions, opts: RunsListOptions): Promise<void> {
  await withFlowKernel(global, { workers: false }, async (flow) => {
    const page = await flow.engine.queries.listRuns({
      ...(opts.flowchart ? { flowchartId: opts.flowchart } : {}), ...(opts.status ? { statuses: [opts.status] } : {}), limit: opts.limit ?? 50,
    });
    if (opts.json) {
      outJson({ ok: true, runs: page.items.map(runView), total: page.total });
      return;
    }
    if (page.items.length === 0) {
      out(opts.status || opts.flowchart ? "No runs match." : "No runs yet. Start one: ark run examples/flows/linear.yaml --watch");
      return;
    }
    out(table([
      ["ID", "FLOWCHART", "STATUS", "ORIGIN", "CREATED", "DURATION"],
      ...page.items.map((r) => [r.id, r.flowchartId, r.status, r.origin, r.createdAt, formatDuration(elapsedMs(r.startedAt, r.finishedAt))]),
    ]));
    if (page.total > page.items.length) out(`(${page.items.length} of ${page.total}; --limit shows more)`);
  });
}

/** `ark runs show ID`: status, timings, counts, the per-node table and warnings. */
export async function runsShowCommand(global: GlobalOptions, id: string, opts: { json?: boolean }): Promise<void> {
  await withFlowKernel(global, { workers: false }, async (flow) => {
    const { queries } = flow.engine;
    const run = await queries.getRun(id);
    const [summary, nodeRuns, flowchart] = [await queries.runStatus(id), await queries.listNodeRuns(id, { limit: 500 }), await flow.engine.flowcharts.get(run.flowchartId).catch(() => null)];
    if (opts.json) {
      outJson({ ok: true, run: runView(run), counts: summary.counts, warnings: summary.warnings, node_runs: nodeRuns.items.map(nodeRunView) });
      return;
    }
    out(`run ${run.id} · flowchart ${run.flowchartId}${flowchart ? ` "${flowchart.name}"` : ""} · ${run.status}`);
    out(`created ${run.createdAt} · started ${run.startedAt ?? "-"} · finished ${run.finishedAt ?? "-"} (${formatDuration(elapsedMs(run.startedAt, run.finishedAt))}) · origin ${run.origin}${run.sourceRunId ? ` of run ${run.sourceRunId}` : ""}`);
    if (run.failureMessage) out(`failure: ${run.failureMessage}`);
    out(`node runs: ${countsText(summary.counts)}`);
    if (nodeRuns.items.length > 0) out(nodeRunTable(nodeRuns.items));
    if (nodeRuns.total > nodeRuns.items.length) out(`(${nodeRuns.items.length} of ${nodeRuns.total} node runs shown)`);
    if (summary.warnings.length > 0) out([`warnings (${summary.warningCount}):`, ...warningLines(summary.warnings)].join("\n"));
  });
}

/** `ark runs cancel ID`: graceful stop, or `--force` cancel; a finished run is left as it is (exit 0). */
export async function runsCancelCommand(global: GlobalOptions, id: string, opts: { force?: boolean; json?: boolean }): Promise<void> {
  await withFlowKernel(global, { workers: false }, async (flow) => {
    const result = await flow.engine.cancel(id, { force: opts.force === true });
    if (opts.json) {
      outJson({ ok: true, run: runView(result.run), force: result.force, updated: result.updated, action: result.action, canceled: result.canceled, stop_requested: result.stopRequested });
      return;
    }
    const run = result.run;
    switch (result.action) {
      case "none":
        out(`run ${run.id} is already ${run.status}; nothing to cancel.`);
        break;
      case "stopping":
        out(`run ${run.id} is stopping: running node runs finish, nothing new starts, then it ends stopped (a kernel executing this database — ark start — completes the stop). Use --force to cancel at once.`);
        break;
      default:
        out(`run ${run.id} ${result.action}.`);
    }
  });
}
