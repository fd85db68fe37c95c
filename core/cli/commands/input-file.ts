/**
 * Reading the files commands are given (`ark flows import FILE`, `ark run FILE`, `ark flows import --legacy FILE`):
 * one reader, so every command refuses the same files the same way, before any kernel boots. The checks run on the
 * open descriptor, not on the path, so a file swapped in between cannot slip past them: a FIFO or a device would
 * block or never end, a folder has no text, and a huge file would exhaust memory before any parser saw it (V8 cannot
 * even hold a string over 512 MB). Files under /proc report size 0, so the limit also holds while reading.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { ArkError, errorMessage, isArkError } from "../../errors/index.js";
import { flowFileInvalidError, parseFlowFile } from "../../flow/index.js";

/** Flow files larger than this are refused: hand-written and exported flowcharts are a few kB to a few hundred kB. */
export const MAX_FLOW_FILE_BYTES = 16 * 1024 * 1024;

/** Why a file could not be read; `details.reason` of the ARK_INVALID_ARGUMENT, for scripts. */
export type InputFileProblem = "missing" | "unreadable" | "directory" | "not_a_file" | "too_large";

/** What the file is, for messages ("flow file", "legacy export"), and the most bytes it may have. */
export interface InputFileKind {
  readonly label: string;
  readonly maxBytes: number;
}

const FLOW_FILE: InputFileKind = { label: "flow file", maxBytes: MAX_FLOW_FILE_BYTES };
const CHUNK_BYTES = 1024 * 1024;

/** Reads a flow file; unreadable files, syntax and schema errors are all refused here, before any kernel boots. */
export function readFlowFile(file: string): string {
  const text = readInputFile(file, FLOW_FILE);
  const pre = parseFlowFile(text, file);
  if (!pre.definition) throw flowFileInvalidError(pre);
  return text;
}

/** The text (UTF-8) of a regular file of at most `kind.maxBytes`; anything else is ARK_INVALID_ARGUMENT. */
export function readInputFile(file: string, kind: InputFileKind): string {
  const fd = openInput(file, kind);
  try {
    checkRegularFile(file, kind, fstatSync(fd));
    return readCapped(file, kind, fd).toString("utf8");
  } catch (err) {
    throw isArkError(err) ? err : refused(file, "unreadable", `Cannot read ${kind.label} ${file}: ${errorMessage(err)}.`, err);
  } finally {
    closeSync(fd);
  }
}

/** True when `err` says the file does not exist (so `ark run` may read its argument as an id instead). */
export function isMissingInputFile(err: unknown): boolean {
  return isArkError(err, "ARK_INVALID_ARGUMENT") && err.details.reason === "missing";
}

/** Opens without blocking: opening a FIFO for reading would otherwise wait for a writer, forever if none comes. */
function openInput(file: string, kind: InputFileKind): number {
  try {
    return openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return refused(file, "missing", `There is no file ${file}.`, err);
    if (code === "EACCES" || code === "EPERM") {
      return refused(file, "unreadable", `Cannot read ${kind.label} ${file}: permission denied. Make it readable for this user (chmod, chown) or copy it somewhere readable.`, err);
    }
    return refused(file, "unreadable", `Cannot open ${kind.label} ${file}: ${errorMessage(err)}.`, err);
  }
}

function checkRegularFile(file: string, kind: InputFileKind, stats: Stats): void {
  if (stats.isDirectory()) refused(file, "directory", `${file} is a directory, not a ${kind.label}: give the path of a file in it.`);
  if (!stats.isFile()) refused(file, "not_a_file", `${file} is not a regular file but ${specialKind(stats)}: save the ${kind.label} to a file and give that path.`);
  if (stats.size > kind.maxBytes) refused(file, "too_large", tooLargeMessage(file, kind, stats.size));
}

/** Reads to the end, but never more than one byte past the limit. */
function readCapped(file: string, kind: InputFileKind, fd: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    const read = readSync(fd, chunk, 0, CHUNK_BYTES, null);
    if (read === 0) return Buffer.concat(chunks, total);
    total += read;
    if (total > kind.maxBytes) refused(file, "too_large", tooLargeMessage(file, kind));
    chunks.push(chunk.subarray(0, read));
  }
}

/** `size` is unknown when the file reported less than it had (files under /proc, a file still growing). */
function tooLargeMessage(file: string, kind: InputFileKind, size?: number): string {
  const limit = megabytes(kind.maxBytes);
  return `${file} is ${size === undefined ? `larger than ${limit}` : megabytes(size)}: a ${kind.label} may have at most ${limit}. Check that it is the file you meant.`;
}

function specialKind(stats: Stats): string {
  if (stats.isFIFO()) return "a named pipe (FIFO)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "a special file";
}

function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}

function refused(file: string, reason: InputFileProblem, message: string, cause?: unknown): never {
  throw new ArkError("ARK_INVALID_ARGUMENT", message, { details: { file, reason }, ...(cause === undefined ? {} : { cause }) });
}
