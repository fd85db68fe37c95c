/**
 * The `rag` node type (reference §4.1–4.4): `config.mode` is fresh_index, delta_index or query; collections are
 * normalised; the node calls its own domain through the node run's tool host (so the envelope, ledger and trace
 * apply) and shapes the reference's rag output_state, with the executor routing mode in `execution_mode`.
 */
import {
  attachToolTrace, callNodeRunTool, failedNodeResultOf, failedResult, successResult,
  type ExecutionRequest, type ExecutionResult, type JSONSchema, type NodeExecutionContext, type NodeTypeContribution, type ToolDomainContribution,
} from "../../core/plugin-api/index.js";
import { normaliseCollections } from "./rag-collections.js";
import { RAG_DOMAIN_ID } from "./rag-domain.js";
import type { IndexSummary } from "./rag-indexer.js";

/** Node modes. */
export type RagNodeMode = "fresh_index" | "delta_index" | "query";

/** Config of a rag node. */
export const ragNodeConfigSchema: JSONSchema = {
  type: "object",
  properties: {
    mode: { type: "string", description: "fresh_index | delta_index | query." },
    collections: { anyOf: [{ type: "array", items: { type: "string" } }, { type: "string" }], description: "Collection names (trimmed, de-duplicated case-insensitively)." },
    question: { type: "string" }, query: { type: "string" }, question_prompt: { type: "string" },
    top_k: { type: "integer", minimum: 1, description: "Results to retrieve (clamped 1..20, default 5)." },
    synthesize: { type: "boolean", description: "Ask the executor model for an answer (default true)." },
    workspace_path: { type: "string", description: "Index modes: index this folder of the run's workspace as the one named collection." },
    route_key: { type: "string" },
  },
};

const EXECUTION_MODES: Readonly<Record<string, "indexing" | "delta_indexing" | "query">> = {
  index: "indexing", fresh: "indexing", fresh_index: "indexing", indexing: "indexing",
  delta: "delta_indexing", delta_index: "delta_indexing", delta_indexing: "delta_indexing", query: "query",
};

/** The executor routing mode of a node mode (reference `_canonical_rag_execution_mode`); null when unknown. */
export function ragExecutionMode(mode: unknown): "indexing" | "delta_indexing" | "query" | null {
  return EXECUTION_MODES[String(mode ?? "").trim().toLowerCase()] ?? null;
}

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

function invalid(code: string, message: string, details: Record<string, unknown> = {}): ExecutionResult {
  return failedResult("validation_error", message, { details: { code, ...details }, retryable: false });
}

function topKOf(value: unknown): number {
  const n = Number.parseInt(String(value ?? 5), 10);
  return Number.isNaN(n) ? 5 : Math.min(20, Math.max(1, n));
}

function indexOutput(mode: RagNodeMode, collections: readonly string[], summary: IndexSummary): Record<string, unknown> {
  return {
    node_type: "rag", answer: null, retrieval_context: [],
    retrieval_stats: { provider: "postgres", retrieved_count: 0, top_k: 0, source_count: summary.source_count, total_files: summary.total_files, total_chunks: summary.total_chunks },
    synthesis_error: null, mode, collections, index_summary: summary,
  };
}

function queryOutput(collections: readonly string[], question: string, out: Record<string, unknown>): Record<string, unknown> {
  const answer = typeof out.answer === "string" && out.answer !== "" ? out.answer : null;
  return {
    node_type: "rag", answer, question, request_id: out.request_id, retrieval_context: out.citations, retrieval_stats: out.retrieval_stats, synthesis_error: out.synthesis_error,
    mode: "query", collections, index_summary: null,
    ...(answer ? { raw_output: answer, structured_output: { text: answer } } : {}),
    ...(Array.isArray(out.warnings) ? { warnings: out.warnings } : {}),
    ...(out.execution_status ? { execution_status: out.execution_status } : {}),
  };
}

/** The request id of a node's query (reference §4.4): labels its audit rows, the same on every retry of the node run. */
function nodeRequestId(request: ExecutionRequest): string {
  const run = request.flowchart_run_id;
  const node = `node-${request.node_id}-run-${request.execution_id}`;
  return run === undefined || run === null ? `flowchart-${node}` : `flowchart-${String(run)}-${node}`;
}

/** Runs one rag node. */
async function executeRagNode(domain: () => ToolDomainContribution, request: ExecutionRequest, signal: AbortSignal, context?: NodeExecutionContext): Promise<ExecutionResult> {
  const config = request.node_config;
  const mode = text(config.mode) as RagNodeMode;
  if (!["fresh_index", "delta_index", "query"].includes(mode)) {
    return invalid("rag.mode_invalid", "RAG node config.mode must be fresh_index, delta_index, or query.", { mode: config.mode ?? null });
  }
  const collections = normaliseCollections(config.collections);
  if (collections.length === 0) return invalid("rag.collections_required", "RAG node config.collections must name at least one collection.");
  const question = text(config.question) || text(config.query) || text(config.question_prompt);
  if (mode === "query" && question === "") return invalid("rag.question_required", "RAG node in query mode requires config.question.");
  const input = mode === "query"
    ? { collections, query: question, top_k: topKOf(config.top_k), synthesize: config.synthesize !== false, request_id: nodeRequestId(request) }
    : { collections, mode: mode === "fresh_index" ? "fresh" : "delta", ...(text(config.workspace_path) ? { workspace_path: text(config.workspace_path) } : {}) };
  const result = await callNodeRunTool(request, signal, context, { domain, operation: mode === "query" ? "query" : "index", input });
  if (result.status === "failed") return failedNodeResultOf(result);
  const out = result.output as Record<string, unknown>;
  const shaped = mode === "query" ? queryOutput(collections, question, out) : indexOutput(mode, collections, out as unknown as IndexSummary);
  const routing: Record<string, unknown> = text(config.route_key) ? { route_key: text(config.route_key) } : {};
  const { output_state, routing_state } = attachToolTrace({ ...shaped, execution_mode: ragExecutionMode(mode) }, routing, result);
  return successResult(output_state, routing_state);
}

/** The node type over the plugin's domain. */
export function ragNodeType(domain: () => ToolDomainContribution): NodeTypeContribution {
  return {
    type: RAG_DOMAIN_ID,
    description: "Indexes collections (fresh_index, delta_index) or answers a question from them with citations (query).",
    configSchema: ragNodeConfigSchema,
    capabilities: { requiresSystemMcp: false, autoCreatesRef: false },
    execute: (request, signal, context) => executeRagNode(domain, request, signal, context),
  };
}
