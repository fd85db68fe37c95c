import { canonicalEventType } from "../contracts/canonical-event-type.js";
import type { EventEnvelope } from "../plugin-api/contributions.js";
import type { EventOrigin } from "./delivery-sequencer.js";

/** Which events a local subscriber wants; every given criterion must hold (an empty filter takes everything). */
export interface EventFilterSpec {
  /** Any spelling; canonicalised, so `flowchart.run.updated` matches `flowchart:run:updated`. */
  readonly eventTypes?: readonly string[];
  readonly streams?: readonly string[];
  readonly entityKind?: string;
  readonly entityId?: string;
  /** Matches when the event is published to at least one of these rooms. */
  readonly roomKeys?: readonly string[];
  /** Only events committed by this bus (`local`) or by others (`remote`); both when absent. */
  readonly origin?: EventOrigin;
}

/** A filter spec, or a predicate for anything the spec cannot say. */
export type EventFilter = EventFilterSpec | ((event: EventEnvelope, origin: EventOrigin) => boolean);

/** Turns a filter into a predicate, canonicalising event types once (a bad type throws ARK_EVENT_TYPE_INVALID here). */
export function compileEventFilter(filter: EventFilter | null | undefined): (event: EventEnvelope, origin: EventOrigin) => boolean {
  if (filter === null || filter === undefined) return () => true;
  if (typeof filter === "function") return filter;
  const types = filter.eventTypes === undefined ? undefined : new Set(filter.eventTypes.map(canonicalEventType));
  const streams = filter.streams === undefined ? undefined : new Set(filter.streams);
  const rooms = filter.roomKeys === undefined ? undefined : new Set(filter.roomKeys.map((k) => k.trim()));
  const { entityKind, entityId, origin: wantedOrigin } = filter;
  return (event, origin) =>
    (types === undefined || types.has(event.event_type)) &&
    (streams === undefined || streams.has(event.sequence_stream)) &&
    (entityKind === undefined || event.entity_kind === entityKind) &&
    (entityId === undefined || event.entity_id === String(entityId).trim()) &&
    (rooms === undefined || event.room_keys.some((key) => rooms.has(key))) &&
    (wantedOrigin === undefined || origin === wantedOrigin);
}
