/** read and write: byte-capped, decoded with a named encoding; writes go to a temp file first and are renamed in. */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm, stat, writeFile, appendFile } from "node:fs/promises";
import path from "node:path";
import { ArkError, ToolInput, type ToolOperation } from "../../core/plugin-api/index.js";
import { checkWritable, conflict, notFound, openCall } from "./workspace-context.js";
import type { WorkspaceOperationFactory } from "./operation-types.js";

const ENCODINGS = ["utf-8", "utf8", "ascii", "latin1", "base64", "hex", "utf16le"] as const;

function encodingOf(input: ToolInput): BufferEncoding {
  const encoding = input.string("encoding", "utf-8").toLowerCase();
  if (!(ENCODINGS as readonly string[]).includes(encoding)) {
    throw new ArkError("ARK_TOOL_INPUT_INVALID", `encoding must be one of ${ENCODINGS.join(", ")}.`, { details: { field: "encoding" } });
  }
  return (encoding === "utf-8" ? "utf8" : encoding) as BufferEncoding;
}

async function readHead(file: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** `read`: `{path, encoding?, max_bytes?}` → `{path, content, encoding, bytes, truncated, total_bytes}`. */
export const readOperation: WorkspaceOperationFactory = (slot): ToolOperation => ({
  description: "Read a file (at most max_bytes; truncated: true when the file is longer).",
  idempotent: true,
  input: {
    type: "object", required: ["path"], additionalProperties: false,
    properties: { path: { type: "string", minLength: 1 }, encoding: { type: "string", enum: [...ENCODINGS] }, max_bytes: { type: "integer", minimum: 1 } },
  },
  async handler(raw, ctx) {
    const call = await openCall(slot, ctx);
    const input = new ToolInput(raw);
    const encoding = encodingOf(input);
    const cap = call.settings.maxReadBytes;
    const maxBytes = input.integer("max_bytes", cap, 1, Number.MAX_SAFE_INTEGER);
    if (maxBytes > cap) throw new ArkError("ARK_WORKSPACE_TOO_LARGE", `max_bytes ${maxBytes} exceeds the read cap of ${cap} bytes.`, { details: { field: "max_bytes", limit: cap } });
    const target = await call.guard.resolve(input.requiredString("path"));
    if (!target.exists) throw notFound("path", target);
    const info = await stat(target.absolute);
    if (!info.isFile()) throw conflict("path", target, "not_a_file", "is not a file");
    const head = await readHead(target.absolute, Math.min(maxBytes, info.size));
    return { path: target.relative, content: head.toString(encoding), encoding: input.string("encoding", "utf-8"), bytes: head.length, truncated: info.size > head.length, total_bytes: info.size };
  },
});

async function ensureParent(absolute: string, createParents: boolean, target: Parameters<typeof notFound>[1]): Promise<void> {
  const parent = path.dirname(absolute);
  const info = await stat(parent).catch(() => null);
  if (info?.isDirectory()) return;
  if (info) throw conflict("path", target, "parent_not_a_directory", "has a parent that is not a directory");
  if (!createParents) throw new ArkError("ARK_WORKSPACE_NOT_FOUND", `The parent folder of "${target.relative}" does not exist (create_parents: false).`, { details: { field: "path", path: target.relative } });
  await mkdir(parent, { recursive: true });
}

/** `write`: `{path, content, encoding?, append?, create_parents?}` → `{path, bytes_written, append}` (real bytes). */
export const writeOperation: WorkspaceOperationFactory = (slot): ToolOperation => ({
  description: "Write (or append to) a file; content larger than the write cap is refused and nothing is written.",
  input: {
    type: "object", required: ["path"], additionalProperties: false,
    properties: {
      path: { type: "string", minLength: 1 }, content: { type: "string" }, encoding: { type: "string", enum: [...ENCODINGS] },
      append: { type: "boolean" }, create_parents: { type: "boolean" },
    },
  },
  async handler(raw, ctx) {
    const call = await openCall(slot, ctx);
    const input = new ToolInput(raw);
    const encoding = encodingOf(input);
    const data = Buffer.from(input.string("content", ""), encoding);
    const cap = call.settings.maxWriteBytes;
    if (data.length > cap) throw new ArkError("ARK_WORKSPACE_TOO_LARGE", `content is ${data.length} bytes; the write cap is ${cap}.`, { details: { field: "content", limit: cap, bytes: data.length } });
    const append = input.boolean("append", false);
    const target = await call.guard.resolve(input.requiredString("path"));
    checkWritable(call, target, "path");
    const existing = target.exists ? await stat(target.absolute).catch(() => null) : null;
    if (existing?.isDirectory()) throw conflict("path", target, "is_a_directory", "is a directory");
    await ensureParent(target.absolute, input.boolean("create_parents", true), target);
    if (append) {
      await appendFile(target.absolute, data);
    } else {
      const temp = path.join(path.dirname(target.absolute), `.ark-write-${randomBytes(6).toString("hex")}.tmp`);
      try {
        await writeFile(temp, data, { flag: "wx" });
        await rename(temp, target.absolute);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
    }
    return { path: target.relative, bytes_written: data.length, append };
  },
});
