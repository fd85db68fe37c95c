/** The `command` tool domain: its operations over one runtime slot, bound by the plugin's init. */
import { SettingsSlot, type ToolDomainContribution, type ToolOperation } from "../../core/plugin-api/index.js";
import type { CommandRuntime } from "./command-runtime.js";
import { backgroundKillOperation, backgroundOutputOperation, backgroundStartOperation, backgroundStatusOperation } from "./job-operations.js";
import { resourceLimitsOperation } from "./limits-operation.js";
import { runOperation } from "./run-operation.js";
import { sessionStartOperation, sessionStopOperation, sessionUpdateOperation } from "./session-operations.js";

/** Id of the domain (`POST /api/tools/command/<operation>`). */
export const COMMAND_DOMAIN_ID = "command";

/** The operations, in the order they are advertised. */
export const COMMAND_OPERATIONS = [
  "run", "session_start", "session_update", "session_stop", "background_start", "background_status", "background_output", "background_kill", "resource_limits",
] as const;

/** The domain object registered with the kernel. */
export class CommandDomain implements ToolDomainContribution {
  readonly id = COMMAND_DOMAIN_ID;
  readonly description = "Commands in the caller's workspace under the policy (allow/deny, no shell by default, scrubbed environment, timeouts, output caps): run, sessions, background jobs, resource_limits.";
  readonly slot = new SettingsSlot<CommandRuntime>(`tool domain "${COMMAND_DOMAIN_ID}"`);
  readonly operations: Readonly<Record<string, ToolOperation>>;

  constructor() {
    const s = this.slot;
    this.operations = Object.freeze({
      run: runOperation(s), session_start: sessionStartOperation(s), session_update: sessionUpdateOperation(s), session_stop: sessionStopOperation(s),
      background_start: backgroundStartOperation(s), background_status: backgroundStatusOperation(s), background_output: backgroundOutputOperation(s),
      background_kill: backgroundKillOperation(s), resource_limits: resourceLimitsOperation(s),
    });
  }
}
