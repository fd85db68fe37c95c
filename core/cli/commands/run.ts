/**
 * `ark run FILE|ID [--watch] [--json] [--timeout S]`: imports a flow file if given one (a flowchart with the same name
 * is updated in place, so re-running an edited file does not pile up copies), starts a run in an in-process kernel
 * booted from the config, follows it, and exits 0 when it ends `completed`, 1 otherwise.
 * `ark run` owns its run: on --timeout it force-cancels it; Ctrl-C asks for a graceful stop, a second Ctrl-C cancels.
 * A reader that goes away (`ark run f.yaml --json | head -1`) counts as the first Ctrl-C: nobody follows the run any more.
 */
import { ArkError, isArkError } from "../../errors/index.js";
import { importFlowText } from "../../flow/api/flow-file-import.js";
import { formatFlowFileIssue, type FlowRun } from "../../flow/index.js";
import type { EventEnvelope } from "../../plugin-api/contributions.js";
import { processOutputClosed } from "../broken-pipe.js";
import type { GlobalOptions } from "../cli-options.js";
import { errorJson } from "../output.js";
import { openFlowKernel, type FlowKernel } from "./flow-kernel.js";
import { isMissingInputFile, readFlowFile } from "./input-file.js";
import { RunEventFollower } from "./run-event-follower.js";
import { elapsedMs, nodeColumns, nodeLine, runLine, summaryLines, type NodeColumns } from "./run-progress.js";

/** Options of `ark run`. */
export interface RunOptions {
  readonly watch?: boolean;
  readonly json?: boolean;
  /** Seconds to wait before the run is cancelled and the command fails. */
  readonly timeout?: number;
}

/** What `ark run` was asked to run. */
type RunTarget = { kind: "file"; display: string; text: string } | { kind: "id"; id: string };

/** Where the command writes: JSON lines on stdout with --json (messages to stderr), text on stdout otherwise. */
interface RunOutput {
  line(text: string): void;
  note(text: string): void;
  event(event: EventEnvelope): void;
}

/** A flow file (when something exists at that path, it must be one) or a flowchart id; else ARK_INVALID_ARGUMENT. */
export function resolveRunTarget(target: string): RunTarget {
  try {
    return { kind: "file", display: target, text: readFlowFile(target) };
  } catch (err) {
    if (!isMissingInputFile(err)) throw err;
  }
  if (/^[1-9]\d{0,17}$/.test(target)) return { kind: "id", id: target };
  throw new ArkError("ARK_INVALID_ARGUMENT", `There is no file "${target}", and it is not a flowchart id. Give a flow file (e.g. examples/flows/linear.yaml) or an id from \`ark flows list\`.`, {
    details: { target },
  });
}

function outputFor(opts: RunOptions, columns: () => NodeColumns): RunOutput {
  const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(`${text}\n`);
  if (opts.json) return { line: () => undefined, note: write(process.stderr), event: (e) => process.stdout.write(`${JSON.stringify(e)}\n`) };
  const line = write(process.stdout);
  const progress = !opts.watch && process.stderr.isTTY === true;
  let finished = 0;
  return {
    line,
    note: line,
    event(e) {
      if (opts.watch) {
        const text = nodeLine(e, columns()) ?? runLine(e);
        if (text) line(text);
      } else if (progress && e.event_type === "flowchart:node:updated" && (e.payload as { status?: string }).status !== "running") {
        finished += 1;
        process.stderr.write(`\r  ${finished} node run${finished === 1 ? "" : "s"} finished (last: ${String((e.payload as { flowchart_node_id?: unknown }).flowchart_node_id)})\x1b[K`);
      }
    },
  };
}

/** Ctrl-C (or SIGTERM, or the output closing): first a graceful stop, then a force cancel, then exit. Returns the remover. */
function interruptsFor(flow: FlowKernel, runId: string, note: (text: string) => void): () => void {
  let count = 0;
  const onSignal = () => {
    count += 1;
    if (count === 1) {
      note(`\nstopping run ${runId}: running node runs finish, nothing new starts (press Ctrl-C again to cancel at once)`);
      void flow.engine.cancel(runId).catch(() => undefined);
    } else if (count === 2) {
      note(`canceling run ${runId} now`);
      void flow.engine.cancel(runId, { force: true }).catch(() => undefined);
    } else {
      process.exit(130);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const outputClosed = processOutputClosed();
  if (outputClosed.aborted) onSignal();
  else outputClosed.addEventListener("abort", onSignal, { once: true });
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    outputClosed.removeEventListener("abort", onSignal);
  };
}

/** Waits for the run; past the timeout it is force-cancelled (and reported as such). */
async function awaitRun(flow: FlowKernel, runId: string, opts: RunOptions, note: (text: string) => void): Promise<{ run: FlowRun; timedOut: boolean }> {
  try {
    return { run: await flow.engine.waitForRun(runId, opts.timeout === undefined ? {} : { timeoutMs: opts.timeout * 1000 }), timedOut: false };
  } catch (err) {
    if (!isArkError(err, "ARK_FLOW_WAIT_TIMEOUT")) throw err;
    note(`run ${runId} did not finish within ${opts.timeout} s (status ${String(err.details.status)}); canceling it`);
    await flow.engine.cancel(runId, { force: true });
    return { run: await flow.engine.waitForRun(runId, { timeoutMs: 30_000 }), timedOut: true };
  }
}

async function importTarget(flow: FlowKernel, target: RunTarget, output: RunOutput): Promise<{ flowchartId: string; imported: Record<string, unknown> | null }> {
  if (target.kind === "id") return { flowchartId: (await flow.engine.flowcharts.get(target.id)).id, imported: null };
  const result = await importFlowText(flow.imports, target.text, target.display, { matchName: true });
  output.line(`${result.action} flowchart ${result.flowchart.id} "${result.flowchart.name}" from ${target.display}`);
  for (const warning of result.warnings) output.note(`  warning: ${formatFlowFileIssue(warning)}`);
  return { flowchartId: result.flowchart.id, imported: { action: result.action, flowchart_id: result.flowchart.id, file: target.display } };
}

async function runFlow(global: GlobalOptions, targetText: string, opts: RunOptions): Promise<number> {
  const target = resolveRunTarget(targetText);
  let columns: NodeColumns = { id: 4, type: 4 };
  const output = outputFor(opts, () => columns);
  const flow = await openFlowKernel(global, { workers: true });
  try {
    const { flowchartId, imported } = await importTarget(flow, target, output);
    const flowchart = await flow.engine.flowcharts.get(flowchartId);
    columns = nodeColumns((await flow.engine.flowcharts.getGraph(flowchartId)).graph.nodes);
    const follower = new RunEventFollower(flow.bus, (runId, after, limit) => flow.engine.runEvents(runId, after, limit), (e) => output.event(e));
    let started: FlowRun;
    try {
      started = await flow.engine.startRun({ flowchartId });
    } catch (err) {
      follower.close();
      throw err;
    }
    follower.follow(started.id);
    output.line(`run ${started.id} of flowchart ${flowchart.id} "${flowchart.name}" started${opts.watch ? "" : " (--watch shows each node)"}`);
    const removeInterrupts = interruptsFor(flow, started.id, output.note);
    let outcome: { run: FlowRun; timedOut: boolean };
    try {
      outcome = await awaitRun(flow, started.id, opts, output.note);
    } finally {
      removeInterrupts();
    }
    await follower.finish();
    if (!opts.watch && !opts.json && process.stderr.isTTY) process.stderr.write("\r\x1b[K");
    const summary = await flow.engine.queries.runStatus(started.id);
    const { run, timedOut } = outcome;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({
        kind: "run_summary", ok: run.status === "completed", run_id: run.id, flowchart_id: run.flowchartId, status: run.status, failure_message: run.failureMessage,
        counts: summary.counts, warnings: summary.warnings, duration_ms: elapsedMs(run.startedAt ?? run.createdAt, run.finishedAt), timed_out: timedOut, imported,
      })}\n`);
    } else {
      for (const text of summaryLines(run, summary)) output.line(text);
    }
    return run.status === "completed" ? 0 : 1;
  } finally {
    await flow.stop();
  }
}

/** `ark run`; returns the exit code (0 completed, 1 anything else). With --json an error is one JSON line. */
export async function runCommand(global: GlobalOptions, target: string, opts: RunOptions): Promise<number> {
  try {
    return await runFlow(global, target, opts);
  } catch (err) {
    if (!opts.json) throw err;
    process.stdout.write(`${JSON.stringify(errorJson(err))}\n`);
    return 1;
  }
}
