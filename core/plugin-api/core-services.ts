import type { Logger } from "pino";
import { eventBusRef } from "../events/event-bus-ref.js";
import { dispatchRouterRef } from "../execution/dispatch-router-ref.js";
import { flowEngineRef } from "../flow/engine/flow-engine-ref.js";
import type { StartupReport } from "../kernel/startup-report.js";
import type { ContractRegistry } from "../contracts/contract-registry-port.js";
import type { NodeExecutorSettingsService } from "../settings/node-executor-settings-port.js";
import type { Store } from "../store/store-port.js";
import type { IdempotencyLedger } from "../tooling/idempotency-port.js";
import type { ContributionRegistries } from "./registries-port.js";
import { createServiceRef } from "./service-ref.js";

/** Facts about the running kernel. */
export interface KernelInfo {
  readonly apiVersion: string;
  readonly configFile: string | null;
  /** The whole validated config (frozen). Plugins should read their own section from ctx.config instead. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The live startup report (statuses and timings per plugin), as /api/health and `ark doctor` show it. */
  startupReport(): StartupReport;
}

/** Services the kernel provides to every plugin. `store`, `idempotency` and `settings` need `requires: ["store"]`; `events` needs `requires: ["events"]`. */
export const coreServices = {
  logger: createServiceRef<Logger>({ id: "core.logger", scope: "plugin" }),
  kernel: createServiceRef<KernelInfo>({ id: "core.kernel" }),
  contracts: createServiceRef<ContractRegistry>({ id: "core.contracts" }),
  registries: createServiceRef<ContributionRegistries>({ id: "core.registries" }),
  store: createServiceRef<Store>({ id: "core.store" }),
  idempotency: createServiceRef<IdempotencyLedger>({ id: "core.idempotency" }),
  settings: createServiceRef<NodeExecutorSettingsService>({ id: "core.settings.node-executor" }),
  /** The event bus (built-in `events` module): `requires: ["events"]`. */
  events: eventBusRef,
  /** The flow engine (built-in `flow` module): `requires: ["flow"]`. */
  flow: flowEngineRef,
  /** The dispatch router (built-in `execution` module): `requires: ["execution"]`. */
  dispatch: dispatchRouterRef,
} as const;
