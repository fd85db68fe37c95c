/** The shapes of a control call (reference §9) as the engine takes and answers them; the HTTP API maps them to §9.5. */
import { ArkError } from "../../errors/index.js";
import type { FlowRun, RunStatus, RunWarning } from "./engine-types.js";

/** The control actions of `/control` (§1.9 FLOWCHART_RUN_CONTROL_ACTIONS). */
export const CONTROL_ACTIONS = ["pause", "resume", "cancel", "retry", "skip", "rewind"] as const;

/** One of CONTROL_ACTIONS. */
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

/** A control call. `force` (cancel) and `forceNew` (replays) accept true/1/yes/on. */
export interface ControlRequest {
  readonly action: unknown;
  readonly force?: unknown;
  readonly idempotencyKey?: string | null;
  readonly forceNew?: unknown;
  readonly nodeRunId?: unknown;
  readonly rewindToNodeRunId?: unknown;
  readonly requestId?: string | null;
  readonly correlationId?: string | null;
}

/** The answer to a control call. */
export interface ControlResult {
  /** The run the call was about, as it is afterwards. */
  readonly run: FlowRun;
  readonly updated: boolean;
  readonly requestedAction: string;
  /**
   * What happened: the new status (`pausing`, `paused`, `running`, `stopping`, `stopped`, `canceled`), the replay
   * action (`retry`, `skip`, `rewind`), or `noop` / `none` / `noop_active` / `replay_existing` / `idempotent_noop`.
   */
  readonly appliedAction: string;
  readonly statusBefore: RunStatus;
  readonly idempotent: boolean;
  readonly replayRun: FlowRun | null;
  readonly warnings: RunWarning[];
}

/** The answer to `cancel` (§9.1). */
export interface CancelResult {
  readonly run: FlowRun;
  readonly force: boolean;
  readonly updated: boolean;
  /** stopped | stopping | canceled | none */
  readonly action: string;
  readonly canceled: boolean;
  readonly stopRequested: boolean;
}

/** ARK_FLOW_CONTROL_INVALID with the allowed actions in details. */
export function controlInvalid(message: string, details: Record<string, unknown> = {}): ArkError {
  return new ArkError("ARK_FLOW_CONTROL_INVALID", `${message} Allowed actions: ${CONTROL_ACTIONS.join(", ")}.`, { details: { ...details, allowed: [...CONTROL_ACTIONS] } });
}

/** The reference's truthy flag: true, 1, yes, on (case-insensitive). */
export function isTruthy(value: unknown): boolean {
  if (typeof value === "string") return ["1", "true", "yes", "on"].includes(value.trim().toLowerCase());
  return value === true || value === 1;
}
