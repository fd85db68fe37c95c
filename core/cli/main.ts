#!/usr/bin/env node
// DI decorators need the metadata polyfill before anything else loads (DEPENDENCIES.md trap 2).
import "reflect-metadata";
import { printError } from "./output.js";
import { buildProgram } from "./program.js";

let exitCode = 0;
const program = buildProgram((code) => (exitCode = code));
const json = process.argv.includes("--json");
program.parseAsync(process.argv).then(
  () => {
    if (exitCode !== 0) process.exitCode = exitCode;
  },
  (err: unknown) => {
    printError(err, json);
    process.exitCode = 1;
  },
);
