/**
 * The plugin API: the only module plugins import from the core.
 */
export { definePlugin, isPluginDefinition } from "./plugin.js";
export type { BootFailurePolicy, PluginContext, PluginDefinition, Registrar, ServiceFactory } from "./plugin.js";
export { createServiceRef } from "./service-ref.js";
export type { ServiceRef, ServiceScope } from "./service-ref.js";
export { coreServices } from "./core-services.js";
export type { KernelInfo } from "./core-services.js";
export type * from "./contributions.js";
export type { ContributionRegistries, ReadonlyRegistry } from "./registries-port.js";
export type { JSONSchema } from "../contracts/json-schema.js";
export type { ContractRegistry, ContractIssue } from "../contracts/contract-registry-port.js";
export type { Store, Queryable, Transaction, QueryResult, StoreHealth } from "../store/store-port.js";
export type { IdempotencyLedger, IdempotencyClaim } from "../tooling/idempotency-port.js";
export type { NodeExecutorSettingsService, NodeExecutorSettingsView, NodeExecutorRuntimeSettings, SettingsChange } from "../settings/node-executor-settings-port.js";
export type { EventBus } from "../events/event-bus.js";
export type { EventLogQuery } from "../events/event-log.js";
export { ArkError, isArkError, errorMessage } from "../errors/index.js";
export type { ArkErrorCode } from "../errors/index.js";
export { apiServerRef, apiReply } from "../api/api-server-port.js";
export type { ApiServer, ApiRoute, ApiRequest, HealthSource, HealthSourceResult } from "../api/api-server-port.js";
export type { StartupReport, PluginReport, PluginStatus } from "../kernel/startup-report.js";
