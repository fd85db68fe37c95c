/**
 * The executable allow/deny policy. The executable is resolved to a file first (through the child's PATH, or relative
 * to the working folder), then judged by every name it goes by — as given, its path, its real path (so a symlink or
 * `/usr/bin/../bin/sudo` cannot dodge a deny entry); deny wins over allow.
 */
import { constants } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { ArkError, type WorkspacePathGuard } from "../../core/plugin-api/index.js";
import type { CommandPolicy } from "./config.js";

async function executableAt(file: string): Promise<boolean> {
  const info = await stat(file).catch(() => null);
  return info !== null && info.isFile() && (await access(file, constants.X_OK).then(() => true, () => false));
}

/** Finds the file `name` runs: a path with `/` relative to `cwd` (inside the workspace), else the first PATH hit. */
export async function resolveExecutable(name: string, cwd: string, pathVar: string, guard: WorkspacePathGuard): Promise<string> {
  if (name.includes("/")) {
    const file = path.isAbsolute(name) ? name : path.resolve(cwd, name);
    if (!path.isAbsolute(name)) await guard.checkReal(file, "command", name);
    if (await executableAt(file)) return file;
  } else {
    for (const dir of pathVar.split(":").filter((d) => path.isAbsolute(d))) {
      const file = path.join(dir, name);
      if (await executableAt(file)) return file;
    }
  }
  throw new ArkError("ARK_PROCESS_SPAWN_FAILED", `Executable "${name}" was not found (or is not executable) on the command PATH.`, { details: { executable: name, path: pathVar } });
}

function matches(entry: string, names: readonly string[], paths: readonly string[]): boolean {
  return entry.includes("/") ? paths.includes(path.normalize(entry)) : names.includes(entry);
}

/** Throws ARK_COMMAND_DENIED when the name as given is denied (before it is even looked up). */
export function checkGivenName(given: string, policy: CommandPolicy, isShellWrapper: boolean): void {
  if (isShellWrapper) return;
  const rule = policy.deny.find((entry) => matches(entry, [path.basename(given)], [path.normalize(given)]));
  if (rule !== undefined) {
    throw new ArkError("ARK_COMMAND_DENIED", `"${given}" is on the command deny list (${rule}).`, { details: { executable: given, rule, reason: "denied" } });
  }
}

/** Throws ARK_COMMAND_DENIED unless the policy lets `given` (resolved to `file`) run; the policy's own shell wrapper is exempt. */
export async function checkExecutable(given: string, file: string, policy: CommandPolicy, isShellWrapper: boolean): Promise<void> {
  if (isShellWrapper) return;
  const real = await realpath(file).catch(() => file);
  const paths = [path.normalize(file), real];
  const names = [...new Set([path.basename(given), path.basename(file), path.basename(real)])];
  const denied = policy.deny.find((entry) => matches(entry, names, paths));
  if (denied !== undefined) {
    throw new ArkError("ARK_COMMAND_DENIED", `"${given}" is on the command deny list (${denied}).`, { details: { executable: given, resolved: real, rule: denied, reason: "denied" } });
  }
  if (policy.allow.length > 0 && !policy.allow.some((entry) => matches(entry, names, paths))) {
    throw new ArkError("ARK_COMMAND_DENIED", `"${given}" is not on the command allow list.`, { details: { executable: given, resolved: real, reason: "not_allowed" } });
  }
}
