/** The `tools-observability` config section and what init resolves it to. */
import type { FlowEngineService, KernelInfo, Store } from "../../core/plugin-api/index.js";

/** The plugin's `config:`. */
export interface ObservabilityPluginConfig {
  readonly crossRunAccess: boolean;
}

/** JSON Schema of the config. */
export const observabilityConfigSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    crossRunAccess: { type: "boolean", default: false, description: "Let a node read runs other than its own (HTTP callers always may)." },
  },
} as const;

/** What the handlers use. */
export interface ObservabilitySettings {
  readonly engine: FlowEngineService;
  readonly store: Store;
  readonly kernel: KernelInfo;
  readonly crossRunAccess: boolean;
}
