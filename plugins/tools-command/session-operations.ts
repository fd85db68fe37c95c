/** session_start, session_update, session_stop: a working folder and environment kept between run calls. */
import { ToolInput, workspaceKeyOf, type SettingsSlot, type ToolOperation } from "../../core/plugin-api/index.js";
import type { CommandRuntime } from "./command-runtime.js";
import { callerEnv } from "./command-line.js";
import { openCommandCall, workingFolder } from "./prepared-command.js";

const envProp = { type: "object", additionalProperties: { type: "string" } };

/** `session_start`: `{cwd?, env?}` → `{session_id, cwd, env_names}`. */
export function sessionStartOperation(slot: SettingsSlot<CommandRuntime>): ToolOperation {
  return {
    description: "Open a session: later run calls with its session_id start in its folder with its environment.",
    input: { type: "object", additionalProperties: false, properties: { cwd: { type: "string" }, env: envProp } },
    async handler(raw, ctx) {
      const { runtime, input, workspace, guard } = await openCommandCall(slot, raw, ctx);
      const folder = await workingFolder(guard, ".", input.optionalString("cwd"));
      const session = runtime.sessions.open(workspace, folder.relative, callerEnv(input.stringRecord("env")));
      return { session_id: session.id, cwd: session.cwd, env_names: Object.keys(session.env).sort() };
    },
  };
}

/** `session_update`: `{session_id, cwd?, env?, unset_env?}` → `{session_id, cwd, env_names}` (cwd is relative to the current one, like cd). */
export function sessionUpdateOperation(slot: SettingsSlot<CommandRuntime>): ToolOperation {
  return {
    description: "Change a session's folder (relative to its current one, like cd) or environment.",
    input: {
      type: "object", required: ["session_id"], additionalProperties: false,
      properties: { session_id: { type: "string", minLength: 1 }, cwd: { type: "string" }, env: envProp, unset_env: { type: "array", items: { type: "string" } } },
    },
    async handler(raw, ctx) {
      new ToolInput(raw).requiredString("session_id");
      const { input, guard, session } = await openCommandCall(slot, raw, ctx);
      const current = session!;
      const cwd = input.optionalString("cwd");
      if (cwd !== null) current.cwd = (await workingFolder(guard, current.cwd, cwd)).relative;
      const env = { ...current.env, ...callerEnv(input.stringRecord("env")) };
      for (const name of input.stringArray("unset_env", [])) delete env[name];
      current.env = env;
      return { session_id: current.id, cwd: current.cwd, env_names: Object.keys(current.env).sort() };
    },
  };
}

/** `session_stop`: `{session_id}` → `{session_id, stopped}` (`reason: "not_found"` when there was none). */
export function sessionStopOperation(slot: SettingsSlot<CommandRuntime>): ToolOperation {
  return {
    description: "Close a session.",
    idempotent: true,
    input: { type: "object", required: ["session_id"], additionalProperties: false, properties: { session_id: { type: "string", minLength: 1 } } },
    async handler(raw, ctx) {
      const id = new ToolInput(raw).requiredString("session_id");
      const stopped = slot.get().sessions.close(id, workspaceKeyOf(ctx.scope));
      return stopped ? { session_id: id, stopped: true } : { session_id: id, stopped: false, reason: "not_found" };
    },
  };
}
