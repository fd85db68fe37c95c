/**
 * Small schema fragments the core contracts share. They are inlined (not $ref-ed) so every contract document
 * stands on its own when served to a client or copied into an executor bundle.
 */

/** The only contract version v1 documents accept. */
export const contractVersionV1 = { type: "string", const: "v1" } as const;

/** A string with at least one non-whitespace character. */
export const nonBlankString = { type: "string", pattern: "\\S" } as const;

/** A non-empty string with no leading or trailing whitespace (decision connector ids, §14.2). */
export const trimmedNonEmptyString = { type: "string", pattern: "^\\S(?:[\\s\\S]*\\S)?$" } as const;

/** An id as ARK stores it: a positive integer or a non-blank string (bigint ids travel as strings). */
export const entityId = { anyOf: [{ type: "integer", minimum: 0 }, { type: "string", minLength: 1 }] } as const;

/** An id or null. */
export const nullableEntityId = { anyOf: [...entityId.anyOf, { type: "null" }] } as const;

/** ISO-8601 timestamp with offset, e.g. `2026-02-27T10:00:00.000Z`. */
export const isoDateTime = { type: "string", format: "date-time" } as const;

/** A JSON object with any keys. */
export const anyObject = { type: "object" } as const;

/** A lower-case sha256 hex digest. */
export const sha256Hex = { type: "string", pattern: "^[0-9a-f]{64}$" } as const;
