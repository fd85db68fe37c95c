/**
 * The flow engine's HTTP API (the built-in `flow-api` module) and the flow-file import shared with the CLI.
 */
export { createFlowApiModule } from "./flow-api-module.js";
export { checkFlowText, importFlowText, nodeTypeRegistryOf } from "./flow-file-import.js";
export type { FlowImportContext, FlowImportOptions, FlowImportResult } from "./flow-file-import.js";
export { flowchartRoutes } from "./flowchart-routes.js";
export { NODE_RUN_STATUSES, RUN_STATUSES } from "../engine/engine-types.js";
export { runRoutes } from "./run-routes.js";
export { MAX_EVENTS_PAGE, controlRoutes } from "./control-routes.js";
export { REFERENCE_ARTIFACT_TYPES, artifactRoutes } from "./artifact-routes.js";
