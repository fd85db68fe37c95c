/** The `tools-workflow` config section and what init resolves it to. */
import type { FlowEngineService } from "../../core/plugin-api/index.js";

/** The plugin's `config:`. */
export interface WorkflowPluginConfig {
  readonly crossRunAccess: boolean;
}

/** JSON Schema of the config. */
export const workflowConfigSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    crossRunAccess: { type: "boolean", default: false, description: "Let a node start-and-control runs other than its own (HTTP callers always may)." },
  },
} as const;

/** What the handlers use. */
export interface WorkflowSettings {
  readonly engine: FlowEngineService;
  readonly crossRunAccess: boolean;
}
