/**
 * tools-rag: the `rag` tool domain (index fresh | delta, query with citations, status) and the `rag` node type, over
 * tables in the kernel's store (full-text search everywhere; vectors via pgvector or a portable cosine). Reference
 * tools-and-migration §2.5 and §4.
 */
import { coreServices, definePlugin, registeredToolDomain, type PluginDefinition } from "../../core/plugin-api/index.js";
import { ragConfigSchema, resolveRagSettings, type RagPluginConfig } from "./rag-config.js";
import { RAG_DOMAIN_ID, RagDomain } from "./rag-domain.js";
import { ragNodeType } from "./rag-node.js";
import { ragAuditMigration } from "./rag-audit-migration.js";
import { ragSchemaMigration } from "./rag-schema-migration.js";

export { RAG_DOMAIN_ID, RAG_OPERATIONS, RagDomain, indexModeOf } from "./rag-domain.js";
export { ragExecutionMode, ragNodeConfigSchema } from "./rag-node.js";
export { normaliseCollections } from "./rag-collections.js";
export { resolveRagSettings } from "./rag-config.js";
export type { RagPluginConfig, RagSettings } from "./rag-config.js";
export type { IndexSummary } from "./rag-indexer.js";
export type { Citation } from "./rag-retrieval.js";
export type { AuditQuery, AuditRow } from "./rag-audits.js";

/** Builds the plugin definition (the default export is one; tests may build their own). */
export function createRagPlugin(): PluginDefinition<RagPluginConfig> {
  return definePlugin<RagPluginConfig>({
    id: "tools-rag",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "RAG as tools: index folders (fresh or delta, transactional), query them with citations (full text + optional vectors), audit retrievals.",
    requires: ["store"],
    runsInExecutor: true,
    configSchema: ragConfigSchema,
    register(r) {
      const domain = new RagDomain();
      r.schemaMigration(ragSchemaMigration);
      r.schemaMigration(ragAuditMigration);
      r.toolDomain(domain);
      r.nodeType(ragNodeType(() => domain));
    },
    init(ctx) {
      const settings = resolveRagSettings(ctx.config, ctx.get(coreServices.kernel).configFile);
      registeredToolDomain(ctx, RAG_DOMAIN_ID, RagDomain).slot.bind({ settings, store: ctx.get(coreServices.store) });
      ctx.logger.info({ collections: [...settings.collections.values()].map((c) => c.name), embeddings: settings.embeddings?.model ?? null }, "rag tool domain ready");
    },
    stop(ctx) {
      const domain = ctx.get(coreServices.registries).toolDomains.get(RAG_DOMAIN_ID);
      if (domain instanceof RagDomain) domain.slot.clear();
    },
  });
}

export default createRagPlugin();
