/**
 * What the built-in start, end and flowchart nodes return (orchestration-and-events §16.1-16.3), as pure builders so
 * every executor (inline or not) produces the same states. Queueing the child run of a flowchart node is the
 * orchestrator's job; this only shapes its output.
 */
import { collectInputContextAttachments, type AttachmentEntry } from "./attachments.js";

/** A node's output and routing state. */
export interface NodeStates {
  readonly output_state: Record<string, unknown>;
  readonly routing_state: Record<string, unknown>;
}

/** §16.1: Start does nothing but announce itself. */
export function startNodeResult(): NodeStates {
  return { output_state: { node_type: "start", message: "Start node executed." }, routing_state: {} };
}

/** §16.2: End terminates the run. */
export function endNodeResult(): NodeStates {
  return { output_state: { node_type: "end", message: "End node reached. Flowchart run completed." }, routing_state: { terminate_run: true } };
}

/** The child run a flowchart node queued (fire-and-forget: the parent does not wait for it). */
export interface QueuedChildRun {
  readonly flowchartId: string | number;
  readonly flowchartName: string;
  readonly runId: string | number;
}

/**
 * §16.3: a flowchart node's output after it queued `child`. Attachments are the node's own (bound) attachments
 * followed by those of its input context.
 */
export function flowchartNodeResult(child: QueuedChildRun, inputContext: Readonly<Record<string, unknown>>, nodeAttachments: readonly AttachmentEntry[] = []): NodeStates {
  const fromContext = collectInputContextAttachments(inputContext);
  const seen = new Set(nodeAttachments.map((a) => a.path ?? `id:${String(a.id)}`));
  const attachments = [...nodeAttachments, ...fromContext.filter((a) => !seen.has(a.path ?? `id:${String(a.id)}`))];
  return {
    output_state: {
      node_type: "flowchart",
      triggered_flowchart_id: child.flowchartId,
      triggered_flowchart_name: child.flowchartName,
      triggered_flowchart_run_id: child.runId,
      message: `Queued flowchart ${child.flowchartId}.`,
      attachments,
    },
    routing_state: {},
  };
}
