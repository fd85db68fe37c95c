/**
 * The task node's answer as data (orchestration-and-events §10, task row): a strict JSON object (a fenced ```json
 * block is allowed), checked against the node's `output_schema`, and the repair instructions sent back when it fails.
 */
import { Ajv, type ValidateFunction } from "ajv";
import { errorMessage } from "../../errors/index.js";

const FENCE = /^```(?:json|JSON)?\s*\n?([\s\S]*?)\n?```$/;
const REPAIR_EXCERPT = 1200;

/** The JSON object in a model's answer, or an explanation of why there is none. */
export function parseJsonObject(text: string): { value: Record<string, unknown> } | { problem: string } {
  const trimmed = text.trim();
  const body = FENCE.exec(trimmed)?.[1] ?? trimmed;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    return { problem: `the answer is not valid JSON (${errorMessage(err)})` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { problem: "the answer is JSON but not a JSON object" };
  return { value: value as Record<string, unknown> };
}

/** Checks answers against one output schema. */
export interface OutputSchemaCheck {
  /** The parsed object when it matches, else the problem. */
  check(text: string): { value: Record<string, unknown> } | { problem: string };
}

/** Compiles a node's `output_schema`; throws with the schema's own problem when it is not a usable JSON Schema. */
export function compileOutputSchema(schema: unknown): OutputSchemaCheck {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) throw new TypeError("output_schema must be a JSON Schema object");
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate: ValidateFunction = ajv.compile(schema as Record<string, unknown>);
  return {
    check(text) {
      const parsed = parseJsonObject(text);
      if ("problem" in parsed) return parsed;
      if (validate(parsed.value)) return parsed;
      const issues = (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`);
      return { problem: `the answer does not match output_schema: ${issues.join("; ")}` };
    },
  };
}

/** The user message that asks for a corrected answer (`Task output schema repair instructions:` …). */
export function repairInstructions(attempt: number, maxAttempts: number, problem: string, previous: string): string {
  const repair = { attempt, max_attempts: maxAttempts, validation_error: problem, previous_output_excerpt: previous.slice(0, REPAIR_EXCERPT) };
  return [
    "Task output schema repair instructions: your previous answer was rejected.",
    `schema_repair (JSON): ${JSON.stringify(repair)}`,
    "Answer again with only one JSON object that matches the output schema; no prose, no code fence.",
  ].join("\n");
}

/** What a task answer becomes in `structured_output`: the JSON object it holds, else `{text}`. */
export function structuredOutputOf(text: string): Record<string, unknown> {
  const parsed = parseJsonObject(text);
  return "value" in parsed ? parsed.value : { text };
}
