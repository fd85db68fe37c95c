import { ArkError, errorCatalogue, errorMessage, isArkError } from "../errors/index.js";

/** Writes a line to stdout (command output; logs go to stderr). */
export function out(line = ""): void {
  process.stdout.write(`${line}\n`);
}

/** Writes JSON for scripts (`--json`). */
export function outJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A simple aligned table for terminals. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n");
}

/** The JSON shape of an error for `--json` consumers. */
export function errorJson(err: unknown): Record<string, unknown> {
  if (isArkError(err)) return { ok: false, error: err.toJSON() };
  return { ok: false, error: { code: "ARK_INTERNAL", message: errorMessage(err), hint: errorCatalogue.ARK_INTERNAL.hint } };
}

/** Prints an error the way operators read it: code, message, what to do. */
export function printError(err: unknown, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(errorJson(err), null, 2)}\n`);
    return;
  }
  const e = isArkError(err) ? err : new ArkError("ARK_INTERNAL", errorMessage(err), { cause: err });
  process.stderr.write(`error [${e.code}]: ${e.message}\n  what to do: ${e.hint}\n`);
  if (e.code === "ARK_INTERNAL" && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}
