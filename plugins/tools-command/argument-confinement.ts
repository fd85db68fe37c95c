/**
 * Best-effort confinement of arguments: an argument (or the value of `--opt=value`) that is an absolute path, walks
 * up with `..`, or names an existing entry (a symlink planted in the workspace) must really land inside the workspace. It cannot see paths a program builds itself — real isolation is
 * the sandbox of the process/kubernetes dispatchers — but it stops the plain `cat ../../etc/passwd`.
 */
import { lstat } from "node:fs/promises";
import path from "node:path";
import { ArkError, isArkError, type WorkspacePathGuard } from "../../core/plugin-api/index.js";

/** Absolute paths that are harmless to name. */
const ALWAYS_ALLOWED = new Set(["/dev/null", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/zero", "/dev/urandom", "/dev/random"]);

function candidates(arg: string): string[] {
  const out = [arg];
  const eq = arg.indexOf("=");
  if (arg.startsWith("-") && eq > 0) out.push(arg.slice(eq + 1));
  return out;
}

function pathLike(value: string): boolean {
  return path.isAbsolute(value) || value.split("/").includes("..");
}

/** Throws ARK_COMMAND_ARGUMENT_ESCAPE for an argument naming a place outside the workspace. */
export async function confineArguments(args: readonly string[], cwd: string, guard: WorkspacePathGuard): Promise<void> {
  for (const arg of args) {
    for (const value of candidates(arg)) {
      if (value === "" || ALWAYS_ALLOWED.has(value)) continue;
      const lexical = path.resolve(cwd, value);
      const exists = (await lstat(lexical).catch(() => null)) !== null;
      if (!pathLike(value) && !value.includes("/") && !exists) continue;
      const escape = () => new ArkError("ARK_COMMAND_ARGUMENT_ESCAPE", `Argument "${arg}" names a path outside the workspace.`, { details: { argument: arg } });
      if (!guard.contains(lexical)) throw escape();
      // The real path of the deepest existing part: a symlink anywhere on the way must not lead out.
      await guard.checkReal(lexical, "argument", value).catch((err: unknown) => {
        throw isArkError(err, "ARK_WORKSPACE_PATH_ESCAPE") ? escape() : err;
      });
    }
  }
}
