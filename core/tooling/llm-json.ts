/**
 * Reading `llm_guided` answers: one strict JSON object, raw or alone in a ```json fence; anything else is the
 * domain's `<domain>.llm_invalid_output` ToolError (a validation failure that drives retries and mode fallback).
 */
import { toolError } from "./tool-error.js";

/** The longest raw model output kept in results and errors. */
export const LLM_EXCERPT_CHARS = 2000;

/** The model's text cut to LLM_EXCERPT_CHARS, marked when cut. */
export function llmExcerpt(text: string, max = LLM_EXCERPT_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}...(truncated)`;
}

/** The JSON object a model answered; `<domain>.llm_invalid_output` when the answer is not exactly one object. */
export function parseLlmJsonObject(text: string, domain: string): Record<string, unknown> {
  const trimmed = typeof text === "string" ? text.trim() : "";
  const fence = /^```[A-Za-z]*[ \t]*\r?\n([\s\S]*?)\r?\n?```$/.exec(trimmed);
  const body = fence ? fence[1]!.trim() : trimmed;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw toolError(`${domain}.llm_invalid_output`, "The model's answer is not a strict JSON object.", { raw_output: llmExcerpt(trimmed) });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw toolError(`${domain}.llm_invalid_output`, "The model's answer is JSON but not an object.", { raw_output: llmExcerpt(trimmed) });
  }
  return parsed as Record<string, unknown>;
}
