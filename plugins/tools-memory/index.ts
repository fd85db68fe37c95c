/**
 * tools-memory: memories as a tool domain (`memory`: add, retrieve, get, list, delete), a flowchart node type
 * (`memory`), their table, and HTTP routes (memories and their artifact history). Reference tools-and-migration
 * §3.1, §3.5-§3.7.
 */
import { apiServerRef, coreServices, definePlugin, registeredToolDomain, type PluginDefinition } from "../../core/plugin-api/index.js";
import { MEMORY_DOMAIN_ID, MemoryDomain } from "./memory-domain.js";
import { memoryNodeType } from "./memory-node.js";
import { memoryRoutes } from "./memory-routes.js";
import { memorySchemaMigration } from "./memory-schema-migration.js";

export { MEMORY_DOMAIN_ID, MemoryDomain, type AddInput, type RetrieveInput, type ActionOutput } from "./memory-domain.js";
export { memoryNodeConfigSchema, memoryCallInput } from "./memory-node.js";
export { inferMemoryPrompt } from "./memory-context.js";
export type { Memory } from "./memory-rows.js";

/** Builds the plugin definition (the default export is one; tests may build their own). */
export function createMemoryPlugin(): PluginDefinition {
  return definePlugin({
    id: "tools-memory",
    version: "1.0.0",
    kernel: "^1.0.0",
    // Only register() runs in an executor; its node calls the domain back in the kernel through the ToolHost.
    runsInExecutor: true,
    description: "Memories: the `memory` tool domain and node type (deterministic / llm_guided with fallback), /api/memories routes with artifact history.",
    requires: ["store", "api"],
    register(r) {
      const domain = new MemoryDomain();
      r.schemaMigration(memorySchemaMigration);
      r.toolDomain(domain);
      r.nodeType(memoryNodeType(() => domain));
    },
    init(ctx) {
      const domain = registeredToolDomain(ctx, MEMORY_DOMAIN_ID, MemoryDomain);
      domain.bind(ctx.get(coreServices.store));
      const api = ctx.get(apiServerRef);
      for (const route of memoryRoutes(domain)) api.addRoute(route);
    },
  });
}

export default createMemoryPlugin();
