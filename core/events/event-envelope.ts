import { randomUUID } from "node:crypto";
import { canonicalEventTypeWithLegacy } from "../contracts/canonical-event-type.js";
import type { ContractRegistry } from "../contracts/contract-registry-port.js";
import { ArkError } from "../errors/index.js";
import type { EventEnvelope } from "../plugin-api/contributions.js";
import { validateEnvelopeContract } from "./envelope-contract.js";
import { eventIdFor } from "./event-id.js";
import { isPlainObject, normaliseRuntimeMetadata, type EventRuntimeMetadata } from "./runtime-metadata.js";

/** What a producer says about an event; everything else in the envelope is derived (§13.1). */
export interface EventInput {
  /** Any accepted spelling; canonicalised (`flowchart.run.updated` → `flowchart:run:updated`). */
  readonly eventType: string;
  /** What the event is about, lower-case snake words: `task`, `flowchart_run`, `flowchart_node`, `node_artifact`, ... */
  readonly entityKind: string;
  /** Trimmed; `""` when absent (the event then goes to the `{event_type}:global` stream). */
  readonly entityId?: string | number | bigint | null;
  /** Socket.IO rooms (`flowchart_run:42`); trimmed, blanks dropped, first occurrence kept. */
  readonly roomKeys?: readonly (string | null | undefined)[];
  /** A plain JSON object; absent or null means `{}`. */
  readonly payload?: Readonly<Record<string, unknown>> | null;
  /** Producer run metadata; normalised to the 12 envelope keys, null when not an object. */
  readonly runtime?: unknown;
  /** Wins over payload.request_id and runtime.request_id; a random hex id when none is given anywhere. */
  readonly requestId?: string | null;
  /** Wins over payload.correlation_id and runtime.correlation_id; omitted when none is given anywhere. */
  readonly correlationId?: string | null;
  /**
   * ARK extension: the stream the event is sequenced in, instead of the §13.1 rule (`{entity_kind}:{entity_id}`,
   * else `{event_type}:global`). Lets a producer give, say, every event of one run a single gapless sequence.
   */
  readonly sequenceStream?: string;
}

/** An envelope before the log gave it a sequence (and so an id). */
export interface EventEnvelopeDraft {
  readonly contract_version: "v1";
  readonly sequence_stream: string;
  readonly emitted_at: string;
  readonly event_type: string;
  readonly legacy_event_type?: string;
  readonly entity_kind: string;
  readonly entity_id: string;
  readonly room_keys: readonly string[];
  readonly request_id: string;
  readonly correlation_id?: string;
  readonly runtime: EventRuntimeMetadata | null;
  readonly payload: Record<string, unknown>;
}

/** Knobs for building envelopes. */
export interface EnvelopeOptions {
  /** Clock for `emitted_at` (tests pin it). */
  readonly now?: () => Date;
  /** The kernel's contract registry; a private one holding only the envelope schema when absent. */
  readonly contracts?: ContractRegistry;
  /** Largest serialised envelope accepted (bytes of UTF-8 JSON). */
  readonly maxEnvelopeBytes?: number;
}

/** Default cap on one serialised envelope: events carry ids and statuses, not documents. */
export const DEFAULT_MAX_ENVELOPE_BYTES = 1024 * 1024;
const ENTITY_KIND = /^[a-z][a-z0-9_]*$/;
const MAX_ENTITY_KIND_CHARS = 64;
const MAX_ENTITY_ID_CHARS = 256;
const MAX_STREAM_CHARS = 512;
// Control characters would make stream names and NOTIFY payloads unreadable in logs and psql.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

function invalid(message: string, details: Record<string, unknown>): ArkError {
  return new ArkError("ARK_EVENT_INVALID", message, { details });
}

function entityKindOf(value: unknown): string {
  const kind = typeof value === "string" ? value.trim() : "";
  if (!ENTITY_KIND.test(kind) || kind.length > MAX_ENTITY_KIND_CHARS) {
    throw invalid(
      `entity_kind ${JSON.stringify(value)} is not valid: use lower-case snake words such as "flowchart_run" (at most ${MAX_ENTITY_KIND_CHARS} characters).`,
      { field: "entity_kind", value },
    );
  }
  return kind;
}

function entityIdOf(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "bigint") {
    throw invalid(`entity_id must be a string or a number, not ${describeType(value)}.`, { field: "entity_id" });
  }
  const id = String(value).trim();
  if (id.length > MAX_ENTITY_ID_CHARS || CONTROL_CHARS.test(id)) {
    throw invalid(`entity_id must be at most ${MAX_ENTITY_ID_CHARS} characters without control characters.`, {
      field: "entity_id",
      length: id.length,
    });
  }
  return id;
}

function streamOf(override: unknown, kind: string, id: string, eventType: string): string {
  if (override === undefined) return id === "" ? `${eventType}:global` : `${kind}:${id}`;
  const stream = typeof override === "string" ? override.trim() : "";
  if (stream === "" || stream.length > MAX_STREAM_CHARS || CONTROL_CHARS.test(stream)) {
    throw invalid(`sequenceStream must be non-blank text of at most ${MAX_STREAM_CHARS} characters without control characters.`, {
      field: "sequence_stream",
      value: override,
    });
  }
  return stream;
}

function roomKeysOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`room_keys must be a list of strings, not ${describeType(value)}.`, { field: "room_keys" });
  const keys: string[] = [];
  for (const [index, entry] of value.entries()) {
    if (entry === null || entry === undefined) continue;
    if (typeof entry !== "string") {
      throw invalid(`room_keys[${index}] must be a string, not ${describeType(entry)}.`, { field: "room_keys", index });
    }
    const key = entry.trim();
    if (key !== "" && !keys.includes(key)) keys.push(key);
  }
  return keys;
}

function textOf(value: unknown): string | undefined {
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  return text === "" ? undefined : text;
}

/** First non-blank of: explicit argument, payload field, raw runtime field (the §13.1 precedence). */
function firstId(key: "request_id" | "correlation_id", explicit: unknown, payload: Record<string, unknown>, runtime: unknown): string | undefined {
  return textOf(explicit) ?? textOf(payload[key]) ?? (isPlainObject(runtime) ? textOf(runtime[key]) : undefined);
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** UTC ISO-8601 with an explicit offset, like the reference's `datetime.isoformat()`. */
export function isoWithOffset(date: Date): string {
  return date.toISOString().replace(/Z$/, "+00:00");
}

function payloadOf(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw invalid(`payload must be a plain JSON object, not ${describeType(value)}.`, { field: "payload" });
  return value;
}

/** Copies through JSON: the envelope then equals what replay reads back, and later edits by the caller cannot leak in. */
function jsonCopy(draft: Record<string, unknown>, maxBytes: number): { draft: EventEnvelopeDraft; json: string } {
  let text: string;
  try {
    text = JSON.stringify(draft);
  } catch (err) {
    throw new ArkError("ARK_EVENT_INVALID", `The event payload is not JSON-serialisable: ${(err as Error).message}.`, {
      details: { field: "payload" },
      cause: err,
    });
  }
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxBytes) {
    throw new ArkError("ARK_EVENT_TOO_LARGE", `The event envelope is ${bytes} bytes; the limit is ${maxBytes}.`, {
      details: { bytes, limit: maxBytes, event_type: draft.event_type },
    });
  }
  return { draft: JSON.parse(text) as EventEnvelopeDraft, json: text };
}

/**
 * Builds everything of the envelope except what the log assigns (sequence, event_id, idempotency_key), applying the
 * §13.1 rules, and checks it against the event-envelope contract. Throws ARK_EVENT_TYPE_INVALID, ARK_EVENT_INVALID
 * or ARK_EVENT_TOO_LARGE.
 */
export function draftEventEnvelope(input: EventInput, options: EnvelopeOptions = {}): EventEnvelopeDraft {
  return serialisedDraft(input, options).draft;
}

/** draftEventEnvelope plus the draft's JSON text, so the log does not serialise it twice. */
export function serialisedDraft(input: EventInput, options: EnvelopeOptions = {}): { draft: EventEnvelopeDraft; json: string } {
  if (!isPlainObject(input)) throw invalid(`An event input must be an object, not ${describeType(input)}.`, { field: "input" });
  const types = canonicalEventTypeWithLegacy(input.eventType);
  const entityKind = entityKindOf(input.entityKind);
  const entityId = entityIdOf(input.entityId);
  const payload = payloadOf(input.payload);
  const correlationId = firstId("correlation_id", input.correlationId, payload, input.runtime);
  const draft: Record<string, unknown> = {
    contract_version: "v1",
    sequence_stream: streamOf(input.sequenceStream, entityKind, entityId, types.event_type),
    emitted_at: isoWithOffset((options.now ?? (() => new Date()))()),
    event_type: types.event_type,
    ...(types.legacy_event_type === undefined ? {} : { legacy_event_type: types.legacy_event_type }),
    entity_kind: entityKind,
    entity_id: entityId,
    room_keys: roomKeysOf(input.roomKeys),
    request_id: firstId("request_id", input.requestId, payload, input.runtime) ?? randomUUID().replace(/-/g, ""),
    ...(correlationId === undefined ? {} : { correlation_id: correlationId }),
    runtime: normaliseRuntimeMetadata(input.runtime) satisfies EventRuntimeMetadata | null,
    payload,
  };
  const copy = jsonCopy(draft, options.maxEnvelopeBytes ?? DEFAULT_MAX_ENVELOPE_BYTES);
  // The ids are placeholders here; only their shape matters to the contract (so no hash is computed for them).
  validateEnvelopeContract({ ...copy.draft, event_id: PLACEHOLDER_EVENT_ID, idempotency_key: PLACEHOLDER_EVENT_ID, sequence: 1 } as EventEnvelope, options.contracts);
  return copy;
}

/** A well-formed event id standing in for the real one while a draft is checked against the contract. */
const PLACEHOLDER_EVENT_ID = "00000000-0000-8000-8000-000000000000";

/**
 * Completes a draft with its log position; `event_id` (and `idempotency_key`, equal to it) follow from it — pass the
 * id when the log already derived it. A draft's keys are in envelope order already (serialisedDraft builds them so),
 * so the identity fields go in after `contract_version` without sorting every key again.
 */
export function sealEventEnvelope(draft: EventEnvelopeDraft, sequence: number, eventId = eventIdFor(draft.sequence_stream, sequence)): EventEnvelope {
  const { contract_version, ...rest } = draft;
  return { contract_version, event_id: eventId, idempotency_key: eventId, sequence, ...rest } as EventEnvelope;
}

/** The envelope's fields in the order of §13.1; fields it does not know about follow. */
const ENVELOPE_KEY_ORDER = [
  "contract_version", "event_id", "idempotency_key", "sequence", "sequence_stream", "emitted_at", "event_type",
  "legacy_event_type", "entity_kind", "entity_id", "room_keys", "request_id", "correlation_id", "runtime", "payload",
] as const;

/** Copies an envelope with its keys in envelope order (jsonb, for one, stores keys in an order of its own). */
export function inEnvelopeOrder(envelope: Readonly<Record<string, unknown>>): EventEnvelope {
  const ordered: Record<string, unknown> = {};
  for (const key of ENVELOPE_KEY_ORDER) if (key in envelope) ordered[key] = envelope[key];
  for (const [key, value] of Object.entries(envelope)) if (!(key in ordered)) ordered[key] = value;
  return ordered as EventEnvelope;
}

/** Builds and validates a complete envelope for a known sequence (the log's appendEvent assigns it in real use). */
export function buildEventEnvelope(input: EventInput & { readonly sequence: number }, options: EnvelopeOptions = {}): EventEnvelope {
  if (!Number.isSafeInteger(input?.sequence) || input.sequence < 1) {
    throw invalid(`sequence must be a positive integer, not ${JSON.stringify(input?.sequence)}.`, { field: "sequence" });
  }
  return sealEventEnvelope(draftEventEnvelope(input, options), input.sequence);
}
