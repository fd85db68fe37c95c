/**
 * The `workflow` tool domain: start a flowchart, and pause, resume, stop, cancel, retry, skip or rewind a run — through
 * the kernel's own flow engine, so the state machine, idempotency and events are exactly those of the HTTP API.
 * Calls from a node are confined to the node's own run unless `crossRunAccess` is on.
 */
import {
  checkRunAccess, SettingsSlot, targetRunId, type JSONSchema, type ToolCallContext, type ToolDomainContribution, type ToolOperation,
} from "../../core/plugin-api/index.js";
import type { WorkflowSettings } from "./config.js";

/** The domain id. */
export const WORKFLOW_DOMAIN_ID = "workflow";

/** Control operations, in the order the README lists them. */
export const WORKFLOW_CONTROL_OPERATIONS = ["pause", "resume", "stop", "cancel", "retry", "skip", "rewind"] as const;

/** Every operation. */
export const WORKFLOW_OPERATIONS = ["start_flowchart", ...WORKFLOW_CONTROL_OPERATIONS] as const;

const rowId: JSONSchema = { anyOf: [{ type: "integer", minimum: 1 }, { type: "string", pattern: "^[1-9][0-9]{0,17}$" }] };
const result: JSONSchema = { type: "object", required: ["run_id", "status"], properties: { run_id: { type: "string" }, status: { type: "string" } } };

const startInput: JSONSchema = {
  type: "object", additionalProperties: false, required: ["flowchart_id"],
  properties: {
    flowchart_id: rowId,
    start_node_id: { type: "string", minLength: 1 },
    wait: { type: "boolean", default: false, description: "Wait for the run to finish (its final status is returned)." },
    wait_timeout_seconds: { type: "integer", minimum: 1, maximum: 3600, default: 300 },
  },
};

const controlInput = (replay: boolean): JSONSchema => ({
  type: "object", additionalProperties: false,
  properties: {
    run_id: { ...rowId, description: "Defaults to the calling node's own run." },
    ...(replay
      ? {
          node_run_id: { ...rowId, description: "The node run to replay from (default: the run's first failed node run)." },
          idempotency_key: { type: "string", minLength: 1, maxLength: 200 },
          force_new: { type: "boolean", description: "Replay again even when this key already produced a replay." },
        }
      : {}),
  },
});

type StartInput = { flowchart_id: string | number; start_node_id?: string; wait?: boolean; wait_timeout_seconds?: number };
type ControlInput = { run_id?: string | number; node_run_id?: string | number; idempotency_key?: string; force_new?: boolean };

/** The domain; its engine is bound in the plugin's init. */
export class WorkflowDomain implements ToolDomainContribution {
  readonly id = WORKFLOW_DOMAIN_ID;
  readonly description = "Start flowcharts and control runs: pause, resume, stop, cancel, retry, skip, rewind.";
  readonly slot = new SettingsSlot<WorkflowSettings>("the workflow tool domain");
  readonly operations: Readonly<Record<string, ToolOperation>>;

  constructor() {
    const control = (action: (typeof WORKFLOW_CONTROL_OPERATIONS)[number]): ToolOperation<ControlInput> => ({
      description: `${action[0]!.toUpperCase()}${action.slice(1)} a run (${action === "stop" ? "running nodes finish, nothing new starts" : action === "cancel" ? "everything stops at once" : "see the run control API"}).`,
      input: controlInput(["retry", "skip", "rewind"].includes(action)),
      output: result,
      // Every control action is safe to repeat: the state machine and replay keys make a repeat a no-op.
      idempotent: true,
      handler: (input, ctx) => this.control(action, input, ctx),
    });
    this.operations = {
      start_flowchart: {
        description: "Start a run of a flowchart (optionally from a node) and, with wait, wait for it to finish.",
        input: startInput, output: result, idempotent: false,
        handler: (input: StartInput, ctx) => this.start(input, ctx),
      },
      ...Object.fromEntries(WORKFLOW_CONTROL_OPERATIONS.map((action) => [action, control(action)])),
    };
  }

  private async start(input: StartInput, ctx: ToolCallContext): Promise<Record<string, unknown>> {
    const { engine } = this.slot.get();
    const run = await engine.startRun({
      flowchartId: input.flowchart_id, startNodeId: input.start_node_id,
      requestId: stringOrNull(ctx.scope.request_id), correlationId: stringOrNull(ctx.scope.correlation_id),
    });
    if (!input.wait) return { run_id: run.id, flowchart_id: run.flowchartId, status: run.status };
    const done = await engine.waitForRun(run.id, { signal: ctx.signal, timeoutMs: (input.wait_timeout_seconds ?? 300) * 1000 });
    return { run_id: done.id, flowchart_id: done.flowchartId, status: done.status, failure_message: done.failureMessage, warnings: done.warnings };
  }

  private async control(action: (typeof WORKFLOW_CONTROL_OPERATIONS)[number], input: ControlInput, ctx: ToolCallContext): Promise<Record<string, unknown>> {
    const { engine, crossRunAccess } = this.slot.get();
    const runId = targetRunId(input, ctx.scope, WORKFLOW_DOMAIN_ID);
    checkRunAccess(ctx.scope, runId, { domain: WORKFLOW_DOMAIN_ID, crossRun: crossRunAccess });
    if (action === "stop" || action === "cancel") {
      const r = await engine.cancel(runId, { force: action === "cancel" });
      return { run_id: r.run.id, status: r.run.status, applied_action: r.action, updated: r.updated };
    }
    const r = await engine.control(runId, {
      action,
      ...(action === "rewind" ? { rewindToNodeRunId: input.node_run_id } : { nodeRunId: input.node_run_id }),
      idempotencyKey: input.idempotency_key ?? null, forceNew: input.force_new === true,
      requestId: stringOrNull(ctx.scope.request_id), correlationId: stringOrNull(ctx.scope.correlation_id),
    });
    return {
      run_id: r.run.id, status: r.run.status, applied_action: r.appliedAction, updated: r.updated, idempotent: r.idempotent,
      replay_run_id: r.replayRun?.id ?? null, warnings: r.warnings,
    };
  }
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}
