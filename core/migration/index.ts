/**
 * Flow migration (core/migration): the chain of contributed steps, `ark migrate` dry-run / apply / rollback with
 * evidence, the report's JSON Schema, the legacy import, the cutover gate and the post-boot preflight checks.
 */
export { canonicalHash, canonicalJsonText, pythonFloatRepr, pythonStringLiteral, type FloatPath } from "./canonical-json.js";
export { buildFlowSnapshot, snapshotHash, snapshotText, snapshotFloatPaths, type FlowSnapshot, type SnapshotEdge, type SnapshotNode } from "./flow-snapshot.js";
export { buildMigrationChain, type MigrationChain, type MigrationStep } from "./migration-chain.js";
export { analyseSnapshot, compatibilityGate, type CompatibilityGate, type FlowchartMigrationReport, type GateStatus } from "./analyse-flowchart.js";
export { normaliseFlowchartIds, runFlowMigration, type MigrationProgress, type MigrationRunOptions, type MigrationRunReport } from "./migration-runner.js";
export { rollbackFlowMigration, type FlowchartRollback, type RollbackOptions, type RollbackReport } from "./migration-rollback.js";
export { MIGRATION_REPORT_SCHEMA_ID, migrationReportSchema } from "./migration-report-schema.js";
export { LEGACY_SCHEMA_VERSION, importLegacyExport, parseLegacyExport, type LegacyImportResult, type LegacyImported } from "./legacy-import.js";
export { CUTOVER_KEY, CutoverService, type CutoverStatus, type CutoverToggle } from "./cutover.js";
export { cutoverStateCheck, executorImagesCheck, flowMigrationCheck, redisCheck, runPreflight, type PreflightResult } from "./preflight.js";
export { FlowMigrationService, flowMigrationRef } from "./flow-migration-service.js";
export { createMigrationModule } from "./migration-module.js";
export { createMigrationApiModule } from "./migration-api-module.js";
export { CUTOVER_ROUTE, cutoverRoutes } from "./cutover-routes.js";
