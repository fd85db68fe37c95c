/**
 * `migrations-runtime`: the built-in flow migration step `runtime-schema` (schema version 1 → 2), the reference's
 * one-time runtime-schema transform with its post-transform validation and dry execution checks
 * (tools-and-migration §6.2–§6.4). See README.md for the rules and ARK's decisions.
 */
import { definePlugin, type FlowMigrationContribution, type FlowSnapshot } from "../../core/plugin-api/index.js";
import { dryRunRuntimeSchema } from "./dry-run-checks.js";
import { validateRuntimeSchema } from "./post-validation.js";
import { transformRuntimeSchema } from "./runtime-transform.js";

/** The plugin's config: the id of the system-managed `llmctl-mcp` server in migrated data, when known. */
export interface MigrationsRuntimeConfig {
  readonly systemMcpServerId?: string | number | null;
}

/** The step, with the system MCP id it validates memory nodes against. */
export function runtimeSchemaStep(systemMcpServerId: () => string | null = () => null): FlowMigrationContribution {
  return {
    id: "runtime-schema",
    description: "Legacy runtime schema → unified agent runtime: edge modes, decision connectors, special-node modes and defaults, routing config.",
    from: 1,
    to: 2,
    transform: (definition, context) => transformRuntimeSchema(definition as unknown as FlowSnapshot, context) as unknown as Record<string, unknown>,
    validate: (definition, context) => validateRuntimeSchema(definition as unknown as FlowSnapshot, context, systemMcpServerId()),
    dryRun: (definition) => dryRunRuntimeSchema(definition as unknown as FlowSnapshot),
  };
}

let systemMcpServerId: string | null = null;

export default definePlugin<MigrationsRuntimeConfig>({
  id: "migrations-runtime",
  version: "1.0.0",
  kernel: "^1.0.0",
  description: "Flow migration step runtime-schema (1 → 2): the reference's one-time transform, validation and dry-run checks.",
  configSchema: {
    type: "object",
    additionalProperties: false,
    properties: {
      systemMcpServerId: { type: ["string", "integer", "null"], default: null, description: "Id of the llmctl-mcp server memory nodes must be bound to (null: any binding passes)." },
    },
  },
  register(r) {
    r.flowMigration(runtimeSchemaStep(() => systemMcpServerId));
  },
  init(ctx) {
    const id = ctx.config.systemMcpServerId;
    systemMcpServerId = id === undefined || id === null ? null : String(id);
  },
});
