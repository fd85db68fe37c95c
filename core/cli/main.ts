#!/usr/bin/env node
// DI decorators need the metadata polyfill before anything else loads (DEPENDENCIES.md trap 2).
import "reflect-metadata";
import { BROKEN_PIPE_EXIT_CODE, processOutputClosed } from "./broken-pipe.js";
import { printError } from "./output.js";
import { buildProgram } from "./program.js";

const outputClosed = processOutputClosed();
let exitCode = 0;
const json = process.argv.includes("--json");
const program = buildProgram((code) => (exitCode = code), { json });
program.parseAsync(process.argv).then(
  () => {
    if (exitCode !== 0) process.exitCode = exitCode;
  },
  (err: unknown) => {
    printError(err, json);
    process.exitCode = 1;
  },
);
// At exit rather than when the command settles: the EPIPE of its last write is emitted a tick after the write.
process.on("exit", () => {
  if (outputClosed.aborted) process.exitCode = BROKEN_PIPE_EXIT_CODE;
});
