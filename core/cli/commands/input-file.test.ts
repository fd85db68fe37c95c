import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isArkError } from "../../errors/index.js";
import { MAX_FLOW_FILE_BYTES, readFlowFile, readInputFile } from "./input-file.js";
import { resolveRunTarget } from "./run.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "ark-input-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const flow = "schema_version: 2\nname: small\nnodes:\n  - { id: start, type: start }\n  - { id: end, type: end }\nconnectors:\n  - { source: start, target: end }\n";
const file = (name: string, content = flow): string => {
  const target = path.join(dir, name);
  writeFileSync(target, content);
  return target;
};

/** The error `read` throws, which must be ARK_INVALID_ARGUMENT (never ARK_INTERNAL, never a hang). */
function refusal(read: () => unknown): { message: string; reason: unknown } {
  try {
    read();
  } catch (err) {
    if (!isArkError(err, "ARK_INVALID_ARGUMENT")) throw err;
    return { message: err.message, reason: err.details.reason };
  }
  throw new Error("expected ARK_INVALID_ARGUMENT");
}

/** The checks `ark flows import` (readFlowFile) and `ark run` (resolveRunTarget) share, so both must refuse alike. */
const readers = { "ark flows import": readFlowFile, "ark run": (target: string) => resolveRunTarget(target) };

describe.each(Object.entries(readers))("the flow file reader of %s", (_command, read) => {
  it("reads a flow file", () => {
    expect(read(file("ok.yaml"))).toBeTruthy();
  });

  it("says a directory is a directory", () => {
    const folder = path.join(dir, "flows");
    mkdirSync(folder, { recursive: true });
    expect(refusal(() => read(folder))).toEqual({ reason: "directory", message: `${folder} is a directory, not a flow file: give the path of a file in it.` });
  });

  it("refuses a FIFO at once instead of waiting for a writer", () => {
    const fifo = path.join(dir, "pipe.yaml");
    if (!existsSync(fifo)) execFileSync("mkfifo", [fifo]);
    expect(refusal(() => read(fifo))).toEqual({ reason: "not_a_file", message: `${fifo} is not a regular file but a named pipe (FIFO): save the flow file to a file and give that path.` });
  });

  it("refuses a file over the size limit before reading it, and names the limit", () => {
    const big = file("big.yaml", "");
    truncateSync(big, 600 * 1024 * 1024); // sparse: nothing is written, but reading it would build a 600 MB string
    expect(refusal(() => read(big))).toEqual({ reason: "too_large", message: `${big} is 600 MB: a flow file may have at most 16 MB. Check that it is the file you meant.` });
  });

  it.skipIf(!existsSync("/proc/self/mem"))("reports a read error (EIO from /proc/self/mem) as unreadable", () => {
    expect(refusal(() => read("/proc/self/mem"))).toEqual({ reason: "unreadable", message: "Cannot read flow file /proc/self/mem: EIO: i/o error, read." });
  });

  it.skipIf(process.getuid?.() === 0)("reports a file without read permission as unreadable", () => {
    const locked = file("locked.yaml");
    chmodSync(locked, 0o000);
    expect(refusal(() => read(locked)).reason).toBe("unreadable");
  });
});

describe("readInputFile", () => {
  it.skipIf(!existsSync("/proc/self/maps"))("stops reading past the limit when the size was not known up front", () => {
    // Files under /proc report size 0; /proc/self/maps is a few kB, so a limit of 100 bytes is crossed while reading.
    expect(refusal(() => readInputFile("/proc/self/maps", { label: "file", maxBytes: 100 })).reason).toBe("too_large");
  });

  it("reads a file of exactly the limit", () => {
    expect(readInputFile(file("exact.txt", "x".repeat(64)), { label: "file", maxBytes: 64 })).toHaveLength(64);
    expect(MAX_FLOW_FILE_BYTES).toBe(16 * 1024 * 1024);
  });
});

describe("ark run's target", () => {
  it("is an id only when no file has that name, and a missing file is said to be missing", () => {
    expect(resolveRunTarget("12")).toEqual({ kind: "id", id: "12" });
    const missing = path.join(dir, "missing.yaml");
    expect(refusal(() => resolveRunTarget(missing)).message).toBe(`There is no file "${missing}", and it is not a flowchart id. Give a flow file (e.g. examples/flows/linear.yaml) or an id from \`ark flows list\`.`);
  });
});
