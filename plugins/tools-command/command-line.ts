/**
 * From a caller's `command` to an argv that may run: argv arrays as given, plain strings split on whitespace, strings
 * with shell syntax only when the policy allows a shell. Caller environment variables that change how programs load
 * or find code (LD_PRELOAD, PATH, BASH_ENV, ...) are refused.
 */
import { ArkError } from "../../core/plugin-api/index.js";
import type { CommandPolicy } from "./config.js";

/** The argv to run and whether it goes through the shell. */
export interface CommandLine {
  readonly argv: readonly string[];
  readonly shell: boolean;
}

const SHELL_SYNTAX = /[;&|<>()$`\\"'*?[\]{}~#!\n\r]/;
const REFUSED_ENV = /^(LD_.*|DYLD_.*|BASH_ENV|ENV|BASH_FUNC_.*|SHELLOPTS|BASHOPTS|PS4|IFS|PATH|NODE_OPTIONS|PYTHONSTARTUP|PYTHONPATH|PERL5OPT|PERL5LIB|RUBYOPT|GIT_.*)$/;

function invalid(field: string, message: string): never {
  throw new ArkError("ARK_COMMAND_INVALID", message, { details: { field } });
}

/** Parses `command` (argv array or string) under the policy; `wantShell` is the caller's explicit `shell: true`. */
export function commandLineOf(command: unknown, wantShell: boolean, policy: CommandPolicy): CommandLine {
  if (Array.isArray(command)) {
    if (command.length === 0 || !command.every((part) => typeof part === "string")) invalid("command", "command must be a non-empty array of strings.");
    if (command.some((part: string) => part.includes("\0"))) invalid("command", "command contains a NUL byte.");
    if (command[0] === "") invalid("command", "command[0] (the executable) is empty.");
    if (wantShell) invalid("shell", "shell: true needs command as a string.");
    return { argv: command as string[], shell: false };
  }
  if (typeof command !== "string" || command.trim() === "") invalid("command", "command must be a non-empty string or argv array.");
  if (command.includes("\0")) invalid("command", "command contains a NUL byte.");
  if (wantShell || SHELL_SYNTAX.test(command)) {
    if (!policy.shell) {
      throw new ArkError("ARK_COMMAND_SHELL_DISABLED", "This command needs a shell (it has shell syntax or asks for shell: true), and the policy does not allow one.", {
        details: { field: "command", command },
      });
    }
    return { argv: [policy.shellPath, "-c", command], shell: true };
  }
  return { argv: command.trim().split(/\s+/), shell: false };
}

/** Checks the caller's environment variables: valid names, string values, none that change program loading. */
export function callerEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) invalid("env", `env name "${name}" is not a valid variable name.`);
    if (REFUSED_ENV.test(name)) {
      throw new ArkError("ARK_COMMAND_DENIED", `env ${name} is refused: it changes which code a program loads.`, { details: { field: "env", name, reason: "env_refused" } });
    }
    if (value.includes("\0")) invalid("env", `env ${name} contains a NUL byte.`);
    out[name] = value;
  }
  return out;
}
