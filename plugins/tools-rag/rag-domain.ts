/**
 * The `rag` tool domain: index (fresh | delta), query (full-text + vectors, citations, optional synthesis) and
 * status of collections. Settings and the store are bound in the plugin's init.
 */
import {
  SettingsSlot, toolError, type Store, type ToolCallContext, type ToolDomainContribution, type ToolOperation,
} from "../../core/plugin-api/index.js";
import { auditOriginOf, listAudits, purgeAudits, writeAudits, type AuditQuery } from "./rag-audits.js";
import { namesForQuery, normaliseCollections, sourcesForIndex } from "./rag-collections.js";
import { COLLECTION_NAME_PATTERN, type RagSettings } from "./rag-config.js";
import { indexCollections, type IndexMode, type IndexSummary } from "./rag-indexer.js";
import { hasPgvector, searchChunks } from "./rag-retrieval.js";
import { collectionStatuses } from "./rag-rows.js";
import { auditsInput, auditsOutput, indexInput, indexOutput, queryInput, queryOutput, statusInput, statusOutput } from "./rag-schemas.js";
import { synthesizeAnswer } from "./rag-synthesis.js";

/** The domain id (also the node type). */
export const RAG_DOMAIN_ID = "rag";

/** Every operation. */
export const RAG_OPERATIONS = ["index", "query", "status", "audits"] as const;

/** The retention purge of audit rows runs at most this often (on query), so it stays off the hot path. */
const AUDIT_PURGE_INTERVAL_MS = 60 * 60 * 1000;

/** What init binds. */
export interface RagBinding {
  readonly settings: RagSettings;
  readonly store: Store;
}

/** index input. */
export interface IndexInput {
  readonly collections: readonly string[];
  readonly mode: string;
  readonly workspace_path?: string;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

/** query input. */
export interface QueryInput {
  readonly collections: readonly string[];
  readonly query: string;
  readonly top_k?: number;
  readonly synthesize?: boolean;
  readonly request_id?: string;
}

const INDEX_MODES: Readonly<Record<string, IndexMode>> = { full: "fresh_index", fresh: "fresh_index", fresh_index: "fresh_index", delta: "delta_index", delta_index: "delta_index" };

/** The reference's index-mode aliases (§2.5); anything else is `rag.mode_invalid`. */
export function indexModeOf(value: unknown): IndexMode {
  const mode = INDEX_MODES[String(value ?? "").trim().toLowerCase()];
  if (!mode) throw toolError("rag.mode_invalid", "RAG index mode must be one of: full, fresh, fresh_index, delta, delta_index.", { mode: value }, { retryable: false });
  return mode;
}

function requiredCollections(value: readonly string[]): string[] {
  const names = normaliseCollections(value);
  if (names.length === 0) throw toolError("rag.collections_required", "At least one collection is required.", {}, { retryable: false });
  return names;
}

/** The domain. */
export class RagDomain implements ToolDomainContribution {
  readonly id = RAG_DOMAIN_ID;
  readonly description = "Retrieval-augmented generation over folders: index collections (fresh or delta) and query them with citations.";
  readonly slot = new SettingsSlot<RagBinding>("the rag tool domain");
  readonly operations: Readonly<Record<string, ToolOperation>>;
  private pgvector: { store: Store; has: Promise<boolean> } | null = null;
  /** When the audit purge last ran (ms since epoch; 0: not yet, so the first query after boot purges). */
  private auditsPurgedAt = 0;

  constructor() {
    this.operations = {
      index: {
        description: "Index collections: fresh replaces a collection's index, delta re-indexes changed, new and removed files. One transaction per collection: a failure leaves the previous index intact.",
        input: indexInput, output: indexOutput,
        // Re-running an index converges to the same state, so a retry after an unknown outcome is harmless.
        idempotent: true,
        handler: (input: IndexInput, ctx) => this.index(input, ctx),
      },
      query: {
        description: "Search collections (full text, plus vector similarity when embeddings are configured) and return cited chunks; optionally synthesize an answer.",
        input: queryInput, output: queryOutput, idempotent: true,
        handler: (input: QueryInput, ctx) => this.query(input, ctx),
      },
      status: {
        description: "List collections with their file and chunk counts, last index time and last error.",
        input: statusInput, output: statusOutput, idempotent: true,
        handler: (input: { collections?: readonly string[] }) => this.status(input),
      },
      audits: {
        description: "Read retrieval audit rows (one per chunk a query returned), filtered by request_id, flowchart_run_id, flowchart_node_run_id or collection; paged with limit/offset.",
        input: auditsInput, output: auditsOutput, idempotent: true,
        handler: (input: AuditQuery) => listAudits(this.slot.get().store, input),
      },
    };
  }

  /** Runs an index (also used by the node type's index modes). */
  async index(input: IndexInput, ctx: Pick<ToolCallContext, "scope" | "signal">): Promise<IndexSummary> {
    const mode = indexModeOf(input.mode);
    const collections = requiredCollections(input.collections);
    if (input.workspace_path !== undefined && !new RegExp(COLLECTION_NAME_PATTERN).test(collections[0]!)) {
      throw toolError("rag.collection_name_invalid", `Collection names match ${COLLECTION_NAME_PATTERN}.`, { collection: collections[0] }, { retryable: false });
    }
    const { settings, store } = this.slot.get();
    const sources = await sourcesForIndex(settings, store, { ...input, collections }, ctx.scope);
    return indexCollections(settings, store, sources, mode, ctx.signal);
  }

  private async query(input: QueryInput, ctx: ToolCallContext): Promise<Record<string, unknown>> {
    const started = performance.now();
    const { settings, store } = this.slot.get();
    const collections = await namesForQuery(settings, store, requiredCollections(input.collections));
    const topK = input.top_k ?? 5;
    const found = await searchChunks(settings, store, collections, input.query, topK, settings.embeddings ? await this.hasPgvector(store) : false, ctx.signal);
    const origin = auditOriginOf(input.request_id, ctx.scope);
    const audited = settings.auditRetentionDays > 0 ? await writeAudits(store, origin, found.citations, found.texts) : 0;
    const synthesis = input.synthesize ? await synthesizeAnswer(ctx, input.query, found.citations, found.texts) : { answer: null, error: null };
    const warned = found.vectorError !== null;
    await this.purgeAuditsWhenDue(settings, store);
    return {
      mode: "query", request_id: origin.requestId, answer: synthesis.answer, collections, citations: found.citations,
      retrieval_stats: {
        provider: "postgres", top_k: topK, retrieved_count: found.citations.length, elapsed_ms: Math.round((performance.now() - started) * 10) / 10,
        fts_candidates: found.ftsCandidates, vector_candidates: found.vectorCandidates, vector_method: found.vectorMethod, audited_count: audited,
      },
      synthesis_error: synthesis.error,
      ...(warned
        ? { execution_status: "success_with_warning", warnings: [{ code: "rag.vector_unavailable", message: `Vector search was skipped (full-text results only): ${found.vectorError}` }] }
        : {}),
    };
  }

  private async status(input: { collections?: readonly string[] }): Promise<Record<string, unknown>> {
    const { settings, store } = this.slot.get();
    const named = input.collections ? await namesForQuery(settings, store, requiredCollections(input.collections)) : null;
    const stored = await collectionStatuses(store, named);
    const byName = new Map(stored.map((s) => [s.name.toLowerCase(), { ...s, configured: settings.collections.has(s.name.toLowerCase()) }]));
    for (const configured of settings.collections.values()) {
      const wanted = named === null || named.some((n) => n.toLowerCase() === configured.name.toLowerCase());
      if (wanted && !byName.has(configured.name.toLowerCase())) {
        byName.set(configured.name.toLowerCase(), {
          name: configured.name, configured: true, source_kind: "config", source: configured.root, last_indexed_at: null, last_error: null,
          file_count: 0, chunk_count: 0, skipped_count: 0, embedding_model: null,
        });
      }
    }
    return { collections: [...byName.values()].sort((a, b) => a.name.localeCompare(b.name)) };
  }

  /** Deletes audit rows past the retention now; returns how many (0 when auditing is off). */
  async purgeExpiredAudits(): Promise<number> {
    const { settings, store } = this.slot.get();
    this.auditsPurgedAt = Date.now();
    return settings.auditRetentionDays > 0 ? purgeAudits(store, settings.auditRetentionDays) : 0;
  }

  /** The hourly purge, on the query path: one indexed DELETE that finds nothing most of the time. */
  private async purgeAuditsWhenDue(settings: RagSettings, store: Store): Promise<void> {
    if (settings.auditRetentionDays === 0 || Date.now() - this.auditsPurgedAt < AUDIT_PURGE_INTERVAL_MS) return;
    this.auditsPurgedAt = Date.now();
    await purgeAudits(store, settings.auditRetentionDays);
  }

  private hasPgvector(store: Store): Promise<boolean> {
    if (this.pgvector?.store !== store) this.pgvector = { store, has: hasPgvector(store) };
    return this.pgvector.has;
  }
}
