/** The `tools-rag` config section and the settings init resolves it to. */
import { resolveConfigPath, resolveWorkspaceBase, WorkspaceRoots, type JSONSchema } from "../../core/plugin-api/index.js";

/** One configured collection as written. */
export interface CollectionConfig {
  readonly path: string;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

/** The OpenAI-compatible embeddings endpoint as written. */
export interface EmbeddingsConfig {
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKeyEnv?: string;
  readonly batchSize?: number;
  readonly timeoutSeconds?: number;
}

/** The plugin's `config:` section. */
export interface RagPluginConfig {
  readonly collections?: Readonly<Record<string, CollectionConfig>>;
  readonly embeddings?: EmbeddingsConfig;
  readonly workspaceRoot?: string;
  readonly maxFileBytes?: number;
  readonly chunkMaxChars?: number;
  readonly chunkOverlapLines?: number;
  readonly audit?: { readonly retentionDays?: number };
}

/** A configured collection, its folder resolved to an absolute path. */
export interface ConfiguredCollection {
  readonly name: string;
  readonly root: string;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** The embeddings endpoint, resolved (the API key read from its environment variable at init). */
export interface EmbeddingsSettings {
  readonly url: string;
  readonly model: string;
  readonly apiKey: string | null;
  readonly batchSize: number;
  readonly timeoutMs: number;
}

/** What the handlers run with. */
export interface RagSettings {
  readonly collections: ReadonlyMap<string, ConfiguredCollection>;
  readonly embeddings: EmbeddingsSettings | null;
  readonly roots: WorkspaceRoots;
  readonly maxFileBytes: number;
  readonly chunkMaxChars: number;
  readonly chunkOverlapLines: number;
  /** Days a retrieval audit row is kept; 0: no audit rows are written. */
  readonly auditRetentionDays: number;
}

/** Collection names: what a caller types and what the store keys on. */
export const COLLECTION_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";

const globs: JSONSchema = { type: "array", items: { type: "string", minLength: 1 } };

/** JSON Schema of the config section. */
export const ragConfigSchema: JSONSchema = Object.freeze({
  type: "object",
  additionalProperties: false,
  properties: {
    collections: {
      type: "object", default: {},
      description: "Collections by name: a folder (relative: to the config file's folder) and optional include/exclude globs.",
      propertyNames: { pattern: COLLECTION_NAME_PATTERN },
      additionalProperties: {
        type: "object", additionalProperties: false, required: ["path"],
        properties: { path: { type: "string", minLength: 1 }, include: globs, exclude: globs },
      },
    },
    embeddings: {
      type: "object", additionalProperties: false, required: ["baseUrl", "model"],
      description: "OpenAI-compatible embeddings endpoint (POST <baseUrl>/v1/embeddings); without it retrieval is full-text only.",
      properties: {
        baseUrl: { type: "string", minLength: 1 },
        model: { type: "string", minLength: 1 },
        apiKeyEnv: { type: "string", minLength: 1, description: "Environment variable holding the bearer token." },
        batchSize: { type: "integer", minimum: 1, maximum: 2048, default: 64 },
        timeoutSeconds: { type: "integer", minimum: 1, maximum: 600, default: 60 },
      },
    },
    workspaceRoot: { type: "string", minLength: 1, default: ".ark/workspaces", description: "Base folder of the per-run workspaces (relative: to the config file's folder; the same as tools-workspace's root) for workspace_path collections." },
    maxFileBytes: { type: "integer", minimum: 1, default: 1_000_000, description: "Larger files are skipped (too_large)." },
    chunkMaxChars: { type: "integer", minimum: 200, maximum: 100_000, default: 2000 },
    chunkOverlapLines: { type: "integer", minimum: 0, maximum: 200, default: 5, description: "Lines shared by consecutive code/structured windows." },
    audit: {
      type: "object", additionalProperties: false, default: {},
      description: "Retrieval audit rows (one per chunk a query returns, table ark_rag_retrieval_audits).",
      properties: {
        retentionDays: { type: "integer", minimum: 0, maximum: 3650, default: 30, description: "Rows older than this are purged (checked at most hourly, on query); 0 writes no audit rows." },
      },
    },
  },
});

/** Resolves the section against the config file's folder (relative collection paths and workspace root). */
export function resolveRagSettings(own: RagPluginConfig, configFile: string | null, env: NodeJS.ProcessEnv = process.env): RagSettings {
  const collections = new Map<string, ConfiguredCollection>();
  for (const [name, entry] of Object.entries(own.collections ?? {})) {
    collections.set(name.toLowerCase(), { name, root: resolveConfigPath(entry.path, configFile), include: entry.include ?? [], exclude: entry.exclude ?? [] });
  }
  const e = own.embeddings;
  const embeddings = e
    ? {
        url: `${e.baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "")}/v1/embeddings`, model: e.model,
        apiKey: e.apiKeyEnv ? env[e.apiKeyEnv] ?? null : null, batchSize: e.batchSize ?? 64, timeoutMs: (e.timeoutSeconds ?? 60) * 1000,
      }
    : null;
  return {
    collections, embeddings, roots: new WorkspaceRoots(resolveWorkspaceBase(own.workspaceRoot, configFile)),
    maxFileBytes: own.maxFileBytes ?? 1_000_000, chunkMaxChars: own.chunkMaxChars ?? 2000, chunkOverlapLines: own.chunkOverlapLines ?? 5,
    auditRetentionDays: own.audit?.retentionDays ?? 30,
  };
}
