/**
 * Reading a tool input defensively. The envelope validates inputs against the operation's schema, but handlers are
 * also reached directly (node types without a tool host, tests), so each reads its fields through these checks and
 * answers a wrong type with ARK_TOOL_INPUT_INVALID naming the field — never with a TypeError.
 */
import { ArkError } from "../errors/index.js";

function invalid(field: string, expected: string): never {
  throw new ArkError("ARK_TOOL_INPUT_INVALID", `${field} must be ${expected}.`, { details: { field, issues: [{ instancePath: `/${field}`, message: `must be ${expected}` }] } });
}

/** Reads fields of one tool input object. */
export class ToolInput {
  private readonly fields: Readonly<Record<string, unknown>>;

  constructor(input: unknown) {
    if (input === undefined || input === null) this.fields = {};
    else if (typeof input === "object" && !Array.isArray(input)) this.fields = input as Record<string, unknown>;
    else invalid("input", "an object");
  }

  /** The raw value of a field. */
  raw(name: string): unknown {
    return this.fields[name];
  }

  /** A string field, or `fallback` when absent. */
  string(name: string, fallback: string): string {
    const value = this.fields[name];
    if (value === undefined || value === null) return fallback;
    return typeof value === "string" ? value : invalid(name, "a string");
  }

  /** A string field that must be present and non-empty. */
  requiredString(name: string): string {
    const value = this.fields[name];
    return typeof value === "string" && value !== "" ? value : invalid(name, "a non-empty string");
  }

  /** A string field, or null when absent. */
  optionalString(name: string): string | null {
    const value = this.fields[name];
    if (value === undefined || value === null || value === "") return null;
    return typeof value === "string" ? value : invalid(name, "a string");
  }

  /** A boolean field, or `fallback` when absent. */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.fields[name];
    if (value === undefined || value === null) return fallback;
    return typeof value === "boolean" ? value : invalid(name, "a boolean");
  }

  /** An integer field within [min, max], or `fallback` when absent. */
  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.fields[name];
    if (value === undefined || value === null) return fallback;
    return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max ? value : invalid(name, `an integer from ${min} to ${max}`);
  }

  /** An array of strings, or `fallback` when absent. */
  stringArray(name: string, fallback: readonly string[]): readonly string[] {
    const value = this.fields[name];
    if (value === undefined || value === null) return fallback;
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : invalid(name, "an array of strings");
  }

  /** An object of string values (environment variables), or `{}` when absent. */
  stringRecord(name: string): Readonly<Record<string, string>> {
    const value = this.fields[name];
    if (value === undefined || value === null) return {};
    if (typeof value !== "object" || Array.isArray(value) || !Object.values(value).every((v) => typeof v === "string")) return invalid(name, "an object of strings");
    return value as Record<string, string>;
  }
}
