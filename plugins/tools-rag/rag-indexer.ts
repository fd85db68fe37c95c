/**
 * Indexing a collection (reference tools-and-migration §4.2): walk and fingerprint its files, decide what changed
 * (fresh: everything; delta: new or changed fingerprints, plus removed paths), chunk and embed the changed files,
 * then write everything in ONE store transaction. Embedding happens before the transaction opens, so a failure at
 * any point — the endpoint, the walk, the write — leaves the previous index exactly as it was (the transaction
 * rolls back; nothing was dropped first), and only `last_error` is recorded.
 */
import { errorMessage, isArkError, isToolError, toolError, type Store } from "../../core/plugin-api/index.js";
import type { RagSettings } from "./rag-config.js";
import { chunkFile, walkSource, type SkippedFile, type SourceFile } from "./rag-documents.js";
import { embedTexts, normOf } from "./rag-embeddings.js";
import {
  deleteFiles, fileFingerprints, generationOf, insertFiles, recordIndexed, recordIndexError, upsertCollection, type CollectionSource, type FileWrite,
} from "./rag-rows.js";

/** Index modes as the reference names them. */
export type IndexMode = "fresh_index" | "delta_index";

/** Per-collection result of an index. */
export interface SourceSummary {
  readonly source_id: string;
  readonly source_name: string;
  readonly collection: string;
  readonly source: string;
  readonly file_count: number;
  readonly chunk_count: number;
  readonly indexed_files: number;
  readonly unchanged_files: number;
  readonly removed_files: number;
  readonly skipped_files: number;
  readonly embedded_chunks: number;
  readonly skipped: readonly SkippedFile[];
}

/** The summary an index call returns (reference §4.2 plus the per-file counts). */
export interface IndexSummary {
  readonly mode: IndexMode;
  readonly collections: readonly string[];
  readonly source_count: number;
  readonly total_files: number;
  readonly total_chunks: number;
  readonly indexed: number;
  readonly unchanged: number;
  readonly removed: number;
  readonly skipped: number;
  readonly sources: readonly SourceSummary[];
}

const MAX_SKIPPED_LISTED = 100;

/** What a delta (or fresh) pass has to write. */
interface Plan {
  readonly changed: SourceFile[];
  readonly removed: string[];
  readonly unchanged: number;
  readonly generation: number;
}

async function planOf(store: Store, source: CollectionSource, mode: IndexMode, files: SourceFile[]): Promise<Plan> {
  const generation = await generationOf(store, source.name);
  if (mode === "fresh_index") return { changed: files, removed: [], unchanged: 0, generation };
  const previous = await fileFingerprints(store, source.name);
  const current = new Set(files.map((f) => f.path));
  const changed = files.filter((f) => previous.get(f.path) !== f.fingerprint);
  return { changed, removed: [...previous.keys()].filter((p) => !current.has(p)), unchanged: files.length - changed.length, generation };
}

async function writesOf(settings: RagSettings, files: readonly SourceFile[], signal?: AbortSignal): Promise<FileWrite[]> {
  const chunked = files.map((f) => ({ file: f, chunks: chunkFile(f.text, f.docType, { maxChars: settings.chunkMaxChars, overlapLines: settings.chunkOverlapLines }) }));
  const embeddings = settings.embeddings
    ? await embedTexts(settings.embeddings, chunked.flatMap((c) => c.chunks.map((chunk) => (chunk.heading ? `${chunk.heading}\n${chunk.content}` : chunk.content))), signal)
    : null;
  let at = 0;
  return chunked.map(({ file, chunks }) => {
    const vectors = embeddings ? embeddings.slice(at, (at += chunks.length)) : null;
    return { path: file.path, fingerprint: file.fingerprint, docType: file.docType, chunks, embeddings: vectors, norms: vectors ? vectors.map(normOf) : null };
  });
}

async function indexSource(settings: RagSettings, store: Store, source: CollectionSource, mode: IndexMode, signal?: AbortSignal): Promise<SourceSummary> {
  const { files, skipped } = await walkSource(source.root, { include: source.include, exclude: source.exclude, maxFileBytes: settings.maxFileBytes });
  const plan = await planOf(store, source, mode, files);
  const writes = await writesOf(settings, plan.changed, signal);
  signal?.throwIfAborted();
  const totals = await store.transaction(async (tx) => {
    await upsertCollection(tx, source);
    // Another index of this collection committed since we planned: our delta would be computed against stale states.
    if ((await generationOf(tx, source.name, true)) !== plan.generation) {
      throw toolError("rag.index_conflict", `Collection "${source.name}" was indexed concurrently; run the index again.`, { collection: source.name }, { retryable: true });
    }
    if (mode === "fresh_index") await deleteFiles(tx, source.name);
    else await deleteFiles(tx, source.name, [...plan.changed.map((f) => f.path), ...plan.removed]);
    await insertFiles(tx, source.name, writes);
    return recordIndexed(tx, source.name, skipped.length, settings.embeddings?.model ?? null);
  });
  return {
    source_id: source.name, source_name: source.name, collection: source.name, source: source.source,
    file_count: totals.files, chunk_count: totals.chunks, indexed_files: plan.changed.length, unchanged_files: plan.unchanged,
    removed_files: plan.removed.length, skipped_files: skipped.length, embedded_chunks: writes.reduce((n, w) => n + (w.embeddings?.length ?? 0), 0),
    skipped: skipped.slice(0, MAX_SKIPPED_LISTED),
  };
}

function failureCode(err: unknown): string {
  return isToolError(err) || isArkError(err) ? (err as { code: string }).code : "internal";
}

/** Indexes each source in order; the first failure records `last_error`, stops, and fails with `rag.index_failed`. */
export async function indexCollections(settings: RagSettings, store: Store, sources: readonly CollectionSource[], mode: IndexMode, signal?: AbortSignal): Promise<IndexSummary> {
  const summaries: SourceSummary[] = [];
  for (const source of sources) {
    try {
      summaries.push(await indexSource(settings, store, source, mode, signal));
    } catch (err) {
      const message = `RAG indexing failed for collection '${source.name}': ${errorMessage(err)}`;
      await recordIndexError(store, source, message).catch(() => undefined);
      throw toolError("rag.index_failed", `${message} (the previous index is unchanged).`, {
        collection: source.name, cause_code: failureCode(err), completed: summaries.map((s) => s.collection),
      }, { retryable: failureCode(err) === "rag.index_conflict", cause: err });
    }
  }
  const sum = (key: keyof SourceSummary) => summaries.reduce((n, s) => n + (s[key] as number), 0);
  return {
    mode, collections: sources.map((s) => s.name), source_count: summaries.length, total_files: sum("file_count"), total_chunks: sum("chunk_count"),
    indexed: sum("indexed_files"), unchanged: sum("unchanged_files"), removed: sum("removed_files"), skipped: sum("skipped_files"), sources: summaries,
  };
}
