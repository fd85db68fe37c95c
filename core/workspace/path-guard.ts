/**
 * The workspace path guard: every path a tool domain receives from a caller is resolved through it, so nothing a tool
 * touches lies outside the workspace root — not through `..`, an absolute path, or a symlink on the way.
 */
import { lstat, mkdir, readlink, realpath } from "node:fs/promises";
import path from "node:path";
import { ArkError } from "../errors/index.js";

/** A caller path after the guard checked it. */
export interface GuardedPath {
  /** Lexical absolute path (root + the relative path); symlinks on it are not resolved. */
  readonly absolute: string;
  /** The path relative to the root, `/`-separated, `.` for the root itself. */
  readonly relative: string;
  /** Whether something (a file, directory or link) exists at `absolute`. */
  readonly exists: boolean;
  /** Whether `absolute` itself is a symlink. */
  readonly isSymlink: boolean;
}

/** How a path is checked. */
export interface GuardOptions {
  /** Argument name for error messages (`path`, `source`, ...). */
  readonly field?: string;
  /** false: the last component may be a symlink pointing anywhere (it is handled, not followed: delete, move, list). */
  readonly followFinal?: boolean;
}

const MAX_PATH_CHARS = 4096;

/** Rejects what can never be a workspace path, before the file system is consulted. */
export function checkRelativePath(input: unknown, field = "path"): string {
  if (input === undefined || input === null || input === "") return ".";
  if (typeof input !== "string") throw new ArkError("ARK_WORKSPACE_PATH_INVALID", `${field} must be a string.`, { details: { field } });
  if (input.includes("\0")) throw new ArkError("ARK_WORKSPACE_PATH_INVALID", `${field} contains a NUL byte.`, { details: { field } });
  if (input.length > MAX_PATH_CHARS) throw new ArkError("ARK_WORKSPACE_PATH_INVALID", `${field} is longer than ${MAX_PATH_CHARS} characters.`, { details: { field } });
  if (path.isAbsolute(input)) {
    throw new ArkError("ARK_WORKSPACE_PATH_ESCAPE", `${field} "${input}" is absolute; workspace paths are relative to the workspace root.`, { details: { field, path: input, reason: "absolute" } });
  }
  if (input.split(/[\\/]/).includes("..")) {
    throw new ArkError("ARK_WORKSPACE_PATH_ESCAPE", `${field} "${input}" contains a ".." segment.`, { details: { field, path: input, reason: "parent_segment" } });
  }
  return input;
}

/** The guard of one workspace root (already created and resolved to its real path). */
export class WorkspacePathGuard {
  private constructor(readonly root: string) {}

  /** Creates the root (mkdir -p) and resolves it to its real path. */
  static async open(root: string): Promise<WorkspacePathGuard> {
    await mkdir(root, { recursive: true });
    return new WorkspacePathGuard(await realpath(root));
  }

  /** True when `absolute` (a real or lexical path) is the root or below it. */
  contains(absolute: string): boolean {
    const rel = path.relative(this.root, absolute);
    return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
  }

  /** `absolute` relative to the root, `/`-separated (`.` for the root). */
  relative(absolute: string): string {
    const rel = path.relative(this.root, absolute);
    return rel === "" ? "." : rel.split(path.sep).join("/");
  }

  /** Checks a caller path and resolves it inside the root; throws ARK_WORKSPACE_PATH_INVALID / _ESCAPE. */
  async resolve(input: unknown, options: GuardOptions = {}): Promise<GuardedPath> {
    const field = options.field ?? "path";
    const relative = checkRelativePath(input, field);
    const absolute = path.resolve(this.root, relative);
    if (!this.contains(absolute)) this.escape(field, relative, "outside_root");
    const stat = await lstat(absolute).catch(() => null);
    const isSymlink = stat?.isSymbolicLink() ?? false;
    const checkTarget = options.followFinal !== false || !isSymlink ? absolute : path.dirname(absolute);
    await this.checkReal(checkTarget, field, relative);
    return { absolute, relative: this.relative(absolute), exists: stat !== null, isSymlink };
  }

  /** Throws unless the real path of `absolute` (or of its deepest existing ancestor) is inside the root. */
  async checkReal(absolute: string, field: string, shown: string): Promise<void> {
    let probe = absolute;
    for (;;) {
      const real = await realpath(probe).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT" || err.code === "ENOTDIR") return null;
        if (err.code === "ELOOP") this.escape(field, shown, "symlink_loop");
        throw err;
      });
      if (real !== null) {
        if (!this.contains(real)) this.escape(field, shown, "symlink");
        return;
      }
      const link = await lstat(probe).then((s) => s.isSymbolicLink(), () => false);
      // A dangling symlink: judge it by where it points, so writing through it cannot create a file outside.
      if (link) {
        const target = path.resolve(path.dirname(probe), await readlink(probe));
        if (!this.contains(target)) this.escape(field, shown, "symlink");
        probe = target;
        continue;
      }
      const parent = path.dirname(probe);
      if (parent === probe) return;
      probe = parent;
    }
  }

  private escape(field: string, shown: string, reason: string): never {
    throw new ArkError("ARK_WORKSPACE_PATH_ESCAPE", `${field} "${shown}" leads outside the workspace root.`, { details: { field, path: shown, reason } });
  }
}
