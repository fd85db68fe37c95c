/**
 * Which collections a call names and where their files are: a collection is configured (`collections:` in the
 * plugin config) or a folder of the caller's own workspace (`workspace_path`, resolved through the workspace path
 * guard, so it cannot leave the workspace root). Names match case-insensitively; anything else is
 * `rag.collection_unknown`.
 */
import { stat } from "node:fs/promises";
import { toolError, workspaceKeyOf, type Queryable } from "../../core/plugin-api/index.js";
import type { RagSettings } from "./rag-config.js";
import { storedCollections, type CollectionSource } from "./rag-rows.js";

function unknown(names: readonly string[]): Error {
  return toolError("rag.collection_unknown", `Unknown collection${names.length > 1 ? "s" : ""}: ${names.join(", ")}.`, { collections: [...names] }, { retryable: false });
}

function notAccessible(name: string): Error {
  return toolError("rag.collection_not_accessible", `Collection "${name}" belongs to another workspace.`, { collection: name }, { retryable: false });
}

async function requireFolder(source: CollectionSource): Promise<CollectionSource> {
  const info = await stat(source.root).catch(() => null);
  if (!info?.isDirectory()) {
    throw toolError("rag.source_missing", `The folder of collection "${source.name}" does not exist: ${source.source}.`, { collection: source.name, source: source.source }, { retryable: false });
  }
  return source;
}

/** The source of a workspace collection: `workspace_path` inside the caller's workspace. */
async function workspaceSource(settings: RagSettings, name: string, workspacePath: string, scope: Record<string, unknown>, globs: { include?: readonly string[]; exclude?: readonly string[] }): Promise<CollectionSource> {
  const guard = await settings.roots.forScope(scope);
  const folder = await guard.resolve(workspacePath, { field: "workspace_path" });
  const key = workspaceKeyOf(scope);
  return requireFolder({
    name, kind: "workspace", root: folder.absolute, source: `workspace:${key}/${folder.relative}`, workspaceKey: key,
    include: globs.include ?? [], exclude: globs.exclude ?? [],
  });
}

/** Options of an index call that decide where files come from. */
export interface IndexSourceInput {
  readonly collections: readonly string[];
  readonly workspace_path?: string;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

/** The sources an index call reads, in the order named. */
export async function sourcesForIndex(settings: RagSettings, db: Queryable, input: IndexSourceInput, scope: Record<string, unknown>): Promise<CollectionSource[]> {
  if (input.workspace_path !== undefined) {
    if (input.collections.length !== 1) {
      throw toolError("rag.input_invalid", "workspace_path names the folder of exactly one collection.", { collections: [...input.collections] }, { retryable: false });
    }
    const name = input.collections[0]!;
    if (settings.collections.has(name.toLowerCase())) {
      throw toolError("rag.collection_conflict", `Collection "${name}" is configured; a workspace_path cannot redefine it.`, { collection: name }, { retryable: false });
    }
    const [existing] = await storedCollections(db, input.collections);
    // A workspace may redefine its own collection, never another workspace's (that would replace its index).
    if (existing && existing.workspace_key !== workspaceKeyOf(scope)) throw notAccessible(existing.name);
    return [await workspaceSource(settings, existing?.name ?? name, input.workspace_path, scope, input)];
  }
  if (input.include !== undefined || input.exclude !== undefined) {
    throw toolError("rag.input_invalid", "include/exclude apply to a workspace_path collection; configured collections take their globs from the config.", {}, { retryable: false });
  }
  const stored = new Map((await storedCollections(db, input.collections)).map((c) => [c.name.toLowerCase(), c]));
  const sources: CollectionSource[] = [];
  const missing: string[] = [];
  for (const name of input.collections) {
    const configured = settings.collections.get(name.toLowerCase());
    const known = stored.get(name.toLowerCase());
    if (configured) {
      sources.push({ name: configured.name, kind: "config", root: configured.root, source: configured.root, workspaceKey: null, include: configured.include, exclude: configured.exclude });
    } else if (known?.source_kind === "workspace") {
      // Re-indexing a workspace collection reads the same folder of the caller's own workspace; another workspace's is not reachable.
      if (known.workspace_key !== workspaceKeyOf(scope)) {
        throw notAccessible(known.name);
      }
      const relative = known.source.slice(`workspace:${known.workspace_key}/`.length);
      sources.push(await workspaceSource(settings, known.name, relative, scope, {}));
    } else missing.push(name);
  }
  if (missing.length > 0) throw unknown(missing);
  return Promise.all(sources.map(requireFolder));
}

/** The stored names of the collections a query or status call names (configured but never indexed counts as known). */
export async function namesForQuery(settings: RagSettings, db: Queryable, names: readonly string[]): Promise<string[]> {
  const stored = new Map((await storedCollections(db, names)).map((c) => [c.name.toLowerCase(), c.name]));
  const missing = names.filter((n) => !stored.has(n.toLowerCase()) && !settings.collections.has(n.toLowerCase()));
  if (missing.length > 0) throw unknown(missing);
  return names.map((n) => stored.get(n.toLowerCase()) ?? settings.collections.get(n.toLowerCase())!.name);
}

/** Trimmed, de-duplicated case-insensitively (first spelling kept), empty entries dropped (reference §4.1). */
export function normaliseCollections(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === "string" ? value.split(",") : [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const entry of list) {
    const name = typeof entry === "string" ? entry.trim() : "";
    if (name !== "" && !seen.has(name.toLowerCase())) {
      seen.add(name.toLowerCase());
      out.push(name);
    }
  }
  return out;
}
