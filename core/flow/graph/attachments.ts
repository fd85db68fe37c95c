/**
 * Attachment entries as they travel along the graph (orchestration-and-events §7, §8): normalised, merged in order and
 * de-duplicated by path, else id, else file name. ARK fixes quirk Q1: an entry never gains a phantom `id: 1` or
 * `size_bytes: 1`; fields that are absent or invalid are left out.
 */
import { isJsonObject } from "./graph-model.js";

/** One attachment reference in an input context or node output. */
export interface AttachmentEntry {
  readonly id?: number | string;
  readonly file_name?: string;
  readonly path?: string;
  readonly path_stem?: string;
  readonly content_type?: string;
  readonly size_bytes?: number;
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

function attachmentId(value: unknown): number | string | null {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 1 ? value : null;
  return text(value);
}

/** A string becomes `{path}`; an object keeps its known fields; null when it has neither a path nor an id. */
export function normaliseAttachment(raw: unknown): AttachmentEntry | null {
  if (typeof raw === "string") {
    const path = text(raw);
    return path === null ? null : { path };
  }
  if (!isJsonObject(raw)) return null;
  const entry: Record<string, unknown> = {};
  const id = attachmentId(raw.id);
  const fileName = text(raw.file_name);
  const path = text(raw.path) ?? fileName;
  if (id === null && path === null) return null;
  if (id !== null) entry.id = id;
  if (fileName !== null) entry.file_name = fileName;
  if (path !== null) entry.path = path;
  for (const key of ["path_stem", "content_type"] as const) {
    const value = text(raw[key]);
    if (value !== null) entry[key] = value;
  }
  if (typeof raw.size_bytes === "number" && Number.isSafeInteger(raw.size_bytes) && raw.size_bytes >= 0) entry.size_bytes = raw.size_bytes;
  return entry as AttachmentEntry;
}

function dedupeKey(entry: AttachmentEntry): string {
  if (entry.path !== undefined) return `path:${entry.path}`;
  if (entry.id !== undefined) return `id:${String(entry.id)}`;
  return `file:${entry.file_name ?? ""}`;
}

/** Normalises and merges attachment lists in order, keeping the first entry of each path / id / file name. */
export function mergeAttachments(...lists: readonly unknown[]): AttachmentEntry[] {
  const merged: AttachmentEntry[] = [];
  const seen = new Set<string>();
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      const entry = normaliseAttachment(raw);
      if (entry === null) continue;
      const key = dedupeKey(entry);
      if (seen.has(key)) continue;
      seen.add(key);
      merged.push(entry);
    }
  }
  return merged;
}

/** The `attachments` list of an entry's output_state (anything else counts as none). */
export function outputAttachments(entry: { readonly output_state?: unknown }): unknown {
  return isJsonObject(entry.output_state) ? entry.output_state.attachments : undefined;
}

/**
 * What a node consumes (§7 `_collect_input_context_attachment_entries`): `propagated_attachments` when non-empty, else
 * the merge of the attachments of `upstream_nodes` and `attachment_only_upstream_nodes`.
 */
export function collectInputContextAttachments(inputContext: Readonly<Record<string, unknown>>): AttachmentEntry[] {
  const propagated = mergeAttachments(inputContext.propagated_attachments);
  if (propagated.length > 0) return propagated;
  const entries = [inputContext.upstream_nodes, inputContext.attachment_only_upstream_nodes]
    .flatMap((list) => (Array.isArray(list) ? list : []))
    .map((entry) => (isJsonObject(entry) ? outputAttachments(entry) : undefined));
  return mergeAttachments(...entries);
}
