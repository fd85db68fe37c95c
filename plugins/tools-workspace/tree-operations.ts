/** list, mkdir, delete, move, copy, chmod: folder-level operations, each on guarded paths only. */
import { chmod, cp, lstat, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { ArkError, ToolInput, type ToolOperation } from "../../core/plugin-api/index.js";
import { checkWritable, conflict, notFound, openCall } from "./workspace-context.js";
import type { WorkspaceOperationFactory } from "./operation-types.js";
import { isHidden, walk, type WalkEntry } from "./walk.js";

const pathProp = { type: "string" };

function entryView(entry: WalkEntry): Record<string, unknown> {
  const view: Record<string, unknown> = {
    path: entry.relative, type: entry.type, size: entry.stat.size,
    mode: `0o${(entry.stat.mode & 0o7777).toString(8)}`, modified_at: Math.floor(entry.stat.mtimeMs / 1000),
  };
  // A link's target is named only when it stays inside; a link that leaves the root is flagged, never followed.
  if (entry.type === "symlink") Object.assign(view, { target_inside_root: entry.linkTarget !== null });
  return view;
}

/** `list`: `{path?, recursive?, include_hidden?}` → `{path, recursive, entries[], truncated}`. */
export const listOperation: WorkspaceOperationFactory = (slot): ToolOperation => ({
  description: "List a folder (recursively when asked); symlinked folders are listed, not entered.",
  idempotent: true,
  input: { type: "object", additionalProperties: false, properties: { path: pathProp, recursive: { type: "boolean" }, include_hidden: { type: "boolean" } } },
  async handler(raw, ctx) {
    const call = await openCall(slot, ctx);
    const input = new ToolInput(raw);
    const recursive = input.boolean("recursive", false);
    const includeHidden = input.boolean("include_hidden", false);
    const target = await call.guard.resolve(input.raw("path"));
    if (!target.exists) throw notFound("path", target);
    if (!(await stat(target.absolute)).isDirectory()) throw conflict("path", target, "not_a_directory", "is not a directory");
    const entries: Record<string, unknown>[] = [];
    let truncated = false;
    for await (const entry of walk(call.guard, target.absolute, recursive)) {
      if (!includeHidden && isHidden(entry.relative)) continue;
      if (entries.length >= call.settings.maxListEntries) {
        truncated = true;
        break;
      }
      entries.push(entryView(entry));
    }
    entries.sort((a, b) => String(a.path).localeCompare(String(b.path)));
    return { path: target.relative, recursive, entries, truncated };
  },
});

/** `mkdir`: `{path, parents?, exist_ok?}` → `{path, created}`. */
export const mkdirOperation: WorkspaceOperationFactory = (slot): ToolOperation => ({
  description: "Create a folder.",
  idempotent: true,
  input: { type: "object", required: ["path"], additionalProperties: false, properties: { path: pathProp, parents: { type: "boolean" }, exist_ok: { type: "boolean" } } },
  async handler(raw, ctx) {
    const call = await openCall(slot, ctx);
    const input = new ToolInput(raw);
    const target = await call.guard.resolve(input.requiredString("path"));
    checkWritable(call, target, "path");
    if (target.exists) {
      if (!(await stat(target.absolute)).isDirectory()) throw conflict("path", target, "not_a_directory", "exists and is not a directory");
      if (!input.boolean("exist_ok", true)) throw conflict("path", target, "exists", "already exists");
      return { path: target.relative, created: false };
    }
    const parents = input.boolean("parents", true);
    if (!parents && !(await stat(path.dirname(target.absolute)).catch(() => null))) {
      throw new ArkError("ARK_WORKSPACE_NOT_FOUND", `The parent of "${target.relative}" does not exist (parents: false).`, { details: { field: "path", path: target.relative } });
    }
    await mkdir(target.absolute, { recursive: parents });
    return { path: target.relative, created: true };
  },
});

/** `delete`: `{path, recursive?}` → `{path, deleted}` (`reason: "not_found"` when nothing was there). Links are removed, not followed. */
export const deleteOperation: WorkspaceOperationFactory = (slot): ToolOperation => ({
  description: "Delete a file, link or folder (folders with content need recursive: true, the default).",
  idempotent: true,
  input: { type: "object", required: ["path"], additionalProperties: false, properties: { path: pathProp, recursive: { type: "boolean" } } },
  async handler(raw, ctx) {
    const call = await openCall(slot, ctx);
    const input = new ToolInput(raw);
    const target = await call.guard.resolve(input.requiredString("path"), { followFinal: false });
    checkWritable(call, target, "path");
    if (!target.exists) return { path: target.relative, deleted: false, reason: "not_found" };
    const info = await lstat(target.absolute);
    if (info.isDirectory() && !input.boolean("recursive", true) && (await readdir(target.absolute)).length > 0) {
      throw conflict("path", target, "not_empty", "is a folder that is not empty (recursive: false)");
    }
    await rm(target.absolute, { recursive: info.isDirectory(), force: true });
    return { path: target.relative, deleted: true };
  },
});

/** Source and target of move/copy; copy follows a source link (so a link leading out is refused), move carries it. */
async function twoPaths(slot: Parameters<WorkspaceOperationFactory>[0], raw: unknown, ctx: Parameters<ToolOperation["handler"]>[1], followSource: boolean) {
  const call = await openCall(slot, ctx);
  const input = new ToolInput(raw);
  const source = await call.guard.resolve(input.requiredString("source"), { field: "source", followFinal: followSource });
  const target = await call.guard.resolve(input.requiredString("target"), { field: "target", followFinal: false });
  if (!source.exists) throw notFound("source", source);
  checkWritable(call, target, "target");
  const overwrite = input.boolean("overwrite", false);
  if (target.exists && !overwrite) throw conflict("target", target, "exists", "already exists (overwrite: false)");
  if (target.absolute === source.absolute || target.absolute.startsWith(source.absolute + path.sep)) {
    throw conflict("target", target, "inside_source", "is the source or inside it");
  }
  await mkdir(path.dirname(target.absolute), { recursive: true });
  return { call, input, source, target, overwrite };
}

const twoPathInput = (extra: Record<string, unknown>) => ({
  type: "object", required: ["source", "target"], additionalProperties: false,
  properties: { source: { type: "string", minLength: 1 }, target: { type: "string", minLength: 1 }, overwrite: { type: "boolean" }, ...extra },
});

/** `move`: `{source, target, overwrite?}` → `{source, target, moved: true}`. */
export const moveOperation: WorkspaceOperationFactory = (slot): ToolOperation => ({
  description: "Move or rename a file or folder inside the workspace.",
  input: twoPathInput({}),
  async handler(raw, ctx) {
    const { call, source, target, overwrite } = await twoPaths(slot, raw, ctx, false);
    checkWritable(call, source, "source");
    if (target.exists && overwrite) await rm(target.absolute, { recursive: true, force: true });
    await rename(source.absolute, target.absolute);
    return { source: source.relative, target: target.relative, moved: true };
  },
});

/** `copy`: `{source, target, overwrite?, recursive?}` → `{source, target, copied: true}`; links are copied as links. */
export const copyOperation: WorkspaceOperationFactory = (slot): ToolOperation => ({
  description: "Copy a file or folder inside the workspace (symlinks are copied as links, never followed).",
  input: twoPathInput({ recursive: { type: "boolean" } }),
  async handler(raw, ctx) {
    const { input, source, target, overwrite } = await twoPaths(slot, raw, ctx, true);
    const isDir = (await lstat(source.absolute)).isDirectory();
    if (isDir && !input.boolean("recursive", true)) throw conflict("source", source, "recursive_required", "is a folder (recursive: false)");
    if (target.exists && overwrite) await rm(target.absolute, { recursive: true, force: true });
    await cp(source.absolute, target.absolute, { recursive: isDir, dereference: false, verbatimSymlinks: true, errorOnExist: true, force: false });
    return { source: source.relative, target: target.relative, copied: true };
  },
});

/** Parses a mode: an integer, or an octal string (`"640"`, `"0o640"`). Set-id and sticky bits are refused. */
export function parseMode(value: unknown): number {
  let mode: number = Number.NaN;
  if (typeof value === "number" && Number.isInteger(value)) mode = value;
  else if (typeof value === "string" && /^(0o)?[0-7]{1,4}$/i.test(value.trim())) mode = Number.parseInt(value.trim().replace(/^0o/i, ""), 8);
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw new ArkError("ARK_TOOL_INPUT_INVALID", `mode must be an octal permission from 0 to 0o777 (got ${JSON.stringify(value)}); set-id and sticky bits are refused.`, { details: { field: "mode" } });
  }
  return mode;
}

/** `chmod`: `{path, mode}` → `{path, mode: "0o640"}`. */
export const chmodOperation: WorkspaceOperationFactory = (slot): ToolOperation => ({
  description: "Change permission bits (0..0o777) of a file or folder.",
  idempotent: true,
  input: { type: "object", required: ["path", "mode"], additionalProperties: false, properties: { path: pathProp, mode: { type: ["integer", "string"] } } },
  async handler(raw, ctx) {
    const call = await openCall(slot, ctx);
    const input = new ToolInput(raw);
    const mode = parseMode(input.raw("mode"));
    const target = await call.guard.resolve(input.requiredString("path"));
    checkWritable(call, target, "path");
    if (!target.exists) throw notFound("path", target);
    await chmod(target.absolute, mode);
    return { path: target.relative, mode: `0o${mode.toString(8)}` };
  },
});
