/** The `flow:` config section: how this kernel takes part in executing runs. */
import type { ConfigCheckProblem } from "../../config/config-check.js";

/** Validated `flow:` section (defaults applied). */
export interface FlowConfig {
  /** Whether this kernel claims and executes node runs (false: it only serves the API). */
  readonly workers: boolean;
  readonly concurrency: number;
  readonly leaseSeconds: number;
  readonly heartbeatMs: number;
  readonly pollIntervalMs: number;
  readonly recoveryIntervalMs: number;
  readonly stopDrainMs: number;
  readonly maxChildDepth: number;
}

const integer = (minimum: number, maximum: number, defaultValue: number, description: string) => ({ type: "integer", minimum, maximum, default: defaultValue, description });

/** JSON Schema of the `flow:` section. */
export const flowSectionSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    workers: { type: "boolean", default: true, description: "Claim and execute node runs in this kernel." },
    concurrency: integer(1, 1024, 8, "Node runs this kernel executes at once."),
    leaseSeconds: integer(2, 3600, 30, "How long a node run's lease lasts without a heartbeat before another kernel may take it over."),
    heartbeatMs: integer(100, 600_000, 10_000, "How often a running node run's lease is extended (must be below leaseSeconds)."),
    pollIntervalMs: integer(20, 60_000, 1000, "Polling fallback for wake-ups missed through LISTEN/NOTIFY."),
    recoveryIntervalMs: integer(100, 600_000, 5000, "How often expired leases are recovered and expired artifacts swept."),
    stopDrainMs: integer(0, 600_000, 10_000, "On stop, how long in-flight node runs may finish before they are handed back."),
    maxChildDepth: integer(1, 64, 8, "How deeply flowchart nodes may nest child runs."),
  },
} as const;

/**
 * What the `flow:` schema cannot say: the heartbeat must come well inside a lease, or leases expire while their node
 * runs are healthy. The module's checkConfig (validate and every boot) and init's guard.
 */
export function checkFlowConfig(config: Pick<FlowConfig, "heartbeatMs" | "leaseSeconds">): ConfigCheckProblem[] {
  if (config.heartbeatMs < config.leaseSeconds * 1000) return [];
  return [{
    path: ["heartbeatMs"],
    message: `must be shorter than flow.leaseSeconds (${config.heartbeatMs} ms ≥ ${config.leaseSeconds} s), or leases expire while their node runs are healthy`,
  }];
}
