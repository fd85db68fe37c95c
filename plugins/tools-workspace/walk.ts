/**
 * Walking a workspace folder. Symlinked folders are never entered (no cycles, no way out); symlinks are reported with
 * whether their target stays inside the root, and only links that stay inside are ever read through.
 */
import type { Stats } from "node:fs";
import { lstat, readdir, realpath } from "node:fs/promises";
import path from "node:path";
import type { WorkspacePathGuard } from "../../core/plugin-api/index.js";

/** One entry the walk found. */
export interface WalkEntry {
  readonly absolute: string;
  /** Relative to the workspace root. */
  readonly relative: string;
  readonly type: "file" | "dir" | "symlink" | "other";
  readonly stat: Stats;
  /** For symlinks: the real target when it lies inside the root, else null. */
  readonly linkTarget: string | null;
}

function typeOf(stat: Stats): WalkEntry["type"] {
  if (stat.isSymbolicLink()) return "symlink";
  if (stat.isDirectory()) return "dir";
  return stat.isFile() ? "file" : "other";
}

/** True when any part of a root-relative path starts with a dot. */
export function isHidden(relative: string): boolean {
  return relative.split("/").some((part) => part.startsWith(".") && part !== ".");
}

/** Yields the entries under `dir` (sorted per folder, depth first), descending into real folders when `recursive`. */
export async function* walk(guard: WorkspacePathGuard, dir: string, recursive: boolean): AsyncGenerator<WalkEntry> {
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const absolute = path.join(dir, name);
    const stat = await lstat(absolute).catch(() => null);
    if (!stat) continue;
    const type = typeOf(stat);
    let linkTarget: string | null = null;
    if (type === "symlink") {
      const real = await realpath(absolute).catch(() => null);
      linkTarget = real !== null && guard.contains(real) ? real : null;
    }
    yield { absolute, relative: guard.relative(absolute), type, stat, linkTarget };
    if (recursive && type === "dir") yield* walk(guard, absolute, true);
  }
}
