import { ArkError } from "../errors/index.js";

/** The shape every canonical event type has: `domain:entity:action`. */
export const CANONICAL_EVENT_TYPE_PATTERN = /^[a-z0-9_]+:[a-z0-9_]+:[a-z0-9_]+$/;

// The reference trims with Python's str.strip(), whose whitespace set differs from String.prototype.trim()
// (it includes \x1c-\x1f and \x85, and excludes \ufeff). Matching it exactly keeps segment dropping identical.
const PY_WHITESPACE = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_TRIM = new RegExp(`^[${PY_WHITESPACE}]+|[${PY_WHITESPACE}]+$`, "g");

function pyStrip(text: string): string {
  return text.replace(PY_TRIM, "");
}

function sanitizeSegment(segment: string): string {
  const cleaned = segment.replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
  return cleaned === "" ? "unknown" : cleaned;
}

/**
 * Normalises an event type to canonical `domain:entity:action` (orchestration-and-events §13.2):
 * `flowchart.run.updated` → `flowchart:run:updated`, `node.task.stage.updated` → `node:task:stage_updated`.
 * Throws ArkError ARK_EVENT_TYPE_INVALID for an empty type or one with fewer than three segments.
 */
export function canonicalEventType(input: string): string {
  const text = pyStrip(typeof input === "string" ? input : "").toLowerCase();
  if (text === "") {
    throw new ArkError("ARK_EVENT_TYPE_INVALID", "event_type is required.", { details: { event_type: input } });
  }
  const delimiter = text.includes(":") ? ":" : ".";
  const segments = text
    .split(delimiter)
    .map(pyStrip)
    .filter((segment) => segment !== "");
  if (segments.length < 3) {
    throw new ArkError("ARK_EVENT_TYPE_INVALID", "event_type must have at least domain/entity/action segments.", {
      details: { event_type: input },
    });
  }
  const [domain, entity, ...action] = segments as [string, string, ...string[]];
  const canonical = [sanitizeSegment(domain), sanitizeSegment(entity), sanitizeSegment(action.join("_"))].join(":");
  if (!CANONICAL_EVENT_TYPE_PATTERN.test(canonical)) {
    // Unreachable by construction; kept so a future edit of the rules cannot emit a malformed type silently.
    throw new ArkError("ARK_EVENT_TYPE_INVALID", `event_type '${canonical}' is not canonical domain:entity:action.`, {
      details: { event_type: input },
    });
  }
  return canonical;
}

/** The canonical type plus `legacy_event_type` when the caller's string differed (the envelope carries both, §13.1). */
export function canonicalEventTypeWithLegacy(input: string): { event_type: string; legacy_event_type?: string } {
  const eventType = canonicalEventType(input);
  return eventType === input ? { event_type: eventType } : { event_type: eventType, legacy_event_type: input };
}
