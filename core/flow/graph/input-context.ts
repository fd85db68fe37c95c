/**
 * The input context a node run receives (orchestration-and-events §7), built purely from the activation's upstream
 * tokens, the node's incoming connectors and a snapshot of the latest successful result per node in the run.
 * Solid connectors trigger and carry context and attachments; dotted ones pull context only; dashed ones pull
 * attachments only. Every key of the reference shape is always present.
 */
import { mergeAttachments, outputAttachments, type AttachmentEntry } from "./attachments.js";
import type { UpstreamToken } from "./fan-in.js";
import type { ConnectorMode, FlowConnector } from "./graph-model.js";

/** The most recent successful result of one node in this run. */
export interface LatestResult {
  readonly node_type: string;
  readonly execution_index: number;
  readonly sequence: number;
  readonly output_state: Readonly<Record<string, unknown>>;
  readonly routing_state: Readonly<Record<string, unknown>>;
}

/** Node id → its latest successful result in the run (a snapshot the caller provides). */
export type LatestResults = Readonly<Record<string, LatestResult>>;

/** One upstream node as the target sees it. */
export interface UpstreamEntry {
  readonly node_id: string;
  readonly source_edge_id: string;
  readonly node_type: string;
  readonly condition_key: string | null;
  readonly execution_index: number;
  readonly output_state: Readonly<Record<string, unknown>>;
  readonly routing_state: Readonly<Record<string, unknown>>;
  readonly sequence: number;
  readonly edge_mode: ConnectorMode;
}

/** Where an upstream entry came from, without its payload. */
export interface SourceRef {
  readonly source_edge_id: string;
  readonly source_node_id: string;
  readonly source_node_type: string;
  readonly condition_key: string | null;
  readonly execution_index: number;
  readonly sequence: number;
  readonly edge_mode: ConnectorMode;
}

/** The §7 shape. Aliased keys hold equal (separately allocated) lists. */
export interface InputContext {
  readonly flowchart: { readonly id: string | number; readonly run_id: string | number; readonly total_execution_count: number };
  readonly node: { readonly id: string; readonly type: string; readonly execution_index: number };
  readonly upstream_nodes: UpstreamEntry[];
  readonly latest_upstream: UpstreamEntry | null;
  readonly dotted_upstream_nodes: UpstreamEntry[];
  readonly context_only_upstream_nodes: UpstreamEntry[];
  readonly attachment_only_upstream_nodes: UpstreamEntry[];
  readonly trigger_sources: SourceRef[];
  readonly pulled_dotted_sources: SourceRef[];
  readonly context_only_sources: SourceRef[];
  readonly pulled_attachment_sources: SourceRef[];
  readonly attachment_only_sources: SourceRef[];
  readonly context_only_source_count: number;
  readonly attachment_only_source_count: number;
  readonly propagated_attachments: AttachmentEntry[];
}

/** Everything buildInputContext reads. */
export interface InputContextRequest {
  readonly flowchartId: string | number;
  readonly runId: string | number;
  readonly nodeId: string;
  readonly nodeType: string;
  readonly executionIndex: number;
  readonly totalExecutionCount: number;
  /** The node's incoming connectors, in graph order. */
  readonly incoming: readonly FlowConnector[];
  readonly latestResults: LatestResults;
  /**
   * The activation's tokens (inside a run: always given; [] for the entry node). null = a direct call outside a run:
   * each solid incoming connector whose source has a latest result contributes instead.
   */
  readonly upstreamTokens: readonly UpstreamToken[] | null;
}

/** Builds the input context of one node run. */
export function buildInputContext(request: InputContextRequest): InputContext {
  const upstream = upstreamEntries(request);
  const dotted = pulledEntries(request, "dotted");
  const dashed = pulledEntries(request, "dashed");
  const dottedSources = dotted.map(sourceOf);
  const dashedSources = dashed.map(sourceOf);
  return {
    flowchart: { id: request.flowchartId, run_id: request.runId, total_execution_count: request.totalExecutionCount },
    node: { id: request.nodeId, type: request.nodeType, execution_index: request.executionIndex },
    upstream_nodes: upstream,
    latest_upstream: latestOf(upstream),
    dotted_upstream_nodes: dotted,
    context_only_upstream_nodes: [...dotted],
    attachment_only_upstream_nodes: dashed,
    trigger_sources: upstream.map(sourceOf),
    pulled_dotted_sources: dottedSources,
    context_only_sources: [...dottedSources],
    pulled_attachment_sources: dashedSources,
    attachment_only_sources: [...dashedSources],
    context_only_source_count: dotted.length,
    attachment_only_source_count: dashed.length,
    // Solid first, then dashed; dotted connectors never carry attachments (§7, §8).
    propagated_attachments: mergeAttachments(...upstream.map(outputAttachments), ...dashed.map(outputAttachments)),
  };
}

function upstreamEntries(request: InputContextRequest): UpstreamEntry[] {
  if (request.upstreamTokens !== null) {
    return request.upstreamTokens
      .filter((token) => token.edge_mode === "solid")
      .map((token) => ({
        node_id: token.source_node_id,
        source_edge_id: token.source_edge_id,
        node_type: token.node_type,
        condition_key: token.condition_key,
        execution_index: token.execution_index,
        output_state: token.output_state,
        routing_state: token.routing_state,
        sequence: token.sequence,
        edge_mode: "solid",
      }));
  }
  return pulledEntries(request, "solid");
}

/** Entries from the latest results of the sources of `mode` connectors; a source that has not run is left out. */
function pulledEntries(request: InputContextRequest, mode: ConnectorMode): UpstreamEntry[] {
  const entries: UpstreamEntry[] = [];
  for (const connector of request.incoming) {
    if (connector.mode !== mode) continue;
    const latest = request.latestResults[connector.source];
    if (latest === undefined) continue;
    entries.push({
      node_id: connector.source,
      source_edge_id: connector.id,
      node_type: latest.node_type,
      condition_key: connector.conditionKey ?? null,
      execution_index: latest.execution_index,
      output_state: latest.output_state ?? {},
      routing_state: latest.routing_state ?? {},
      sequence: latest.sequence,
      edge_mode: mode,
    });
  }
  return entries;
}

/** The entry with the highest sequence; the first one wins ties. */
function latestOf(entries: readonly UpstreamEntry[]): UpstreamEntry | null {
  let latest: UpstreamEntry | null = null;
  for (const entry of entries) if (latest === null || entry.sequence > latest.sequence) latest = entry;
  return latest;
}

function sourceOf(entry: UpstreamEntry): SourceRef {
  return {
    source_edge_id: entry.source_edge_id,
    source_node_id: entry.node_id,
    source_node_type: entry.node_type,
    condition_key: entry.condition_key,
    execution_index: entry.execution_index,
    sequence: entry.sequence,
    edge_mode: entry.edge_mode,
  };
}
