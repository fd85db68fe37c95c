/** Ids of stored flow rows (flowcharts, runs, node runs, artifacts): positive integers, carried as strings. */
import { ArkError } from "../../errors/index.js";

const DIGITS = /^[1-9]\d{0,17}$/;

/** The id as a canonical string; throws ARK_INVALID_ARGUMENT naming `what` when it is not a positive integer. */
export function parseRowId(value: unknown, what: string): string {
  const text = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : typeof value === "string" ? value.trim() : "";
  if (!DIGITS.test(text)) {
    throw new ArkError("ARK_INVALID_ARGUMENT", `${what} must be a positive integer id (got ${JSON.stringify(value) ?? String(value)}).`, {
      details: { field: what, value: value === undefined ? null : value },
    });
  }
  return text;
}

/** ARK_NOT_FOUND for a row that does not exist. */
export function notFound(what: string, id: string): ArkError {
  return new ArkError("ARK_NOT_FOUND", `${what} ${id} was not found.`, { details: { kind: what, id } });
}

/** An ISO timestamp from a driver value (Date or text); null stays null. */
export function isoOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}
