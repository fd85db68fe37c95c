import type { PluginDefinition } from "../plugin-api/plugin.js";
import { createApiModule } from "../api/api-module.js";
import { createEventsModule } from "../events/events-module.js";
import { createExecutionModule } from "../execution/execution-module.js";
import { createFlowApiModule } from "../flow/api/flow-api-module.js";
import { createFlowModule } from "../flow/engine/flow-module.js";
import { createMigrationApiModule } from "../migration/migration-api-module.js";
import { createMigrationModule } from "../migration/migration-module.js";
import { createStoreModule } from "../store/store-module.js";
import { createToolingApiModule } from "../tooling/tooling-api-module.js";
import { createToolingModule } from "../tooling/tooling-module.js";

/**
 * Core modules shaped as plugins; lazy ones boot only when a plugin requires them. A fresh instance per call, so
 * several kernels in one process (tests, benchmarks) never share a store.
 */
export function builtinModules(): PluginDefinition[] {
  return [
    createStoreModule() as PluginDefinition,
    createEventsModule() as PluginDefinition,
    createApiModule() as PluginDefinition,
    createExecutionModule() as PluginDefinition,
    createFlowModule() as PluginDefinition,
    createFlowApiModule(),
    createToolingModule() as PluginDefinition,
    createToolingApiModule(),
    createMigrationModule(),
    createMigrationApiModule(),
  ];
}
