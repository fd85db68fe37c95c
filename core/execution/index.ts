/** The execution plane's core: the dispatcher port's router, the v1 dispatch contracts, and the inline dispatcher. */
export { DispatchRouter, buildExecutorPayload, executorClassFor } from "./dispatch-router.js";
export type { DispatchRouterOptions, DispatcherLookup, NodeExecution, RoutedResult } from "./dispatch-router.js";
export { INLINE_DISPATCHER_ID, createInlineDispatcher } from "./inline-dispatcher.js";
export type { NodeTypeLookup } from "./inline-dispatcher.js";
export { failedResult, successResult } from "./execution-results.js";
export { createExecutionModule, dispatchRouterRef, executionSectionSchema } from "./execution-module.js";
export type { ExecutionConfig } from "./execution-module.js";
