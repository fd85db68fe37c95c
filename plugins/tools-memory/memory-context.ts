/**
 * The memory node's inferred prompt (reference §3.5 `_infer_memory_node_prompt`): texts from the latest upstream
 * output, every upstream node's output and the context-only upstream nodes, each turned into text, exact duplicates
 * dropped, joined by a blank line and cut to 4000 characters.
 */
const MAX_INFERRED_CHARS = 4000;
const PREFERRED_KEYS = ["answer", "raw_output", "message", "latest_update", "description"];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Canonical JSON (sorted keys), for objects without a preferred text field. */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(", ")}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}: ${sortedJson(value[k])}`).join(", ")}}`;
  return JSON.stringify(value ?? null);
}

/** One context value as text: strings trimmed, numbers/booleans printed, objects by their first text field, lists joined. */
export function contextValueText(value: unknown): string {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.map(contextValueText).filter((t) => t !== "").join("\n");
  if (isObject(value)) {
    for (const key of PREFERRED_KEYS) {
      const text = contextValueText(value[key]);
      if (text !== "") return text;
    }
    return Object.keys(value).length === 0 ? "" : sortedJson(value);
  }
  return "";
}

function outputsOf(list: unknown): unknown[] {
  return Array.isArray(list) ? list.filter(isObject).map((node) => node.output_state) : [];
}

/** The prompt inferred from an input context ("" when there is nothing to use). */
export function inferMemoryPrompt(inputContext: Readonly<Record<string, unknown>>): string {
  const latest = isObject(inputContext.latest_upstream) ? inputContext.latest_upstream.output_state : undefined;
  const contextOnly = Array.isArray(inputContext.context_only_upstream_nodes) ? inputContext.context_only_upstream_nodes : inputContext.dotted_upstream_nodes;
  const candidates = [latest, ...outputsOf(inputContext.upstream_nodes), ...outputsOf(contextOnly)];
  const texts: string[] = [];
  for (const candidate of candidates) {
    const text = contextValueText(candidate);
    if (text !== "" && !texts.includes(text)) texts.push(text);
  }
  return texts.join("\n\n").slice(0, MAX_INFERRED_CHARS);
}
