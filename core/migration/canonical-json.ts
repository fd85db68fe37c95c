/**
 * Python-compatible canonical JSON (`json.dumps(value, sort_keys=True, separators=(",", ":"))`, ensure_ascii) and its
 * sha256, so ARK's snapshot hashes match the reference's byte for byte (tools-and-migration §6.5 caveats). JavaScript
 * has no int/float distinction, so the caller names the values Python held as floats (node x/y in a snapshot).
 */
import { createHash } from "node:crypto";

/** Decides, from the key path, whether a number was a Python float (written `0.0`, `1e+16`). */
export type FloatPath = (path: readonly (string | number)[]) => boolean;

const noFloats: FloatPath = () => false;

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const [mantissa, exponentText] = value.toExponential().split("e") as [string, string];
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) {
    const fixed = plainDecimal(mantissa, exponent);
    return fixed.includes(".") ? fixed : `${fixed}.0`;
  }
  const sign = exponent < 0 ? "-" : "+";
  return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
}

/** `d.ddd` × 10^exponent written out without an exponent. */
function plainDecimal(mantissa: string, exponent: number): string {
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const point = 1 + exponent;
  let text: string;
  if (point <= 0) text = `0.${"0".repeat(-point)}${digits}`;
  else if (point >= digits.length) text = digits + "0".repeat(point - digits.length);
  else text = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${text}` : text;
}

/** A JSON string literal as Python writes it with ensure_ascii (non-ASCII and DEL as lower-case \uXXXX). */
export function pythonStringLiteral(value: string): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Orders keys by code point, as Python's sort does (JavaScript's default sort compares UTF-16 units). */
function compareCodePoints(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

function write(value: unknown, path: (string | number)[], floats: FloatPath): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return Number.isInteger(value) && !floats(path) ? String(value) : pythonFloatRepr(value);
  if (typeof value === "string") return pythonStringLiteral(value);
  if (Array.isArray(value)) return `[${value.map((item, i) => write(item, [...path, i], floats)).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => compareCodePoints(a, b));
    return `{${entries.map(([k, v]) => `${pythonStringLiteral(k)}:${write(v, [...path, k], floats)}`).join(",")}}`;
  }
  return pythonStringLiteral(String(value));
}

/** Canonical JSON text of a JSON value (keys sorted, no spaces, ASCII only). */
export function canonicalJsonText(value: unknown, floats: FloatPath = noFloats): string {
  return write(value, [], floats);
}

/** sha256 (hex) of the canonical JSON text. */
export function canonicalHash(value: unknown, floats: FloatPath = noFloats): string {
  return createHash("sha256").update(canonicalJsonText(value, floats), "utf8").digest("hex");
}
