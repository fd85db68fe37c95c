import { CANONICAL_EVENT_TYPE_PATTERN } from "../canonical-event-type.js";
import { contractIds } from "./contract-ids.js";
import { anyObject, contractVersionV1, isoDateTime, nonBlankString } from "./fragments.js";

const nullableText = { type: ["string", "null"] } as const;

/** The normalised runtime metadata an event carries (§13.1: 12 keys; producers may add more, e.g. k8s_*). */
const runtimeMetadata = {
  type: "object",
  properties: {
    selected_provider: nullableText,
    final_provider: nullableText,
    provider_dispatch_id: nullableText,
    workspace_identity: nullableText,
    dispatch_status: nullableText,
    execution_mode: nullableText,
    fallback_reason: nullableText,
    api_failure_category: nullableText,
    fallback_attempted: { type: "boolean" },
    dispatch_uncertain: { type: "boolean" },
    cli_fallback_used: { type: "boolean" },
    cli_preflight_passed: { type: ["boolean", "null"] },
  },
} as const;

/** The envelope every event carries (orchestration-and-events §13.1); the required set is the reference's. */
export const eventEnvelopeSchema = {
  $id: contractIds.eventEnvelope,
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "ARK event envelope v1",
  type: "object",
  required: ["contract_version", "event_id", "idempotency_key", "event_type", "entity_kind", "entity_id", "request_id", "payload"],
  properties: {
    contract_version: contractVersionV1,
    event_id: nonBlankString,
    idempotency_key: nonBlankString,
    sequence: { type: "integer", minimum: 1 },
    sequence_stream: nonBlankString,
    emitted_at: isoDateTime,
    event_type: { type: "string", pattern: CANONICAL_EVENT_TYPE_PATTERN.source },
    legacy_event_type: { type: "string" },
    entity_kind: nonBlankString,
    entity_id: { type: "string" },
    room_keys: { type: "array", items: { type: "string", pattern: "^[a-z_]+:\\S+$" }, uniqueItems: true },
    request_id: nonBlankString,
    correlation_id: nonBlankString,
    runtime: { anyOf: [{ type: "null" }, runtimeMetadata] },
    payload: anyObject,
  },
  additionalProperties: true,
} as const;
